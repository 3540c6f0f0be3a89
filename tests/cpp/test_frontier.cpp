// The frontier method of the exact engine against the brute-force enumeration of all worlds
// (random directed graphs with shared events, class filters, several stores and regions),
// against factoring, against published grid reliabilities and against a transfer-matrix
// computation of ladders written here independently.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "brute_force.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "datareach/exact.hpp"
#include "exact_checks.hpp"
#include "test_models.hpp"

namespace dr = datareach;

namespace {

using datareach::testing::expect_matches;
using datareach::testing::factoring_only;
using datareach::testing::frontier_only;
using datareach::testing::grid;
using datareach::testing::ModelBuilder;

// Two-terminal reliability of a 2 x n ladder of undirected links of probability p, from the
// top-left corner to the bottom-right one, by a transfer matrix over the columns: the state
// is which of the column's two nodes the source's component holds (top, bottom or both;
// neither is a dead end). Independent of the engine: written from the ladder's structure.
long double ladder_reliability(int n, long double p) {
    const long double q = 1 - p;
    long double top = q, bottom = 0, both = p;  // column 0: the rung
    for (int j = 1; j < n; ++j) {
        long double t = 0, b = 0, tb = 0;
        // From `top`: the top rail is needed; the rung decides whether the bottom joins.
        tb += top * p * p;
        t += top * p * q;
        b += bottom * p * q;
        tb += bottom * p * p;
        // From `both`: either rail (or both) carries the component on.
        tb += both * (p * p + 2 * p * q * p);
        t += both * p * q * q;
        b += both * q * p * q;
        top = t;
        bottom = b;
        both = tb;
    }
    return bottom + both;
}

}  // namespace

TEST(Frontier, RandomDirectedModelsMatchBruteForce) {
    std::mt19937_64 rng(91);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    int checked = 0;
    std::uint64_t frontier_runs = 0;
    for (int model = 0; model < 300; ++model) {
        ModelBuilder b;
        b.region("A/x");  // region rows 0 ("A") and 1 ("A/x")
        b.region("B");
        const char* regions[] = {"", "A", "A/x", "B"};
        const int n = 4 + pick(7);
        std::vector<int> stores;
        for (int v = 0; v < n; ++v) {
            if (v > 0 && pick(3) == 0)
                stores.push_back(b.store(regions[pick(4)]));
            else
                b.role(regions[pick(4)]);
        }
        if (stores.empty()) stores.push_back(b.store("A/x"));
        const int atoms = 1 + pick(3);
        for (int c = 0; c < atoms; ++c) b.atomic_class();
        if (atoms >= 2 && pick(4) == 0) b.composite_class({0, atoms - 1});  // a run for factoring
        for (int c = 0; c < atoms; ++c)
            for (int s : stores)
                if (pick(2) == 0) b.place(c, s, 0.1 * (1 + pick(10)));
        const int events = 1 + pick(4);
        for (int e = 0; e < events; ++e) b.event(pick(8) == 0 ? 1.0 : 0.1 * (1 + pick(9)));
        int vars = events;
        const int arcs = 4 + pick(14);
        for (int i = 0; i < arcs && vars < 18; ++i) {
            const int kind = pick(4), u = pick(n), v = pick(n);
            std::vector<int> cls, req;
            if (pick(4) == 0) cls.push_back(pick(atoms));
            if (kind == 0) {
                b.link(u, v, 0.1 * (1 + pick(9)));
                ++vars;
                continue;
            }
            for (int e = 0; e < events; ++e)
                if (pick(3) == 0) req.push_back(e);
            const double p = kind == 1 ? 1.0 : (pick(10) == 0 ? 0.0 : 0.1 * (1 + pick(9)));
            if (p > 0 && p < 1) ++vars;
            b.arc(u, v, p, cls, req);
        }
        const auto g = b.compile();
        const std::vector<dr::NodeIndex> adversaries{0, static_cast<dr::NodeIndex>(1 + pick(n - 1))};
        const auto brute = dr::testing::brute_force(g, adversaries);
        dr::ExactStats stats;
        auto opt = frontier_only();
        opt.stats = &stats;
        const auto by_frontier = dr::exact_exposure(g, adversaries, opt);
        frontier_runs += stats.frontier_runs;
        expect_matches(by_frontier, brute, adversaries.size(), g.class_count(),
                       "frontier, model " + std::to_string(model));
        opt.places = false;
        const auto without_places = dr::exact_exposure(g, adversaries, opt);
        EXPECT_TRUE(without_places.probability.isApprox(by_frontier.probability, 1e-14) ||
                    (without_places.probability - by_frontier.probability).cwiseAbs().maxCoeff() < 1e-15);
        EXPECT_TRUE(without_places.by_store.probability.empty());
        expect_matches(dr::exact_exposure(g, adversaries, factoring_only()), brute, adversaries.size(), g.class_count(),
                       "factoring, model " + std::to_string(model));
        ++checked;
        if (HasFailure()) return;
    }
    EXPECT_EQ(checked, 300);
    EXPECT_GT(frontier_runs, 300u);
}

