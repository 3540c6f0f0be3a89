// The graph primitives every engine shares: in-arcs mirror out-arcs, the one search walks
// either way and obeys its rule (skip, take, stop), and filter groups put together exactly
// the classes the same arcs admit. A mistake here would show up in every engine at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/search.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;

namespace {

struct Diamond {
    ModelBuilder b;
    std::int32_t adversary = b.role(), left = b.role(), right = b.role(), store = b.store();
    std::int32_t d = b.atomic_class(), e = b.atomic_class(), f = b.atomic_class(), nowhere = b.atomic_class();
    Diamond() {
        b.arc(adversary, left, 0.5);
        b.arc(adversary, right, 0.5, {d, e});
        b.arc(left, store, 0.0);
        b.arc(right, store, 1.0, {d, e, f});
        b.place(d, store);
        b.place(e, store);
        b.place(f, store);
    }
};

}  // namespace

TEST(CompiledGraph, InArcsListEveryArcOnceByTargetAscending) {
    Diamond m;
    const auto g = CompiledGraph::compile(m.b.data);
    std::vector<ArcIndex> seen;
    for (NodeIndex v = 0; v < static_cast<NodeIndex>(g.node_count()); ++v) {
        ArcIndex previous = -1;
        for (ArcIndex i = g.in_begin(v); i < g.in_end(v); ++i) {
            const ArcIndex a = g.in_arc(i);
            EXPECT_EQ(g.arc_target(a), v);
            EXPECT_GT(a, previous);
            previous = a;
            seen.push_back(a);
        }
    }
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), g.arc_count());
    for (std::size_t a = 0; a < seen.size(); ++a) EXPECT_EQ(seen[a], static_cast<ArcIndex>(a));
}

TEST(CompiledGraph, FilterGroupsJoinClassesAdmittedByTheSameArcs) {
    Diamond m;
    const auto g = CompiledGraph::compile(m.b.data);
    // d and e are named by the same filtered arcs, f by one of them only; `nowhere` is held
    // nowhere and belongs to no group.
    ASSERT_EQ(g.filter_group_count(), 2u);
    EXPECT_EQ(g.filter_group_of(m.d), g.filter_group_of(m.e));
    EXPECT_NE(g.filter_group_of(m.d), g.filter_group_of(m.f));
    EXPECT_EQ(g.filter_group_of(m.nowhere), -1);
    EXPECT_EQ(g.group_representative(static_cast<std::size_t>(g.filter_group_of(m.e))), m.d);
    EXPECT_EQ(g.filter_groups().size(static_cast<std::size_t>(g.filter_group_of(m.d))), 2u);
}

TEST(NodeSearch, FollowsTheRuleForwardAndInReverse) {
    Diamond m;
    const auto g = CompiledGraph::compile(m.b.data);
    NodeSearch search(g.node_count());
    auto possible_for = [&](ClassIndex c) {
        return [&g, c](NodeIndex, ArcIndex a, NodeIndex) {
            return g.arc_possible(a) && g.admits(a, c) ? Step::take : Step::skip;
        };
    };
    search.seed(m.adversary);
    EXPECT_TRUE(search.run(g, Direction::forward, ArcsAsked::to_unreached, possible_for(m.f)));
    EXPECT_TRUE(search.reached(m.left));
    EXPECT_FALSE(search.reached(m.right));  // the arc to `right` does not admit f
    EXPECT_FALSE(search.reached(m.store));  // p = 0 from `left`

    search.restart();
    search.seed(m.adversary);
    search.run(g, Direction::forward, ArcsAsked::to_unreached, possible_for(m.d));
    EXPECT_TRUE(search.reached(m.store));
    EXPECT_EQ(search.reached_nodes().front(), m.adversary);

    search.restart();
    search.seed(m.store);
    search.run(g, Direction::reverse, ArcsAsked::to_unreached, possible_for(m.d));
    EXPECT_TRUE(search.reached(m.right));
    EXPECT_TRUE(search.reached(m.adversary));
    EXPECT_FALSE(search.reached(m.left));
}

TEST(NodeSearch, AsksAboutEveryArcWhenToldAndStopsOnRequest) {
    Diamond m;
    const auto g = CompiledGraph::compile(m.b.data);
    NodeSearch search(g.node_count());
    // Reverse from the store with every arc asked: both in-arcs of the store, then those of
    // `left` and `right`; the arc out of the adversary into `right` is asked even though
    // the adversary is reached by then.
    std::vector<ArcIndex> asked;
    search.seed(m.store);
    EXPECT_TRUE(search.run(g, Direction::reverse, ArcsAsked::all, [&](NodeIndex, ArcIndex a, NodeIndex) {
        asked.push_back(a);
        return Step::take;
    }));
    EXPECT_EQ(asked.size(), g.arc_count());

    search.restart();
    search.seed(m.adversary);
    int budget = 1;
    EXPECT_FALSE(search.run(g, Direction::forward, ArcsAsked::all,
                            [&](NodeIndex, ArcIndex, NodeIndex) { return budget-- > 0 ? Step::take : Step::stop; }));
}
