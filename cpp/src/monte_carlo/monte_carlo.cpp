// Monte Carlo exposure (datareach/monte_carlo.hpp): one plan, one kernel per worker thread,
// counts summed at the end. The block size is a template parameter so the kernel's word
// loops are unrolled for each of the four sizes; it is chosen from the plan.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "datareach/errors.hpp"
#include "datareach/intervals.hpp"
#include "datareach/monte_carlo.hpp"
#include "driver.hpp"
#include "kernel.hpp"
#include "plan.hpp"
#include "scratch.hpp"
#include "tables.hpp"

namespace datareach {

namespace {

using namespace monte_carlo;
using namespace monte_carlo::detail;

template <int W>
ExposureTable run(const CompiledGraph& graph, const Plan& plan, const MonteCarloOptions& options) {
    const double z = stats::normal_quantile(0.5 + options.confidence / 2.0);
    const std::uint64_t block_worlds = 64 * W;
    const std::uint64_t total_blocks = total_blocks_for(options.samples, block_worlds);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (plan.adversaries.empty()) threads = 1;

    std::vector<std::unique_ptr<Scratch>> scratch(threads);
    std::vector<std::unique_ptr<Tallies>> tallies(threads);
    const std::size_t size = plan.adversaries.size() * plan.stride;
    if (!plan.adversaries.empty())
        run_blocks(
            threads, total_blocks, block_worlds, options,
            [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                if (!scratch[t]) {
                    scratch[t] =
                        std::make_unique<Scratch>(rows_words(plan, W), live_arcs(plan, W), plan.events.size(), W);
                    tallies[t] = std::make_unique<Tallies>(plan, W);
                }
                return Kernel<W>(graph, plan, *scratch[t], *tallies[t], stop).run_block(block);
            },
            [&] {
                const Tally tally = sum_counts(tallies, size);
                return class_max_half_width(graph, plan, tally.counts.data(), tally.blocks * block_worlds, z) <=
                       options.tolerance;
            });
    const Tally tally = sum_counts(tallies, size);
    const std::uint64_t worlds = tally.blocks * block_worlds;
    if (options.progress) options.progress(worlds, total_blocks * block_worlds);
    return make_table(graph, plan, tally.counts.data(), worlds, options, z);
}

}  // namespace

ExposureTable monte_carlo_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                   const MonteCarloOptions& options) {
    monte_carlo::detail::check_options(options);
    for (NodeIndex a : adversaries)
        if (a < 0 || static_cast<std::size_t>(a) >= graph.node_count())
            throw ModelError("adversaries: no node #" + std::to_string(a));
    const monte_carlo::detail::Plan plan = monte_carlo::detail::build_plan(graph, adversaries, options);
    switch (monte_carlo::detail::block_words_for(plan.adversaries.size() * plan.groups, plan.max_chunk_arcs, options)) {
        case 1: return run<1>(graph, plan, options);
        case 2: return run<2>(graph, plan, options);
        case 4: return run<4>(graph, plan, options);
        default: return run<8>(graph, plan, options);
    }
}

}  // namespace datareach
