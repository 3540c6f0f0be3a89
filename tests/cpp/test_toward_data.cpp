// What a compiled graph derives once and keeps (cpp/src/graph/derived.hpp): the part that
// leads to data, against a plain search that knows nothing of it, and the node numbers it
// lends, which come back with every entry unset whoever borrowed them and however many at once.
#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/node_numbers.hpp"
#include "datareach/toward_data.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::random_sweep_model;
using datareach::testing::reached_over_possible_arcs;

TEST(TowardData, IsTheBackwardSearchFromTheStoresHoldingData) {
    std::mt19937_64 rng(41);
    for (int trial = 0; trial < 80; ++trial) {
        SCOPED_TRACE(trial);
        const int nodes = 7 + static_cast<int>(rng() % 80);
        const ModelData data = random_sweep_model(rng, nodes, static_cast<int>(rng() % (4 * nodes)), trial % 5);
        const auto g = CompiledGraph::compile(data);
        const auto& stores = g.presence_stores().values;
        const auto reaches = reached_over_possible_arcs(g, {stores.begin(), stores.end()}, false);
        const TowardData& toward = g.toward_data();
        EXPECT_EQ(&toward, &g.toward_data()) << "found once and kept";
        for (std::size_t v = 0; v < g.node_count(); ++v)
            EXPECT_EQ(toward.reaches_data(static_cast<NodeIndex>(v)), reaches[v] != 0) << "node " << v;
        for (std::size_t a = 0; a < g.arc_count(); ++a) {
            const auto arc = static_cast<ArcIndex>(a);
            EXPECT_EQ(toward.toward(arc), g.arc_possible(arc) && reaches[g.arc_target(arc)]) << "arc " << a;
        }
        // each_out and next: exactly the out-arcs toward data, in order.
        for (std::size_t v = 0; v < g.node_count(); ++v) {
            const auto u = static_cast<NodeIndex>(v);
            std::vector<ArcIndex> walked, expected;
            toward.each_out(g, u, [&](ArcIndex arc) { walked.push_back(arc); });
            for (ArcIndex arc = g.out_begin(u); arc < g.out_end(u); ++arc)
                if (toward.toward(arc)) expected.push_back(arc);
            EXPECT_EQ(walked, expected) << "node " << v;
        }
    }
}

TEST(TowardData, FoundOnceWhenAskedFromSeveralThreads) {
    std::mt19937_64 rng(43);
    const auto g = CompiledGraph::compile(random_sweep_model(rng, 3000, 12000, 40));
    std::vector<const TowardData*> seen(4, nullptr);
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < seen.size(); ++t) pool.emplace_back([&, t] { seen[t] = &g.toward_data(); });
    for (auto& thread : pool) thread.join();
    for (const TowardData* p : seen) EXPECT_EQ(p, seen[0]);
    const CompiledGraph copy = g;  // a copy is the same graph: it shares what was found
    EXPECT_EQ(&copy.toward_data(), seen[0]);
}

TEST(NodeNumbers, ComeBackUnsetAndAreNeverSharedByTwoBorrowers) {
    std::mt19937_64 rng(47);
    const auto g = CompiledGraph::compile(random_sweep_model(rng, 500, 1000, 10));
    const auto n = static_cast<NodeIndex>(g.node_count());
    for (int round = 0; round < 20; ++round) {
        SCOPED_TRACE(round);
        NodeNumbers first(g);
        for (NodeIndex v = 0; v < n; ++v) ASSERT_EQ(first[v], NodeNumbers::kNone) << "node " << v;
        std::vector<NodeIndex> set;
        for (int k = 0; k < 1 + round * 7; ++k) {
            const auto v = static_cast<NodeIndex>(rng() % static_cast<std::uint64_t>(n));
            first.set(v, static_cast<NodeIndex>(k));
            first.set(v, static_cast<NodeIndex>(k + 1));  // numbered again: still reset once
            set.push_back(v);
        }
        {
            NodeNumbers second(g);  // lent while the first is out: its own array
            for (NodeIndex v = 0; v < n; ++v) ASSERT_EQ(second[v], NodeNumbers::kNone) << "node " << v;
            second.set(set.front(), 7);
            EXPECT_NE(first[set.front()], 7);
        }
        for (NodeIndex v : set) EXPECT_NE(first[v], NodeNumbers::kNone);
    }
    NodeNumbers last(g);
    for (NodeIndex v = 0; v < n; ++v) EXPECT_EQ(last[v], NodeNumbers::kNone) << "node " << v;
}
