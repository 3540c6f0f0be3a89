// Compilation checks: validation messages, rule expansion, windows, presence over flows and
// both CSR orders, on small hand-made models whose answers are known.
#include <gtest/gtest.h>

#include <optional>

#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;

TEST(ModelValidation, NamesTableRowAndField) {
    ModelBuilder b;
    const auto r = b.role();
    const auto s = b.store();
    b.arc(r, s, 1.5);
    try {
        b.data.validate();
        FAIL() << "p = 1.5 accepted";
    } catch (const ModelError& e) {
        EXPECT_STREQ(e.what(), "access[0].p: must lie in [0, 1], got 1.5");
    }
}

TEST(ModelValidation, RejectsNaNShareAndPlacementOutsideStore) {
    ModelBuilder b;
    const auto r = b.role();
    const auto d = b.atomic_class();
    b.place(d, r);
    EXPECT_THROW(b.data.validate(), ModelError);

    ModelBuilder c;
    const auto s = c.store();
    const auto d2 = c.atomic_class();
    c.place(d2, s, std::nan(""));
    EXPECT_THROW(c.data.validate(), ModelError);
}

TEST(ModelValidation, RejectsCompositeCycle) {
    ModelBuilder b;
    const auto a = b.atomic_class();
    b.composite_class({a, 2});
    b.composite_class({1});
    EXPECT_THROW(CompiledGraph::compile(b.data), ModelError);
}

// Found by fuzz_core: a cycle of region parents made compiling a model with a jurisdiction
// rule loop for ever (the rule's walk up a node's regions never ended).
TEST(ModelValidation, RejectsRegionParentCycle) {
    ModelBuilder b;
    b.jurisdiction("US", 0.5);
    const auto s = b.store("US/VA");
    b.place(b.atomic_class(), s);
    b.data.region_parent[0] = b.region("US/VA");  // US's parent is US/VA, whose parent is US
    try {
        CompiledGraph::compile(b.data);
        FAIL() << "a cycle of region parents accepted";
    } catch (const ModelError& e) {
        EXPECT_STREQ(e.what(), "regions[0].parent: region parents form a cycle through regions[0]");
    }
    b.data.region_parent[0] = 0;  // its own parent
    EXPECT_THROW(CompiledGraph::compile(b.data), ModelError);
}

// Found by fuzz_core under AddressSanitizer: an offset past the values followed by a smaller
// one (so that the last offset still matched the values) made validation read past them.
TEST(ModelValidation, RejectsOffsetsThatGoBackWithoutReadingPastTheValues) {
    ModelBuilder b;
    const auto r = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(r, s, 0.5, {d});
    b.arc(r, s, 0.5);
    b.data.arc_classes.offsets = {0, 3, 1};  // row 0 would run over the one value
    try {
        b.data.validate();
        FAIL() << "decreasing offsets accepted";
    } catch (const ModelError& e) {
        EXPECT_STREQ(e.what(), "access[1].classes: malformed index table");
    }
}

TEST(CompiledGraph, ValidatedOverloadCompilesTheSameGraphWithoutCheckingAgain) {
    ModelBuilder b;
    const auto r = b.role();
    const auto s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s, 1.0, {100, 200});
    b.arc(r, s, 0.5, {}, {}, {kOpenStart, 150});
    b.arc(s, r, 0.25);
    b.data.validate();
    for (const std::optional<Day> at : {std::optional<Day>{}, std::optional<Day>{120}, std::optional<Day>{160}}) {
        const auto checked = CompiledGraph::compile(b.data, at);
        const auto trusted = CompiledGraph::compile(CompiledGraph::Validated{b.data}, at);
        ASSERT_EQ(checked.arc_count(), trusted.arc_count());
        for (ArcIndex a = 0; a < static_cast<ArcIndex>(checked.arc_count()); ++a)
            EXPECT_EQ(checked.arc_origin(a), trusted.arc_origin(a));
        EXPECT_DOUBLE_EQ(checked.presence_share(d, s), trusted.presence_share(d, s));
    }
    b.arc(r, s, 1.5);  // the checking overload still refuses a bad model
    EXPECT_THROW(CompiledGraph::compile(b.data), ModelError);
}

