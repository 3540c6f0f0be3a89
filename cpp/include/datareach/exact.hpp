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
// A run of one filter group without composite classes whose frontier width is small is
// solved instead by the frontier method (frontier/frontier.hpp, Hardy, Lucet & Limnios;
// the frontier-based search of TdZdd): arcs processed in an order with a small frontier
// (nodes ranked breadth-first from the adversary), the state after a prefix being which
// frontier nodes are reached, which frontier nodes each unreached one reaches, and the shared
// events still needed; equal states merge. One pass per target set (share level, store,
// region); its cost is (distinct states per step) x arcs, whatever the number of variables,
// so a 2 x 1,000 ladder of shared-event links (2,998 variables) takes milliseconds.
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
    // Per adversary: the largest frontier width of a run the frontier method can solve (one
    // filter group, no composite class), 0 when there is none; counted in full, cap or not.
    std::vector<std::int64_t> max_run_width;
    // Per adversary: the most variables of a run that exact_exposure would factor (a run the
    // frontier method cannot solve, or whose width is above the width limit); 0 when every
    // run goes to the frontier method. With a cap, a count past it is where counting stopped.
    std::vector<std::int64_t> max_factoring_variables;
    // An upper bound on the work of plain enumeration: sum over runs of
    // (relevant arcs + 1) * 2^variables (saturating at 1e300). Factoring with pruning and
    // memoisation usually does far less; see ExactOptions::max_steps for a hard budget.
    double work = 0.0;
};

// What a run of exact_exposure did (optional output, see ExactOptions::stats).
struct ExactStats {
    std::uint64_t runs = 0;                   // factoring runs (adversary x independent class group)
    std::uint64_t steps = 0;                  // conditioning steps over all runs
    std::uint64_t memo_hits = 0;              // sub-problems answered from the memo
    std::uint64_t memo_entries = 0;           // sub-problems stored (summed over runs)
    std::uint64_t memo_restarts = 0;          // times the memo was full and started afresh
    std::uint64_t max_variables = 0;          // the most variables of one run
    std::uint64_t frontier_runs = 0;          // runs solved by the frontier method
    std::uint64_t frontier_passes = 0;        // their passes (one per distinct target set)
    std::uint64_t frontier_expansions = 0;    // states expanded (one per state and arc)
    std::uint64_t frontier_peak_states = 0;   // the most states held at one step
    std::uint64_t frontier_max_width = 0;     // the largest width of a run so solved
    std::uint64_t frontier_fallbacks = 0;     // frontier runs that outgrew frontier_bytes and were factored
    std::uint64_t frontier_split_passes = 0;  // passes searched as several independent parts
    std::uint64_t frontier_link_passes = 0;   // passes of undirected links, searched as partitions
};

// The frontier width up to which a run (one filter group, no composite) is solved by the
// frontier method rather than by factoring (docs/design.md §8, decision 51): on square grids
// of shared-event links (width k + 2 for k x k) the frontier method is faster from 5 x 5 on
// and a 10 x 10 grid (width 12) takes about a second; states grow about 3x per unit of width.
inline constexpr int kFrontierWidthLimit = 16;
// The widest frontier a state can encode (31 node slots, 64 variable slots).
inline constexpr int kMaxFrontierWidth = 30;

// The default limit on the random variables of one factoring run (ExactOptions::max_variables
// and the binding's default): past it the exact method is refused, since its cost can double
// with every variable.
inline constexpr std::int64_t kExactVariableLimit = 128;
// The hard bound on any limit: the recursion goes one level deeper per variable.
inline constexpr std::int64_t kMaxExactVariables = 20000;

struct ExactOptions {
    // A factoring run with more variables than this after pruning throws ModelError before
    // starting (clamped to kMaxExactVariables). Runs solved by the frontier method have no
    // variable limit.
    std::int64_t max_variables = kExactVariableLimit;
    // Runs of one filter group without composite classes whose frontier width is at most this
    // are solved by the frontier method (0: never; clamped to kMaxFrontierWidth). Its memory
    // is bounded by frontier_bytes: past it the run is factored when it has at most
    // max_variables variables, else ModelError.
    int max_frontier_width = kFrontierWidthLimit;
    // Factoring steps allowed over the whole call (0: unlimited); exceeding it throws
    // ModelError. A cheap way to try exact first and fall back to Monte Carlo. The frontier
    // method is bounded by its width and memory instead.
    std::uint64_t max_steps = 0;
    // Compute by_store and by_region (they make more outputs to settle, hence more steps).
    bool places = true;
    // Memory for memoised sub-problems per run; when full, the memo starts afresh.
    std::size_t memo_bytes = std::size_t{256} << 20;
    // Memory for the frontier method's states (two steps at once; at least 1,024 states).
    std::size_t frontier_bytes = std::size_t{256} << 20;
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
// (CompiledGraph::filter_groups), plus sorting the arcs of frontier runs. `cap` >= 0 stops the
// count of a run as soon as it passes cap random variables (before series-parallel
// reduction): cheap on huge models, enough to decide whether exact is affordable; runs the
// frontier method can solve are still pruned in full for their width. `max_frontier_width`
// is the width limit of exact_exposure (ExactOptions::max_frontier_width), which decides
// max_factoring_variables. Throws ModelError for an adversary that is not a node.
ExactComplexity exact_complexity(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                 std::int64_t cap = -1, int max_frontier_width = kFrontierWidthLimit);

// Fills every field of the table: intervals equal the point values, method "exact",
// samples 0. Throws ModelError when a factoring run is too large for the options' limits, e.g.
// "exact method: 143 random variables remain after pruning for adversary #0 (limit 64);
// use method='monte_carlo'".
ExposureTable exact_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                             const ExactOptions& options = {});

}  // namespace datareach