TEST(Frontier, GridsAgreeWithFactoringAndThePublishedValue) {
    for (int k : {2, 3, 4, 5, 6}) {
        int s = 0, t = 0;
        const auto g = grid(k, k, 0.9, s, t).compile();
        dr::ExactStats stats;
        auto opt = frontier_only();
        opt.stats = &stats;
        const auto by_frontier = dr::exact_exposure(g, {s}, opt);
        EXPECT_EQ(stats.frontier_runs, 1u) << k;
        const auto by_factoring = dr::exact_exposure(g, {s}, factoring_only());
        EXPECT_NEAR(by_frontier.probability(0, 0), by_factoring.probability(0, 0), 1e-13) << k;
        EXPECT_NEAR(by_frontier.expected_share(0, 0), by_factoring.expected_share(0, 0), 1e-13) << k;
        if (k == 5) {
            EXPECT_NEAR(by_frontier.probability(0, 0), 0.9755566, 5e-8);  // Hardy, Lucet & Limnios
        }
    }
}

TEST(Frontier, LaddersMatchTheTransferMatrix) {
    for (int n : {2, 3, 10, 100, 1000}) {
        for (double p : {0.5, 0.9}) {
            int s = 0, t = 0;
            const auto g = grid(2, n, p, s, t).compile();
            const auto start = std::chrono::steady_clock::now();
            dr::ExactStats stats;
            dr::ExactOptions opt;  // the defaults: thousands of variables, a narrow frontier
            opt.stats = &stats;
            const auto table = dr::exact_exposure(g, {s}, opt);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const double expected = static_cast<double>(ladder_reliability(n, p));
            EXPECT_NEAR(table.probability(0, 0), expected, 1e-12 * expected + 1e-300) << n << " " << p;
            EXPECT_EQ(stats.frontier_runs, 1u);
            if (n == 1000 && p == 0.9) {
                std::printf("[ frontier ] 2x1000 ladder: %.6e (transfer matrix %.6e) in %.3f s, width %llu\n",
                            table.probability(0, 0), expected, seconds,
                            static_cast<unsigned long long>(stats.frontier_max_width));
                EXPECT_LT(seconds, 5.0);
            }
        }
    }
}

