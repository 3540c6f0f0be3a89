// The frontier method's split into independent parts (docs/design.md §8, decision 52): models
// built as several pieces that meet only at the adversary, against the brute-force
// enumeration and factoring, and six 8 x 8 grids from one adversary (exact only because the
// parts are searched apart) against the product of the grids computed one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "brute_force.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/exact.hpp"
#include "exact_checks.hpp"
#include "test_models.hpp"

namespace dr = datareach;

namespace {

using datareach::testing::expect_matches;
using datareach::testing::factoring_only;
using datareach::testing::frontier_only;
using datareach::testing::ModelBuilder;

// A k x k grid of links of probability p entered from `adversary` at its first corner by an
// arc of probability `entry`; returns the store at the opposite corner.
int add_grid(ModelBuilder& b, int adversary, int k, double p, double entry, const std::string& region) {
    std::vector<int> id(k * k);
    for (int i = 0; i < k * k; ++i) id[i] = i == k * k - 1 ? b.store(region) : b.role();
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c) {
            if (c + 1 < k) b.link(id[r * k + c], id[r * k + c + 1], p);
            if (r + 1 < k) b.link(id[r * k + c], id[(r + 1) * k + c], p);
        }
    b.arc(adversary, id[0], entry);
    return id.back();
}

}  // namespace

TEST(FrontierParts, RandomIndependentPiecesMatchBruteForce) {
    std::mt19937_64 rng(52);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    std::uint64_t split_passes = 0, frontier_runs = 0;
    for (int model = 0; model < 250; ++model) {
        ModelBuilder b;
        const char* regions[] = {"", "A", "A/x", "B"};
        const bool adversary_holds = pick(5) == 0;
        const int adversary = adversary_holds ? b.store(regions[pick(4)]) : b.role(regions[pick(4)]);
        const int atoms = 1 + pick(3);
        for (int c = 0; c < atoms; ++c) b.atomic_class();
        if (atoms >= 2 && pick(3) == 0) b.composite_class({0, atoms - 1});
        // Pieces of 2-4 nodes with their own events and arcs, entered from the adversary,
        // some with arcs back to it; the adversary may hold a class itself.
        const int pieces = 2 + pick(2);
        int vars = 0;
        std::vector<int> stores;
        for (int piece = 0; piece < pieces; ++piece) {
            const int size = 2 + pick(3);
            std::vector<int> nodes;
            for (int v = 0; v < size; ++v) {
                nodes.push_back(pick(2) == 0 ? b.store(regions[pick(4)]) : b.role(regions[pick(4)]));
                if (b.data.node_kind.back() == dr::NodeKind::store) stores.push_back(nodes.back());
            }
            const int event = b.event(0.1 * (1 + pick(9)));
            ++vars;
            b.arc(adversary, nodes[0], 0.1 * (1 + pick(9)));
            ++vars;
            const int arcs = 2 + pick(4);
            for (int i = 0; i < arcs && vars < 17; ++i) {
                const int u = nodes[pick(size)], v = nodes[pick(size)];
                if (pick(3) == 0) {
                    b.link(u, v, 0.1 * (1 + pick(9)));
                } else {
                    const double p = pick(3) == 0 ? 1.0 : 0.1 * (1 + pick(9));
                    b.arc(u, v, p, {}, pick(2) == 0 ? std::vector<int>{event} : std::vector<int>{});
                }
                ++vars;
            }
            if (pick(3) == 0) b.arc(nodes[pick(size)], adversary, 0.5, {}, {event});
        }
        if (stores.empty()) stores.push_back(b.store("A/x"));
        for (int c = 0; c < atoms; ++c)
            for (int s : stores)
                if (pick(2) == 0) b.place(c, s, 0.25 * (1 + pick(4)));
        if (adversary_holds) b.place(0, adversary, 0.5);
        const auto g = b.compile();
        const auto brute = dr::testing::brute_force(g, {adversary});
        dr::ExactStats stats;
        auto opt = frontier_only();
        opt.stats = &stats;
        const auto table = dr::exact_exposure(g, {adversary}, opt);
        frontier_runs += stats.frontier_runs;
        split_passes += stats.frontier_split_passes;
        expect_matches(table, brute, 1, g.class_count(), "pieces, model " + std::to_string(model));
        expect_matches(dr::exact_exposure(g, {adversary}, factoring_only()), brute, 1, g.class_count(),
                       "pieces by factoring, model " + std::to_string(model));
        if (HasFailure()) return;
    }
    EXPECT_GT(frontier_runs, 200u);
    EXPECT_GT(split_passes, 150u);  // most models have a class held in several pieces
}

