// Deterministic reach and most likely paths on small models with known answers, including
// probabilities whose product underflows.
#include <gtest/gtest.h>

#include <cmath>

#include "datareach/errors.hpp"
#include "datareach/paths.hpp"
#include "datareach/reach.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;

namespace {

struct Chain {
    ModelBuilder b;
    std::int32_t adversary, admin, store, d, e, composite;
    Chain() {
        adversary = b.role();
        admin = b.role();
        store = b.store();
        d = b.atomic_class();
        e = b.atomic_class();
        composite = b.composite_class({d, e});
        b.place(d, store);
        b.place(e, store, 0.5);
    }
};

}  // namespace

TEST(Reach, PossibleAndCertainFollowProbabilitiesAndFilters) {
    Chain c;
    c.b.arc(c.adversary, c.admin, 1.0);
    c.b.arc(c.admin, c.store, 0.5, {c.d});  // only d, and not certainly
    const auto g = CompiledGraph::compile(c.b.data);
    const auto t = reach(g, {c.adversary});
    ASSERT_EQ(t.rows(), 3u);
    EXPECT_TRUE(t.possible[c.d]);
    EXPECT_FALSE(t.certain[c.d]);
    EXPECT_FALSE(t.possible[c.e]);
    EXPECT_FALSE(t.possible[c.composite]);  // the mosaic needs every part
    EXPECT_EQ(t.possible_stores.size(c.d), 1u);
}

TEST(Reach, CertainNeedsEveryRequiredEventCertain) {
    Chain c;
    const auto sure = c.b.event(1.0);
    const auto maybe = c.b.event(0.3);
    const auto never = c.b.event(0.0);
    c.b.arc(c.adversary, c.admin, 1.0, {}, {sure});
    c.b.arc(c.admin, c.store, 1.0, {}, {maybe});
    auto g = CompiledGraph::compile(c.b.data);
    auto t = reach(g, {c.adversary});
    EXPECT_TRUE(t.possible[c.composite]);
    EXPECT_FALSE(t.certain[c.composite]);

    c.b.data.arc_requires = {};
    c.b.data.arc_requires.push_row({sure});
    c.b.data.arc_requires.push_row({never});
    g = CompiledGraph::compile(c.b.data);
    t = reach(g, {c.adversary});
    EXPECT_FALSE(t.possible[c.d]);
}

TEST(Paths, ChoosesTheMostLikelyRouteAndCountsSharedEventsOnce) {
    Chain c;
    const auto shared = c.b.event(0.5);
    // Route 1: two arcs requiring the same event: true probability 0.5, Dijkstra weight 0.25.
    c.b.arc(c.adversary, c.admin, 1.0, {}, {shared});
    c.b.arc(c.admin, c.store, 1.0, {}, {shared});
    // Route 2: one arc with p = 0.3.
    c.b.arc(c.adversary, c.store, 0.3);
    const auto g = CompiledGraph::compile(c.b.data);
    const auto path = most_likely_path(g, c.adversary, c.d);
    ASSERT_TRUE(path.has_value());
    // Dijkstra on -log p would prefer route 2 (0.3 > 0.25); the exact search takes route 1.
    EXPECT_EQ(path->nodes, (std::vector<NodeIndex>{c.adversary, c.admin, c.store}));
    EXPECT_DOUBLE_EQ(path->probability, 0.5);
    // The exact probability of route 1 counts the event once.
    std::vector<ArcIndex> route1{0, g.out_begin(c.admin)};
    EXPECT_DOUBLE_EQ(path_probability(g, route1), 0.5);
    EXPECT_THROW(most_likely_path(g, c.adversary, c.composite), ModelError);
}

TEST(Paths, NoPathWhenTheClassIsFilteredOut) {
    Chain c;
    c.b.arc(c.adversary, c.store, 0.9, {c.e});
    const auto g = CompiledGraph::compile(c.b.data);
    EXPECT_FALSE(most_likely_path(g, c.adversary, c.d).has_value());
    const auto path = most_likely_path(g, c.adversary, c.e);
    ASSERT_TRUE(path.has_value());
    EXPECT_DOUBLE_EQ(path->probability, 0.9);
    ASSERT_EQ(path->arcs.size(), 1u);
    EXPECT_EQ(g.arc_origin(path->arcs[0]), 0);
}

TEST(Reach, TinyProbabilitiesWhoseProductUnderflowsArePossible) {
    Chain c;
    const auto rare = c.b.event(1e-170);
    c.b.arc(c.adversary, c.admin, 1e-170, {}, {rare});  // p * event = 1e-340: 0.0 in a double
    c.b.arc(c.admin, c.store, 0.5);
    const auto g = CompiledGraph::compile(c.b.data);
    const auto t = reach(g, {c.adversary});
    EXPECT_TRUE(t.possible[c.d]);
    EXPECT_FALSE(t.certain[c.d]);
    const auto path = most_likely_path(g, c.adversary, c.d);
    ASSERT_TRUE(path.has_value());
    EXPECT_EQ(path->nodes, (std::vector<NodeIndex>{c.adversary, c.admin, c.store}));
    EXPECT_EQ(path->probability, 0.0);  // the exact value is below the smallest double
}

TEST(Paths, StopsAtTheNearestStoreAndBreaksTiesByArcsThenAccessOrder) {
    ModelBuilder b;
    const auto adversary = b.role();
    const auto far = b.store();
    const auto near_high = b.store();
    const auto near_low = b.store();
    const auto beyond = b.store();
    const auto d = b.atomic_class();
    for (auto s : {far, near_high, near_low, beyond}) b.place(d, s);
    b.arc(adversary, far, 0.2);
    b.arc(adversary, near_low, 0.8);
    b.arc(adversary, near_high, 0.8);
    b.arc(near_low, beyond, 1.0);  // as near as near_low, but a higher index
    const auto g = CompiledGraph::compile(b.data);
    const auto path = most_likely_path(g, adversary, d);
    ASSERT_TRUE(path.has_value());
    // near_high, near_low and beyond tie at 0.8: one arc beats two, and the arc to near_low
    // comes first in the access table.
    EXPECT_EQ(path->nodes, (std::vector<NodeIndex>{adversary, near_low}));
    EXPECT_DOUBLE_EQ(path->probability, 0.8);
    // Not reachable at all: no path, even with the early stop.
    ModelBuilder lonely;
    const auto a = lonely.role();
    const auto s = lonely.store();
    const auto k = lonely.atomic_class();
    lonely.place(k, s);
    lonely.arc(s, a, 1.0);
    const auto g2 = CompiledGraph::compile(lonely.data);
    EXPECT_FALSE(most_likely_path(g2, a, k).has_value());
}
