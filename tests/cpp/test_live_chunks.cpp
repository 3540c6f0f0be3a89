// Live words drawn chunk by chunk as the sweep goes (plan.hpp: Plan::live_chunks, decision
// 59): the chunks cover the swept nodes, end with components, hold at least the asked arcs
// but for the last; and a block's counts are the same words whether its live words are drawn
// all at once, in one chunk, or in chunks of one component each.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/monte_carlo.hpp"
#include "monte_carlo/kernel.hpp"
#include "monte_carlo/plan.hpp"
#include "monte_carlo/scratch.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;
using datareach::testing::stores_among_roles;
namespace detail = datareach::monte_carlo::detail;

namespace {

// A random graph of mostly forward arcs (so that its components are small and many) with a
// ring of 30 nodes and a few backward arcs (cycles), filters, events and data on many stores.
ModelData ringed_graph(std::mt19937_64& rng, int nodes, int arcs) {
    ModelBuilder b;
    auto pick = [&](int n) { return static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(n)); };
    const std::vector<std::int32_t> stores = stores_among_roles(b, nodes, 5);
    for (int c = 0; c < 3; ++c) b.atomic_class();
    for (int k = 0; k < 2 * static_cast<int>(stores.size()) / 3; ++k)
        b.place(pick(3), stores[static_cast<std::size_t>(pick(static_cast<int>(stores.size())))], 0.5);
    b.event(0.4);
    b.event(0.8);
    const double ps[] = {1.0, 0.5, 0.3, 0.9, 0.05};
    for (int i = 0; i < 30; ++i) b.arc(10 + i, 10 + (i + 1) % 30, 0.9, {}, {});
    for (int k = 0; k < arcs; ++k) {
        std::vector<std::int32_t> filter, req;
        if (pick(4) == 0) filter.push_back(pick(3));
        if (pick(3) == 0) req.push_back(pick(2));
        const std::int32_t from = pick(nodes - 1);
        const std::int32_t to =
            pick(60) == 0 ? std::max(0, from - 1 - pick(5)) : from + 1 + pick(std::min(40, nodes - 1 - from));
        b.arc(from, to, ps[pick(5)], filter, req);
    }
    return b.data;
}

MonteCarloOptions seeded() {
    MonteCarloOptions o;
    o.seed = 29;
    o.threads = 1;
    return o;
}

// The running counts of `blocks` blocks of W words; `live`: live words of every arc given to
// the kernel (it then draws them all at once), else it draws by chunk.
template <int W>
std::vector<std::uint64_t> counts(const CompiledGraph& g, const detail::Plan& plan, bool all_at_once,
                                  std::uint64_t blocks) {
    detail::Scratch scratch(detail::rows_words(plan, W), detail::live_arcs(plan, W), plan.events.size(), W);
    detail::LiveWords whole(plan.arc_count(), plan.events.size(), W);
    detail::Tallies tallies(plan, W);
    std::atomic<bool> stop{false};
    for (std::uint64_t block = 0; block < blocks; ++block) {
        detail::Kernel<W> kernel(g, plan, scratch, tallies, stop, all_at_once ? &whole : nullptr);
        EXPECT_TRUE(kernel.run_block(block));
    }
    return tallies.counts;
}

}  // namespace

TEST(LiveChunks, CoverTheSweptNodesAndEndWithComponents) {
    std::mt19937_64 rng(3);
    const auto g = CompiledGraph::compile(ringed_graph(rng, 3000, 12000));
    detail::Plan plan = detail::build_plan(g, {0, 1, 2}, seeded());
    ASSERT_FALSE(plan.cycles.empty());
    ASSERT_GT(plan.swept, std::size_t{100});
    for (std::size_t chunk_arcs :
         {std::size_t{1}, std::size_t{37}, std::size_t{1000}, detail::kChunkArcs, std::size_t{1} << 30}) {
        SCOPED_TRACE(chunk_arcs);
        detail::cut_live_chunks(plan, chunk_arcs);
        const auto& chunks = plan.live_chunks;
        ASSERT_GE(chunks.size(), std::size_t{2});
        EXPECT_EQ(chunks.front(), 0u);
        EXPECT_EQ(chunks.back(), plan.swept);
        std::size_t largest = 0;
        for (std::size_t c = 0; c + 1 < chunks.size(); ++c) {
            ASSERT_LT(chunks[c], chunks[c + 1]);
            const std::size_t arcs = plan.in_start[chunks[c + 1]] - plan.in_start[chunks[c]];
            largest = std::max(largest, arcs);
            if (c + 2 < chunks.size()) EXPECT_GE(arcs, chunk_arcs);
            for (const auto& [first, last] : plan.cycles)  // never strictly inside a cycle
                EXPECT_FALSE(first < chunks[c + 1] && chunks[c + 1] < last);
        }
        EXPECT_EQ(plan.max_chunk_arcs, largest);
    }
}

TEST(LiveChunks, CountsAreTheSameWhateverTheChunks) {
    std::mt19937_64 rng(8);
    for (int trial = 0; trial < 6; ++trial) {
        SCOPED_TRACE(trial);
        const auto g = CompiledGraph::compile(ringed_graph(rng, 400 + 300 * trial, 2500 + 900 * trial));
        detail::Plan plan = detail::build_plan(g, {0, 3}, seeded());
        ASSERT_TRUE(detail::one_sweep(plan, 2));
        const auto expected = counts<2>(g, plan, true, 5);
        EXPECT_EQ(counts<2>(g, plan, false, 5), expected);  // one chunk or a few
        for (std::size_t chunk_arcs : {std::size_t{1}, std::size_t{50}}) {
            detail::cut_live_chunks(plan, chunk_arcs);
            EXPECT_GT(plan.live_chunks.size(), std::size_t{3});
            EXPECT_EQ(counts<2>(g, plan, false, 5), expected);
            EXPECT_EQ(counts<1>(g, plan, false, 10), counts<1>(g, plan, true, 10));
        }
    }
}
