// The reach probability of many single nodes in one frontier sweep (docs/design.md §8,
// decision 52). A pass per store (each store's own table row, each single-store class)
// repeats the same search once per node; here one forward sweep keeps the states of reach
// alone (no target), and beside them pairs (state, pattern): the pattern is the frontier
// nodes that reach one pending node v over processed arcs, which is all the future needs to
// know about v. A pair's value, the probability that v is reached from it, does not depend on
// which v it is, so a backward sweep computes each distinct pair once, and
//   P(v reached) = sum over the states s before v enters of weight(s) x value(s, {v}).
#pragma once

#include <cstddef>
#include <vector>

#include "../exact/pruning.hpp"
#include "../exact/solver.hpp"

namespace datareach::frontier {

// P(the adversary reaches `targets[i]`) over the run's live arcs, for every i, into `out`
// (distinct local nodes; over the arcs of `order`, an arc order of the run, split into its
// independent parts).
// False, with `out` undefined, when the states and pairs would need more than `memory_bytes`:
// the caller then searches one node at a time. `every_reached` is set to P(the adversary
// reaches every target) when the targets are every node of the run but the adversary and
// every part is a pass of links alone (links.hpp: the sweep counts it along), else to -1.
bool reach_marginals(const exact::PrunedRun& run, const std::vector<int>& order, const std::vector<int>& targets,
                     std::size_t memory_bytes, exact::Budget& budget, std::vector<long double>& out,
                     long double& every_reached);

}  // namespace datareach::frontier
