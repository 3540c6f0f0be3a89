// The frontier method of the exact engine (docs/design.md §2.7): for one adversary and one
// run of a single filter group, every score of the run from passes of a directed-reachability
// frontier search, one pass per family of target sets: one set for an atomic class (the
// stores of a share level, a store, the stores of a region), one per atom for a composite
// class (X of a composite is at least s iff every atom reaches a store of share >= s). Its
// cost is the number of distinct states per step times the arcs, bounded by the width of the
// order (ordering.hpp) rather than by the number of random variables.
#pragma once

#include <cstddef>
#include <string>

#include "datareach/errors.hpp"

#include "../exact/plan.hpp"
#include "../exact/pruning.hpp"
#include "../exact/solver.hpp"
#include "state.hpp"

namespace datareach::frontier {

// The frontier search needed more states than its memory allows (a ModelError: the exact
// engine falls back to factoring when the run is small enough for it, else reports it).
class FrontierTooLarge : public ModelError {
public:
    explicit FrontierTooLarge(std::size_t states)
        : ModelError("exact method: the frontier search needs more than " + std::to_string(states) +
                     " states at one step; use method='monte_carlo'"),
          max_states(states) {}
    std::size_t max_states;  // the states one step may hold
};

// Whether the frontier method can solve the run: one filter group (several only come with
// composites whose atoms need different arcs) and no composite of more than kMaxTargetSets
// atoms.
bool frontier_applies(const CompiledGraph& graph, const exact::RunPlan& plan, int run_index);

// The frontier width of the run (ordering.hpp), its composites' open atoms included: that of
// its widest independent part (parts.hpp), the parts a composite's atom spans joined.
int frontier_width(const CompiledGraph& graph, const exact::RunPlan& plan, int run_index, const exact::PrunedRun& run);

// The probability that the adversary (local node 0) reaches, over the run's live arcs, a node
// of every one of `target_sets` (local nodes; at most kMaxTargetSets sets): one pass of the
// frontier search along `order` (arc_order of the run), part by part (parts.hpp). Throws
// FrontierTooLarge when the states of two steps would need more than `memory_bytes`.
long double reach_probability(const exact::PrunedRun& run, const std::vector<int>& order,
                              const std::vector<std::vector<int>>& target_sets, std::size_t memory_bytes,
                              exact::Budget& budget);

// Every score of the run (the same as exact::solve_run's), computed by frontier passes.
exact::RunScores solve_frontier(const CompiledGraph& graph, const exact::RunPlan& plan, const exact::PrunedRun& run,
                                int run_index, bool places, exact::Budget& budget);

}  // namespace datareach::frontier