TEST(CompiledGraph, WindowsDropAbsentArcsAndPlacements) {
    ModelBuilder b;
    const auto r = b.role();
    const auto s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s, 1.0, {100, 200});
    b.arc(r, s, 1.0, {}, {}, {kOpenStart, 150});
    EXPECT_EQ(CompiledGraph::compile(b.data).arc_count(), 1u);
    EXPECT_EQ(CompiledGraph::compile(b.data, 149).arc_count(), 1u);
    EXPECT_EQ(CompiledGraph::compile(b.data, 150).arc_count(), 0u);  // windows are [start, end)
    EXPECT_DOUBLE_EQ(CompiledGraph::compile(b.data, 100).presence_share(d, s), 1.0);
    EXPECT_DOUBLE_EQ(CompiledGraph::compile(b.data, 99).presence_share(d, s), 0.0);
    EXPECT_DOUBLE_EQ(CompiledGraph::compile(b.data).presence_share(d, s), 1.0);
}

TEST(CompiledGraph, JurisdictionRuleReachesNodesInsideItsTerritoryOnly) {
    ModelBuilder b;
    const auto cn = b.jurisdiction("CN", 0.9);
    const auto beijing = b.role("CN/Beijing");
    const auto china = b.role("CN");
    const auto chinatown = b.role("CNX");  // prefix match is on '/' boundaries
    const auto us = b.store("US/VA");
    b.atomic_class();
    const auto g = CompiledGraph::compile(b.data);
    std::vector<NodeIndex> targets;
    for (ArcIndex a = g.out_begin(cn); a < g.out_end(cn); ++a) {
        targets.push_back(g.arc_target(a));
        EXPECT_DOUBLE_EQ(g.arc_p(a), 0.9);
        EXPECT_TRUE(is_jurisdiction_origin(g.arc_origin(a)));
        EXPECT_EQ(jurisdiction_of_origin(g.arc_origin(a)), cn);
    }
    EXPECT_EQ(targets, (std::vector<NodeIndex>{beijing, china}));
    (void)chinatown;
    (void)us;
}

TEST(CompiledGraph, PresenceTakesTheWidestFlowRouteThroughCycles) {
    ModelBuilder b;
    const auto s0 = b.store();
    const auto s1 = b.store();
    const auto s2 = b.store();
    const auto d = b.atomic_class();
    const auto other = b.atomic_class();
    b.place(d, s0, 0.8);
    b.flow(s0, s1, 0.5);
    b.flow(s1, s2, 0.5);
    b.flow(s0, s2, 0.2);
    b.flow(s2, s0, 1.0);           // a cycle back never raises a share above its source
    b.flow(s0, s1, 1.0, {other});  // carries only the other class
    const auto g = CompiledGraph::compile(b.data);
    EXPECT_DOUBLE_EQ(g.presence_share(d, s0), 0.8);
    EXPECT_DOUBLE_EQ(g.presence_share(d, s1), 0.4);
    EXPECT_DOUBLE_EQ(g.presence_share(d, s2), 0.2);
    EXPECT_DOUBLE_EQ(g.presence_share(other, s1), 0.0);
}

TEST(CompiledGraph, CompositeFiltersExpandToAtoms) {
    ModelBuilder b;
    const auto r = b.role();
    const auto s = b.store();
    const auto x = b.atomic_class();
    const auto y = b.atomic_class();
    const auto z = b.atomic_class();
    const auto xy = b.composite_class({x, y});
    const auto nested = b.composite_class({xy, z});
    b.arc(r, s, 1.0, {xy});
    const auto g = CompiledGraph::compile(b.data);
    EXPECT_TRUE(g.admits(0, x));
    EXPECT_TRUE(g.admits(0, y));
    EXPECT_FALSE(g.admits(0, z));
    EXPECT_TRUE(g.is_composite(nested));
    EXPECT_EQ(std::vector<std::int32_t>(g.class_atoms().begin(nested), g.class_atoms().end(nested)),
              (std::vector<std::int32_t>{x, y, z}));
}

TEST(CompiledGraph, RuleExemptNodesAreNotReachedByJurisdictionRules) {
    ModelBuilder b;
    const auto cn = b.jurisdiction("CN", 0.9);
    const auto kept = b.role("CN/Beijing");
    const auto exempt = b.role("CN/Beijing");
    b.atomic_class();
    b.data.node_rule_exempt.assign(b.data.node_count(), 0);
    b.data.node_rule_exempt[exempt] = 1;
    const auto g = CompiledGraph::compile(b.data);
    ASSERT_EQ(g.out_end(cn) - g.out_begin(cn), 1);
    EXPECT_EQ(g.arc_target(g.out_begin(cn)), kept);
}
