// The cheapest cut (max-flow) and chokepoints (dominators) on small hand-made graphs.
#include <gtest/gtest.h>

#include <cmath>

#include "datareach/chokepoints.hpp"
#include "datareach/cut.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;

// a -> h (cost 5), h -> s1 (1), h -> s2 (1): cutting both h arcs (2) beats a -> h (5); h is
// the one chokepoint.
TEST(Cut, CheapestPairsAndChokepoint) {
    ModelBuilder b;
    const auto a = b.role(), h = b.role(), s1 = b.store(), s2 = b.store();
    const auto d = b.atomic_class();
    b.place(d, s1);
    b.place(d, s2);
    b.arc(a, h, 0.5);
    b.arc(h, s1, 0.5);
    b.arc(h, s2, 0.5);
    b.data.arc_cost[0] = 5.0;
    const auto g = b.compile();
    const auto cut = cheapest_cut(g, a, d, b.data.arc_cost.to_vector());
    EXPECT_DOUBLE_EQ(cut.cost, 2.0);
    EXPECT_EQ(cut.pairs.size(), 2u);
    const auto choke = chokepoints(g, a, d);
    EXPECT_EQ(choke.nodes, (std::vector<NodeIndex>{h}));
}

TEST(Cut, ParallelArcsAddAndRuleArcsAreUncuttable) {
    ModelBuilder b;
    const auto a = b.role(), s = b.store("US");
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(a, s, 0.5);
    b.arc(a, s, 0.5);
    b.data.arc_cost[1] = 2.5;
    auto g = b.compile();
    EXPECT_DOUBLE_EQ(cheapest_cut(g, a, d, b.data.arc_cost.to_vector()).cost, 3.5);
    const auto j = b.jurisdiction("US", 0.5);
    g = b.compile();
    EXPECT_TRUE(std::isinf(cheapest_cut(g, j, d, b.data.arc_cost.to_vector()).cost));
    const auto unreachable = cheapest_cut(g, s, d, b.data.arc_cost.to_vector());  // s holds it: reaches itself
    EXPECT_TRUE(std::isinf(unreachable.cost));
    EXPECT_TRUE(chokepoints(g, s, d).nodes.empty());
}