TEST(FrontierParts, SixGridsFromOneAdversaryAreTheProductOfTheGrids) {
    // Six 8 x 8 grids (links p = 0.84 ... 0.94) entered from one adversary by arcs of 0.9:
    // 6 x 113 random variables, far beyond factoring; interleaved in one breadth-first order
    // their frontiers would add up to a width far above the limit. Class 0 is at every grid's
    // far corner with its own share; class 1 at grid 2's, class 2 at grid 3's, and a
    // composite of those two.
    const int k = 8;
    const double shares[] = {1.0, 0.5, 0.5, 0.25, 1.0, 0.75};
    ModelBuilder b;
    const int adversary = b.role();
    const int c0 = b.atomic_class(), c1 = b.atomic_class(), c2 = b.atomic_class();
    const int both = b.composite_class({c1, c2});
    std::vector<int> corner;
    for (int i = 0; i < 6; ++i)
        corner.push_back(add_grid(b, adversary, k, 0.84 + 0.02 * i, 0.9, "G/" + std::to_string(i % 3)));
    for (int i = 0; i < 6; ++i) b.place(c0, corner[i], shares[i]);
    b.place(c1, corner[2]);
    b.place(c2, corner[3]);
    const auto g = b.compile();

    // Each grid alone, by the frontier method.
    std::vector<double> alone;
    int alone_width = 0;
    for (int i = 0; i < 6; ++i) {
        ModelBuilder one;
        const int a = one.role();
        one.place(one.atomic_class(), add_grid(one, a, k, 0.84 + 0.02 * i, 0.9, ""));
        const auto single = one.compile();
        alone.push_back(dr::exact_exposure(single, {a}).probability(0, 0));
        alone_width = static_cast<int>(dr::exact_complexity(single, {a}).max_run_width[0]);
    }

    const auto size = dr::exact_complexity(g, {adversary});
    EXPECT_GT(size.max_run_variables[0], 600);
    EXPECT_EQ(size.max_run_width[0], alone_width);  // the widest part's, not the sum
    EXPECT_EQ(size.max_factoring_variables[0], 0);
    dr::ExactStats stats;
    dr::ExactOptions opt;  // the defaults
    opt.stats = &stats;
    const auto table = dr::exact_exposure(g, {adversary}, opt);
    EXPECT_EQ(stats.frontier_runs, 1u);
    EXPECT_EQ(stats.frontier_max_width, static_cast<std::uint64_t>(alone_width));
    EXPECT_GT(stats.frontier_split_passes, 0u);

    // X_0 >= s iff some grid of share >= s is crossed: P = 1 - prod over those grids of (1 - P_i).
    auto at_least = [&](double s) {
        double none = 1.0;
        for (int i = 0; i < 6; ++i)
            if (shares[i] >= s) none *= 1.0 - alone[i];
        return 1.0 - none;
    };
    const double levels[] = {1.0, 0.75, 0.5, 0.25};
    double expected = 0.0;
    for (int l = 0; l < 4; ++l) expected += (levels[l] - (l + 1 < 4 ? levels[l + 1] : 0.0)) * at_least(levels[l]);
    EXPECT_NEAR(table.probability(0, c0), at_least(0.25), 1e-12);
    EXPECT_NEAR(table.expected_share(0, c0), expected, 1e-12);
    EXPECT_NEAR(table.probability(0, c1), alone[2], 1e-12);
    EXPECT_NEAR(table.probability(0, both), alone[2] * alone[3], 1e-12);
    EXPECT_NEAR(table.expected_share(0, both), alone[2] * alone[3], 1e-12);
    // Per store: its own grid; per region: the grids whose corner lies in it.
    for (std::size_t row = 0; row < table.by_store.place.size(); ++row) {
        const auto at = std::find(corner.begin(), corner.end(), table.by_store.place[row]) - corner.begin();
        ASSERT_LT(at, 6);
        EXPECT_NEAR(table.by_store.probability[row], alone[at], 1e-12) << row;
    }
    EXPECT_EQ(table.by_store.place.size(), 8u);  // six of class 0, one each of classes 1 and 2
    int checked_regions = 0;
    for (std::size_t row = 0; row < table.by_region.place.size(); ++row) {
        if (table.by_region.class_index[row] != c0) continue;
        const std::string name = b.data.region_names[table.by_region.place[row]];
        double none = 1.0;
        for (int i = 0; i < 6; ++i)
            if (name == "G" || name == "G/" + std::to_string(i % 3)) none *= 1.0 - alone[i];
        EXPECT_NEAR(table.by_region.probability[row], 1.0 - none, 1e-12) << name;
        ++checked_regions;
    }
    EXPECT_EQ(checked_regions, 4);  // G, G/0, G/1, G/2
}

