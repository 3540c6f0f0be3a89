// The steps of one frontier pass: each arc of the pass in slot terms (which frontier slots
// its ends hold, which shared variables it branches on, needs and forgets, which nodes enter
// and leave), planned once from the arc order and read by every state at that step.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "../exact/pruning.hpp"
#include "../exact/solver.hpp"
#include "datareach/exact.hpp"

namespace datareach::frontier {

// One arc of a pass with everything its step needs, in slot terms; or a link: two arcs x -> y
// and y -> x next to each other in the order that need the same variables and share them with
// no other arc (an undirected link, docs/design.md §2.2), live or dead together, taken as one
// step (both directions when live) with no branch on their variables.
struct Step {
    int source_slot = 0, target_slot = 0;
    bool both_ways = false;                           // a link: y -> x is live with x -> y
    bool from_adversary = false;                      // x is the adversary (reached in every world)
    std::uint64_t needs = 0;                          // the shared variables (slots) the arc requires
    long double own = 1.0L;                           // the product of p of its variables no other arc of the pass uses
    std::vector<std::pair<int, long double>> branch;  // shared variables first used here: (slot, p)
    std::vector<std::pair<int, std::uint32_t>> enter;  // nodes first met here: (slot, target sets it is in)
    std::vector<int> enter_node;                       // and which local nodes they are, in the same order
    std::uint32_t enter_reached = 0;                   // the adversary's slot when it enters here
    std::uint32_t leave_nodes = 0;                     // node slots free after this step
    std::uint64_t leave_vars = 0;                      // variable slots free after this step
    std::uint32_t occupied = 0;                        // node slots in use during this step
    std::uint32_t sets_to_come = 0;                    // target sets with a node not met by this step
    std::uint32_t sets_closed = 0;                     // target sets with no node still to meet after it
    bool adversary_met = false;                        // the adversary has entered by this step
};

// The steps of a pass over `arcs` (a subsequence of the run's order, the two arcs of a link
// brought together where parallel links interleave them); `sets_of[v]`: the target sets node
// v is in. `node_slots` is set to the node slots a state needs.
std::vector<Step> plan_steps(const exact::PrunedRun& run, const std::vector<int>& arcs,
                             const std::vector<std::uint32_t>& sets_of, int set_count, int& node_slots);

// The outcomes of a step from a state with shared-variable values `values` (a bit per slot)
// and probability `w`: each combination of the variables first used here, up or down, then
// the arc live or dead; f(values after the combination, live, weight) for every weight > 0.
template <class F>
void for_each_outcome(const Step& step, std::uint64_t values, long double w, F&& f) {
    const int branches = static_cast<int>(step.branch.size());
    for (int combo = 0; combo < (1 << branches); ++combo) {
        long double pc = w;
        std::uint64_t combined = values;
        for (int b = 0; b < branches; ++b) {
            const auto& [slot, p] = step.branch[b];
            if (combo >> b & 1) {
                combined |= std::uint64_t{1} << slot;
                pc *= p;
            } else {
                pc *= 1.0L - p;
            }
        }
        if (pc == 0.0L) continue;
        const bool can_live = (combined & step.needs) == step.needs && step.own > 0.0L;
        const long double live = can_live ? pc * step.own : 0.0L;
        if (live > 0.0L) f(combined, true, live);
        if (pc - live > 0.0L) f(combined, false, pc - live);
    }
}

// Counts one state expanded and, now and then, honours cancellation and progress.
inline void poll(exact::Budget& budget) {
    if (++budget.frontier_expansions % exact::kCheckEvery != 1) return;
    const auto& opt = *budget.options;
    if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) throw ExactCancelled();
    if (opt.progress && !opt.progress(budget.runs_done, budget.runs_total)) throw ExactCancelled();
}

}  // namespace datareach::frontier