TEST(Frontier, ComplexityReportsWidthAndFactoringVariables) {
    int s = 0, t = 0;
    const auto g = grid(2, 1000, 0.9, s, t).compile();
    const auto full = dr::exact_complexity(g, {s});
    EXPECT_EQ(full.max_run_variables[0], 2998);
    EXPECT_EQ(full.max_factoring_variables[0], 0);
    EXPECT_GT(full.max_run_width[0], 2);
    EXPECT_LE(full.max_run_width[0], 6);
    const auto capped = dr::exact_complexity(g, {s}, 40);
    EXPECT_EQ(capped.capped[0], 1);
    EXPECT_EQ(capped.max_run_width[0], full.max_run_width[0]);  // counted in full
    EXPECT_EQ(capped.max_factoring_variables[0], 0);
    const auto no_frontier = dr::exact_complexity(g, {s}, 40, 0);
    EXPECT_GT(no_frontier.max_factoring_variables[0], 40);
    // With a width limit below its width the ladder is refused, naming the width.
    dr::ExactOptions narrow;
    narrow.max_frontier_width = 3;
    try {
        dr::exact_exposure(g, {s}, narrow);
        FAIL() << "expected ModelError";
    } catch (const dr::ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("2998 random variables remain after pruning for adversary #0 (limit 128) "
                                             "and its frontier width"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Frontier, CompositesOfOneFilterGroup) {
    ModelBuilder b;
    const int adv = b.role(), r = b.role(), s1 = b.store(), s2 = b.store();
    const int c1 = b.atomic_class(), c2 = b.atomic_class();
    const int both = b.composite_class({c1, c2});
    b.place(c1, s1, 0.5);
    b.place(c2, s2, 1.0);
    b.place(c2, s1, 0.25);
    const int e = b.event(0.5);
    b.arc(adv, r, 0.8, {}, {e});
    b.arc(r, s1, 0.7);
    b.arc(r, s2, 0.6, {}, {e});
    b.arc(s2, s1, 0.3);
    const auto g = b.compile();
    dr::ExactStats stats;
    auto opt = frontier_only();
    opt.stats = &stats;
    const auto table = dr::exact_exposure(g, {adv}, opt);
    EXPECT_EQ(stats.frontier_runs, 1u);  // the classes share their arcs: one run, composite included
    // X_both = min(X_c1, X_c2) > 0 iff s1 is reached (it holds both): adv -> r (0.8 and e),
    // then r -> s1, or r -> s2 (e is up already) and s2 -> s1.
    EXPECT_NEAR(table.probability(0, both), 0.4 * (1 - 0.3 * (1 - 0.6 * 0.3)), 1e-15);
    expect_matches(table, dr::testing::brute_force(g, {adv}), 1, g.class_count(), "composite");
}

TEST(Frontier, CompositesAcrossFilterGroupsFallBackToFactoring) {
    ModelBuilder b;
    const int adv = b.role(), r = b.role(), s1 = b.store(), s2 = b.store();
    const int c1 = b.atomic_class(), c2 = b.atomic_class();
    b.composite_class({c1, c2});
    b.place(c1, s1, 0.5);
    b.place(c2, s2, 1.0);
    b.arc(adv, r, 0.8);
    b.arc(r, s1, 0.7, {c1});  // a filter: the two classes need different arcs
    b.arc(r, s2, 0.6);
    const auto g = b.compile();
    dr::ExactStats stats;
    auto opt = frontier_only();
    opt.stats = &stats;
    const auto table = dr::exact_exposure(g, {adv}, opt);
    EXPECT_EQ(stats.frontier_runs, 0u);
    expect_matches(table, dr::testing::brute_force(g, {adv}), 1, g.class_count(), "composite across groups");
}

// All-terminal reliability as the model's semantics: every node but the source holds its own
// class, and a composite of them all is exposed iff every node is reached.
ModelBuilder all_terminal_grid(int k, double p) {
    ModelBuilder b;
    std::vector<int> id(k * k);
    std::vector<std::int32_t> atoms;
    for (int i = 0; i < k * k; ++i) id[i] = i == 0 ? b.role() : b.store();
    for (int i = 1; i < k * k; ++i) {
        atoms.push_back(b.atomic_class());
        b.place(atoms.back(), id[i]);
    }
    b.composite_class(atoms);
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c) {
            if (c + 1 < k) b.link(id[r * k + c], id[r * k + c + 1], p);
            if (r + 1 < k) b.link(id[r * k + c], id[(r + 1) * k + c], p);
        }
    return b;
}

TEST(Frontier, AllTerminalGrids) {
    // 3 x 3 (12 links) against enumeration; 4 x 4 against factoring.
    const auto small = all_terminal_grid(3, 0.7).compile();
    dr::ExactStats stats;
    auto opt = frontier_only();
    opt.stats = &stats;
    const auto table = dr::exact_exposure(small, {0}, opt);
    EXPECT_EQ(stats.frontier_runs, 1u);
    expect_matches(table, dr::testing::brute_force(small, {0}), 1, small.class_count(), "all-terminal 3x3");
    const auto g = all_terminal_grid(4, 0.9).compile();
    const int all = static_cast<int>(g.class_count()) - 1;
    opt.places = false;
    const auto by_frontier = dr::exact_exposure(g, {0}, opt);
    auto factoring = factoring_only();
    factoring.places = false;
    const auto by_factoring = dr::exact_exposure(g, {0}, factoring);
    EXPECT_NEAR(by_frontier.probability(0, all), by_factoring.probability(0, all), 1e-13);
    EXPECT_NEAR(by_frontier.expected_share(0, all), by_factoring.expected_share(0, all), 1e-13);
    EXPECT_GT(by_frontier.probability(0, all), 0.5);
    // 5 x 5 by default (the frontier method) in well under a second.
    const auto five = all_terminal_grid(5, 0.9).compile();
    const auto start = std::chrono::steady_clock::now();
    dr::ExactStats five_stats;
    dr::ExactOptions defaults;
    defaults.stats = &five_stats;
    const auto t5 = dr::exact_exposure(five, {0}, defaults);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(five_stats.frontier_runs, 1u);
    std::printf("[ frontier ] 5x5 all-terminal: %.12f in %.3f s, width %llu, peak %llu states\n",
                t5.probability(0, static_cast<int>(five.class_count()) - 1), seconds,
                static_cast<unsigned long long>(five_stats.frontier_max_width),
                static_cast<unsigned long long>(five_stats.frontier_peak_states));
    EXPECT_LT(seconds, 10.0);
}

TEST(Frontier, AdversaryHoldingTheClassAndUnreachableStores) {
    ModelBuilder b;
    const int adv = b.store("A"), r = b.role(), s = b.store("A/x"), far = b.store("B");
    const int c = b.atomic_class();
    b.place(c, adv, 0.3);
    b.place(c, s, 0.9);
    b.place(c, far, 1.0);  // nothing leads there
    b.arc(adv, r, 0.5);
    b.arc(r, s, 0.5);
    b.arc(s, r, 0.5);
    const auto g = b.compile();
    const auto table = dr::exact_exposure(g, {adv}, frontier_only());
    EXPECT_DOUBLE_EQ(table.probability(0, 0), 1.0);
    EXPECT_NEAR(table.expected_share(0, 0), 0.3 + 0.6 * 0.25, 1e-15);
    expect_matches(table, dr::testing::brute_force(g, {adv}), 1, 1, "adversary store");
}

TEST(Frontier, OutgrowingMemoryFallsBackToFactoringOrIsAModelError) {
    // 7 x 8: 97 variables, within factoring's limit: factored after the frontier ran out.
    int s = 0, t = 0;
    const auto g = grid(7, 8, 0.9, s, t).compile();
    auto opt = frontier_only();
    opt.frontier_bytes = 1;  // the smallest allowance: 1,024 states
    dr::ExactStats stats;
    opt.stats = &stats;
    const auto small = dr::exact_exposure(g, {s}, opt);
    EXPECT_EQ(stats.frontier_fallbacks, 1u);
    EXPECT_NEAR(small.probability(0, 0), dr::exact_exposure(g, {s}).probability(0, 0), 1e-13);
    // 12 x 12: 264 variables, beyond factoring's limit: a ModelError naming the states.
    const auto big = grid(12, 12, 0.9, s, t).compile();
    try {
        dr::exact_exposure(big, {s}, opt);
        FAIL() << "expected ModelError";
    } catch (const dr::ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("264 random variables remain after pruning for adversary #0 (limit 128) "
                                             "and the frontier search (width 14) "
                                             "needs more than 1024 states at one step"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Frontier, GridScaling) {
    // Not a check of values beyond agreement with the smaller grids' factoring: prints how the
    // frontier method scales on square grids of shared-event links, corner to corner.
    for (int k : {5, 6, 7, 8, 9, 10}) {
        int s = 0, t = 0;
        const auto g = grid(k, k, 0.9, s, t).compile();
        dr::ExactStats stats;
        dr::ExactOptions opt;
        opt.stats = &stats;
        const auto start = std::chrono::steady_clock::now();
        const auto table = dr::exact_exposure(g, {s}, opt);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(stats.frontier_runs, 1u);
        std::printf("[ frontier ] %dx%d grid: %.12f in %.3f s, width %llu, peak %llu states, %llu expansions\n", k, k,
                    table.probability(0, 0), seconds, static_cast<unsigned long long>(stats.frontier_max_width),
                    static_cast<unsigned long long>(stats.frontier_peak_states),
                    static_cast<unsigned long long>(stats.frontier_expansions));
        std::fflush(stdout);
    }
}
