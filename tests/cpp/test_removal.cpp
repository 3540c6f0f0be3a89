// Exposure with sets of arcs removed: exact against enumeration of the model without them,
// Monte Carlo against exact on the same worlds as the exposure engine.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "brute_force.hpp"
#include "datareach/errors.hpp"
#include "datareach/monte_carlo.hpp"
#include "datareach/removal.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::brute_force;
using datareach::testing::ModelBuilder;

TEST(Removal, RandomModelsAgainstEnumeration) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 40; ++trial) {
        SCOPED_TRACE("trial " + std::to_string(trial));
        ModelBuilder b;
        const int n = 3 + static_cast<int>(rng() % 4);
        std::vector<std::int32_t> nodes;
        for (int v = 0; v < n; ++v) nodes.push_back(v == n - 1 || rng() % 4 == 0 ? b.store() : b.role());
        const auto d = b.atomic_class();
        b.place(d, nodes.back());
        const auto e = b.event(0.5);
        const int arcs = 3 + static_cast<int>(rng() % 6);
        for (int k = 0; k < arcs; ++k) {
            std::vector<std::int32_t> events;
            if (rng() % 3 == 0) events.push_back(e);
            b.arc(nodes[rng() % n], nodes[rng() % n], std::vector<double>{0.3, 0.7, 1.0}[rng() % 3], {}, events);
        }
        const auto g = b.compile();
        // Every single arc, and every pair of consecutive arcs, by compiled index.
        std::vector<std::vector<ArcIndex>> removals{{}};
        for (ArcIndex a = 0; a < static_cast<ArcIndex>(g.arc_count()); ++a) {
            removals.push_back({a});
            if (a + 1 < static_cast<ArcIndex>(g.arc_count())) removals.push_back({a, a + 1});
        }
        const auto exact = exact_removal_exposures(g, nodes[0], d, removals);
        EXPECT_NEAR(exact.base, brute_force(g, {nodes[0]}).probability[0][d], 1e-12);
        MonteCarloOptions options;
        options.samples = 20000;
        options.seed = 5;
        options.confidence = 1 - 1e-7;
        const auto mc = monte_carlo_removal_exposures(g, nodes[0], d, removals, options);
        const auto exposure = monte_carlo_exposure(g, {nodes[0]}, options);
        EXPECT_EQ(mc.base, exposure.probability(0, d));  // the same worlds
        for (std::size_t k = 0; k < removals.size(); ++k) {
            ModelData without = b.data;
            for (ArcIndex a : removals[k]) without.arc_p[g.arc_origin(a)] = 0.0;
            const double expected = brute_force(CompiledGraph::compile(without), {nodes[0]}).probability[0][d];
            EXPECT_NEAR(exact.exposure[k], expected, 1e-12) << "set " << k;
            EXPECT_LE(mc.low[k], expected + 1e-12) << "set " << k;
            EXPECT_GE(mc.high[k], expected - 1e-12) << "set " << k;
        }
    }
}

TEST(Removal, RelevantArcsEndAtTheFirstHoldingStore) {
    ModelBuilder b;
    const auto a = b.role(), s1 = b.store(), s2 = b.store(), off = b.role();
    const auto d = b.atomic_class();
    b.place(d, s1);
    b.place(d, s2);
    b.arc(a, s1, 0.5);
    b.arc(s1, s2, 0.5);  // leaves a holding store: never needed
    b.arc(a, off, 0.5);  // leads nowhere
    const auto g = b.compile();
    const auto arcs = relevant_arcs(g, a, d);
    ASSERT_EQ(arcs.size(), 1u);
    EXPECT_EQ(g.arc_origin(arcs[0]), 0);
    EXPECT_THROW(relevant_arcs(g, a, 5), ModelError);
}
