// The factoring solver of one exact run (Shannon conditioning on one variable at a time,
// with the reach recomputed and settled outputs dropped after every step, and equal residual
// problems memoised): the part of the exact engine whose cost is exponential, kept apart
// from the polynomial planning and pruning around it.
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exact.hpp"
#include "plan.hpp"
#include "pruning.hpp"

namespace datareach::exact {

// Polled every this many steps: cancel flag and progress callback.
inline constexpr std::uint64_t kCheckEvery = 4096;

// The work allowance shared by every run of one call, and the counts reported in ExactStats.
struct Budget {
    std::uint64_t steps = 0;
    std::uint64_t max_steps = 0;
    std::size_t adversary_row = 0;
    std::uint64_t runs_done = 0, runs_total = 0;
    std::uint64_t memo_hits = 0, memo_entries = 0, memo_restarts = 0;
    // The frontier method's work (frontier/frontier.hpp): runs, passes, states expanded
    // (one per state and arc) and the most states held at one step.
    std::uint64_t frontier_runs = 0, frontier_passes = 0, frontier_expansions = 0, frontier_peak_states = 0;
    std::uint64_t frontier_fallbacks = 0;
    std::uint64_t frontier_split_passes = 0;  // passes searched as several independent parts
    std::uint64_t frontier_link_passes = 0;   // passes of links alone, searched as partitions (links.hpp)
    const ExactOptions* options = nullptr;
};

// The scores one run settles, in model indices.
struct RunScores {
    struct ClassScore {
        ClassIndex cls;  // atomic or composite
        double probability;
        double expected_share;
    };
    struct PlaceScore {
        ClassIndex cls;  // atomic
        std::int32_t place;
        double probability;
    };
    std::vector<ClassScore> classes;
    std::vector<PlaceScore> stores, regions;  // filled when `places`
};

// Throws ModelError when the budget's step limit is passed, ExactCancelled when stopped.
RunScores solve_run(const CompiledGraph& graph, const RunPlan& plan, const PrunedRun& run, int run_index, bool places,
                    Budget& budget);

}  // namespace datareach::exact
