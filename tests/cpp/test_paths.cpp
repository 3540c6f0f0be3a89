// The k most likely paths: exact for the product of distinct variables, shared events once.
#include <gtest/gtest.h>

#include "datareach/errors.hpp"
#include "datareach/paths.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;

// Two routes to one store: a -> x -> s needs event e on both arcs (0.5 once: 0.5), while
// a -> y -> s has two independent coins of 0.6 (0.36). Per-arc weights would rank the event
// route at 0.25 and pick the wrong one.
TEST(KPaths, SharedEventsCountOnceAndTheRankingIsExact) {
    ModelBuilder b;
    const auto a = b.role(), x = b.role(), y = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    const auto e = b.event(0.5);
    b.arc(a, x, 1.0, {}, {e});
    b.arc(x, s, 1.0, {}, {e});
    b.arc(a, y, 0.6);
    b.arc(y, s, 0.6);
    const auto g = b.compile();
    const auto paths = most_likely_paths(g, a, d, 5);
    ASSERT_EQ(paths.size(), 2u);
    EXPECT_EQ(paths[0].nodes, (std::vector<NodeIndex>{a, x, s}));
    EXPECT_DOUBLE_EQ(paths[0].probability, 0.5);
    EXPECT_DOUBLE_EQ(paths[1].probability, 0.36);
    const auto best = most_likely_path(g, a, d);
    ASSERT_TRUE(best.has_value());
    EXPECT_EQ(best->nodes, paths[0].nodes);
}

TEST(KPaths, StopsAtTheFirstHoldingStoreAndRespectsTheBudget) {
    ModelBuilder b;
    const auto a = b.role(), s1 = b.store(), s2 = b.store();
    const auto d = b.atomic_class();
    b.place(d, s1);
    b.place(d, s2);
    b.arc(a, s1, 0.9);
    b.arc(s1, s2, 1.0);
    b.arc(a, s2, 0.1);
    const auto g = b.compile();
    const auto paths = most_likely_paths(g, a, d, 5);
    ASSERT_EQ(paths.size(), 2u);  // a -> s1 -> s2 does not continue through s1
    EXPECT_EQ(paths[0].nodes, (std::vector<NodeIndex>{a, s1}));
    EXPECT_EQ(paths[1].nodes, (std::vector<NodeIndex>{a, s2}));
    EXPECT_THROW(most_likely_paths(g, a, d, 5, 2), ModelError);
    EXPECT_THROW(most_likely_paths(g, a, d, 0), ModelError);
}
