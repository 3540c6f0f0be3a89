// The frontier method on passes of links alone (docs/design.md §8, decision 63): states as
// component labels. Random models of undirected links in the all-terminal shape against the
// brute-force enumeration, and a grid's every table against factoring, with the count of
// passes searched as partitions showing which method answered.
#include <gtest/gtest.h>

#include <cstdint>
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

}  // namespace

// Random graphs of links: a spanning tree from the adversary and extra links, every node but
// the adversary a store of its own class (some at share 0.5, some holding a second class),
// and for most a composite of every atom (exposed iff every node is reached). The composite
// and the stores' rows come from searches in labels (the composite along the marginal sweep
// when it asks for every node); with the smallest memory allowance the marginal sweep gives
// up and each store is searched alone.
TEST(FrontierLinks, RandomLinkModelsMatchBruteForce) {
    std::mt19937_64 rng(63);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    int with_composite = 0;
    for (int model = 0; model < 150; ++model) {
        ModelBuilder b;
        const int n = 3 + pick(7);
        const auto atoms = dr::testing::random_all_terminal(b, pick, n, false);
        if (n >= 4 && pick(4) == 0) b.place(atoms[0], 2 + pick(n - 2));  // store 1's class in a second store
        const bool composite = pick(4) != 0;
        if (composite) {
            b.composite_class(atoms);
            ++with_composite;
        }
        const auto g = b.compile();
        const auto brute = dr::testing::brute_force(g, {0});
        for (std::size_t bytes : {std::size_t{256} << 20, std::size_t{1}}) {
            dr::ExactStats stats;
            const auto opt = frontier_only(bytes, &stats);
            const std::string what = "links, model " + std::to_string(model) + ", bytes " + std::to_string(bytes);
            expect_matches(dr::exact_exposure(g, {0}, opt), brute, 1, g.class_count(), what);
            EXPECT_EQ(stats.frontier_runs, 1u) << what;
            // The marginal sweep (when it has room) and the composite are searched in labels.
            if (bytes > 1 || composite) {
                EXPECT_GT(stats.frontier_link_passes, 0u) << what;
            }
        }
        if (HasFailure()) return;
    }
    EXPECT_GT(with_composite, 80);
}

// A one-way arc makes a part directed: its passes keep the general state, with the same
// numbers.
TEST(FrontierLinks, AOneWayArcKeepsTheGeneralState) {
    ModelBuilder b;
    b.role();
    std::vector<int> atoms;
    for (int v = 1; v < 6; ++v) {
        b.store();
        atoms.push_back(b.atomic_class());
        b.place(atoms.back(), v);
    }
    b.composite_class(atoms);
    for (auto [u, v] : {std::pair{0, 1}, {1, 2}, {2, 3}, {0, 3}, {3, 4}}) b.link(u, v, 0.8);
    b.arc(4, 5, 0.7);
    const auto g = b.compile();
    dr::ExactStats stats;
    auto opt = frontier_only();
    opt.stats = &stats;
    expect_matches(dr::exact_exposure(g, {0}, opt), dr::testing::brute_force(g, {0}), 1, g.class_count(), "one-way");
    EXPECT_EQ(stats.frontier_link_passes, 0u);
    EXPECT_GT(stats.frontier_passes, 0u);
}

// The 4 x 4 all-terminal grid: every class, store and region row by labels against
// factoring (a different method on the same model); the composite comes from the marginal
// sweep itself.
TEST(FrontierLinks, AllTerminalGridTablesAgreeWithFactoring) {
    const int k = 4;
    ModelBuilder b;
    b.role();
    std::vector<int> atoms;
    for (int i = 1; i < k * k; ++i) {
        b.store(i % 2 ? "A" : "B");
        atoms.push_back(b.atomic_class());
        b.place(atoms.back(), i);
    }
    b.composite_class(atoms);
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c) {
            if (c + 1 < k) b.link(r * k + c, r * k + c + 1, 0.85);
            if (r + 1 < k) b.link(r * k + c, (r + 1) * k + c, 0.85);
        }
    const auto g = b.compile();
    dr::ExactStats stats;
    auto opt = frontier_only();
    opt.stats = &stats;
    const auto labels = dr::exact_exposure(g, {0}, opt);
    const auto factored = dr::exact_exposure(g, {0}, factoring_only());
    // One pass: the marginal sweep, which counts the composite (every node reached) along.
    EXPECT_EQ(stats.frontier_passes, 1u);
    EXPECT_EQ(stats.frontier_link_passes, 1u);
    for (std::size_t c = 0; c < g.class_count(); ++c) {
        EXPECT_NEAR(labels.probability(0, c), factored.probability(0, c), 1e-13) << c;
        EXPECT_NEAR(labels.expected_share(0, c), factored.expected_share(0, c), 1e-13) << c;
    }
    ASSERT_EQ(labels.by_store.probability.size(), factored.by_store.probability.size());
    for (std::size_t i = 0; i < labels.by_store.probability.size(); ++i)
        EXPECT_NEAR(labels.by_store.probability[i], factored.by_store.probability[i], 1e-13) << i;
    ASSERT_EQ(labels.by_region.probability.size(), factored.by_region.probability.size());
    for (std::size_t i = 0; i < labels.by_region.probability.size(); ++i)
        EXPECT_NEAR(labels.by_region.probability[i], factored.by_region.probability[i], 1e-13) << i;
}
