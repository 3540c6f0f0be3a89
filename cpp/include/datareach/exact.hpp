// The exact exposure engine (docs/design.md §2): every score computed without sampling.
//
// Per adversary, the atomic classes are split into independent factoring runs: classes
// that the same arcs admit share a run (one reach search serves them all), and a composite
// class joins the runs of its atoms (its exposure needs them in the same world). Each run
//   1. prunes the graph to the arcs on some path from the adversary to a store holding one
//      of its classes, over arcs whose live probability is > 0; coins and events with
//      p = 0 or p = 1 are constants, so only the remaining ones (0 < p < 1) are variables;
//   2. reduces arcs that are a single coin (no uncertain event): parallel ones into one,
//      chains through nodes that hold nothing of the run into one;
//   3. factors (Shannon conditioning): it fixes one variable at a time, arcs ordered by the
//      later of their two ends in a breadth-first ranking from the adversary (events before
//      the coin of the arc that needs them), and after every step computes, per class, the
//      certain reach (over arcs whose variables are all up) and the possible reach (over
//      arcs none of whose variables is down). An output (a store's reach, a region's,
//      P(X > 0), E[X], a composite's) whose lower and upper bounds meet is settled and
//      leaves the recursion; a branch ends when nothing is left. The arcs that can still
//      matter are recomputed at each step (on a path from the certain reach to a store some
//      unsettled output depends on), so variables that cannot change anything are never
//      branched on;
//   4. memoises sub-problems: the residual problem is fully described by the unsettled
//      outputs, the open arcs that can still matter (with their unfixed variables and
//      whether they leave the certain reach) and, for each one's target, the nodes that
//      matter which it reaches over certain arcs. Equal residual problems reached by
//      different histories are solved once, which turns the recursion into a reduced
//      decision diagram (the frontier-based method of Hardy, Lucet & Limnios for network
//      reliability): the 5 x 5 grid of shared-event links takes ~3,000 steps, 8 x 8 ~230,000.
// Sums are kept in long double; results match enumeration of all worlds to ~1e-15.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exposure.hpp"

namespace datareach {

// Size of the exact problem after pruning, for choosing a method before running one.
struct ExactComplexity {
    // Per adversary: the random variables (arc coins and events with 0 < p < 1) that can
    // change some output for some class, counted once even if several runs use them. With a
    // cap, a count that passed it is where counting stopped (> cap; see `capped`).
    std::vector<std::int64_t> variables;
    // Per adversary: counting stopped at the cap (variables and max_run_variables are then
    // only known to exceed it; arcs is a partial count).
    std::vector<std::uint8_t> capped;
    // Per adversary: the most variables any one factoring run conditions on (<= variables).
    std::vector<std::int64_t> max_run_variables;
    // Per adversary: arcs that can matter for some class.
    std::vector<std::int64_t> arcs;
    // An upper bound on the work of plain enumeration: sum over runs of
    // (relevant arcs + 1) * 2^variables (saturating at 1e300). Factoring with pruning and
    // memoisation usually does far less; see ExactOptions::max_steps for a hard budget.
    double work = 0.0;
};

// What a run of exact_exposure did (optional output, see ExactOptions::stats).
struct ExactStats {
    std::uint64_t runs = 0;           // factoring runs (adversary x independent class group)
    std::uint64_t steps = 0;          // conditioning steps over all runs
    std::uint64_t memo_hits = 0;      // sub-problems answered from the memo
    std::uint64_t memo_entries = 0;   // sub-problems stored (summed over runs)
    std::uint64_t memo_restarts = 0;  // times the memo was full and started afresh
    std::uint64_t max_variables = 0;  // the most variables of one run
};

// The default limit on the random variables of one factoring run (ExactOptions::max_variables
// and the binding's default): past it the exact method is refused, since its cost can double
// with every variable.
inline constexpr std::int64_t kExactVariableLimit = 128;
// The hard bound on any limit: the recursion goes one level deeper per variable.
inline constexpr std::int64_t kMaxExactVariables = 20000;

struct ExactOptions {
    // A run with more variables than this after pruning throws ModelError before starting
    // (clamped to kMaxExactVariables).
    std::int64_t max_variables = kExactVariableLimit;
    // Factoring steps allowed over the whole call (0: unlimited); exceeding it throws
    // ModelError. A cheap way to try exact first and fall back to Monte Carlo.
    std::uint64_t max_steps = 0;
    // Compute by_store and by_region (they make more outputs to settle, hence more steps).
    bool places = true;
    // Memory for memoised sub-problems per run; when full, the memo starts afresh.
    std::size_t memo_bytes = std::size_t{256} << 20;
    // Polled every few thousand steps: set to true to stop (ExactCancelled is thrown).
    const std::atomic<bool>* cancel = nullptr;
    // Called every few thousand steps with (runs finished, runs in total); returning false
    // stops the computation (ExactCancelled is thrown).
    ProgressCallback progress;
    // When set, receives counts of the work done.
    ExactStats* stats = nullptr;
};

// Thrown when the cancel flag or the progress callback stopped the computation.
class ExactCancelled : public std::runtime_error {
public:
    ExactCancelled() : std::runtime_error("exact method: cancelled") {}
};

// Linear in the arcs reachable from each adversary, times the number of filter groups
// (CompiledGraph::filter_groups). `cap` >= 0 stops the count of a run as soon as it passes cap random
// variables (before series-parallel reduction): cheap on huge models, enough to decide
// whether exact is affordable. Throws ModelError for an adversary that is not a node.
ExactComplexity exact_complexity(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                 std::int64_t cap = -1);

// Fills every field of the table: intervals equal the point values, method "exact",
// samples 0. Throws ModelError when a run is too large for the options' limits, e.g.
// "exact method: 143 random variables remain after pruning for adversary #0 (limit 64);
// use method='monte_carlo'".
ExposureTable exact_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                             const ExactOptions& options = {});

}  // namespace datareach