// The all-terminal shape on random graphs: every node but the adversary a store holding its
// own class, a composite of them all (exposed iff every node is reached), links and one-way
// arcs mixed. Every store's row and every single-store class comes from the one-sweep
// marginals (marginals.hpp), the composite from the merged closed sets; with the smallest
// memory allowance the marginals give up and every node is searched alone: the same numbers.
TEST(FrontierParts, RandomAllTerminalModelsMatchBruteForce) {
    std::mt19937_64 rng(1452);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    for (int model = 0; model < 120; ++model) {
        ModelBuilder b;
        b.composite_class(dr::testing::random_all_terminal(b, pick, 3 + pick(6), true));
        const auto g = b.compile();
        const auto brute = dr::testing::brute_force(g, {0});
        for (std::size_t bytes : {std::size_t{256} << 20, std::size_t{1}}) {
            dr::ExactStats stats;
            auto opt = frontier_only(bytes, &stats);
            expect_matches(dr::exact_exposure(g, {0}, opt), brute, 1, g.class_count(),
                           "all-terminal, model " + std::to_string(model) + ", bytes " + std::to_string(bytes));
            EXPECT_EQ(stats.frontier_runs, 1u);
            opt.places = false;
            const auto classes_only = dr::exact_exposure(g, {0}, opt);
            for (std::size_t c = 0; c < g.class_count(); ++c)
                EXPECT_NEAR(classes_only.probability(0, c), brute.probability[0][c], 1e-12) << model << " " << c;
        }
        if (HasFailure()) return;
    }
}

TEST(FrontierParts, OneSweepMarginalsUseFewerExpansionsThanAPassPerNode) {
    // The 6 x 6 all-terminal grid's stores: one sweep against a search per store (memory too
    // small for the sweep's pairs), the same numbers at a fraction of the work.
    const int k = 6;
    ModelBuilder b;
    b.role();
    for (int i = 1; i < k * k; ++i) {
        b.store();
        b.place(b.atomic_class(), i);
    }
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c) {
            if (c + 1 < k) b.link(r * k + c, r * k + c + 1, 0.9);
            if (r + 1 < k) b.link(r * k + c, (r + 1) * k + c, 0.9);
        }
    const auto g = b.compile();
    dr::ExactStats sweep, apart;
    auto opt = frontier_only();
    opt.stats = &sweep;
    const auto one = dr::exact_exposure(g, {0}, opt);
    opt.stats = &apart;
    opt.frontier_bytes = 1;
    const auto each = dr::exact_exposure(g, {0}, opt);
    EXPECT_EQ(sweep.frontier_passes, 1u);
    EXPECT_EQ(apart.frontier_passes, static_cast<std::uint64_t>(k * k));  // the sweep that gave up, then one per store
    EXPECT_LT(3 * sweep.frontier_expansions, apart.frontier_expansions);
    ASSERT_EQ(one.by_store.probability.size(), each.by_store.probability.size());
    for (std::size_t i = 0; i < one.by_store.probability.size(); ++i)
        EXPECT_NEAR(one.by_store.probability[i], each.by_store.probability[i], 1e-13) << i;
    for (int c = 0; c < k * k - 1; ++c) EXPECT_NEAR(one.probability(0, c), each.probability(0, c), 1e-13) << c;
}
