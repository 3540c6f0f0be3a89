// Splitting the per-node and per-arc loops of the plan build over worker threads. Every
// worker writes only the output slots of its own range (fixed by prefix sums before the
// loop), so the plan is the same bytes whatever the number of threads.
#pragma once

#include "../common/parallel_ranges.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach::monte_carlo::detail {

using datareach::parallel::FixedParts;
using datareach::parallel::parallel_ranges;
using datareach::parallel::slots_from_counts;

// Workers for the plan build: options.threads (0: every core).
inline unsigned plan_threads(const MonteCarloOptions& options) {
    return options.threads ? options.threads : datareach::parallel::hardware_threads();
}

}  // namespace datareach::monte_carlo::detail
