// The frontier method on a pass of links alone (docs/design.md §8, decision 63). When every
// step of a pass is a link (steps.hpp: two reverse arcs that need the same variables and
// share them with no other arc, live or dead together), reach over the processed arcs is
// undirected: what a frontier node reaches is its component, and the reach relation of a
// state is a partition of the frontier slots, one part the adversary's. A state is then a
// label per slot (4 bits: 0 free, 1 the adversary's component, 2-15 the others, numbered in
// the order of their lowest slot) instead of a row of slots and sets per slot: the same
// states as the general method's, in 2 or 3 words instead of 4 + 1 or 2 per slot, and a live
// link is one relabelling. This is the state of the frontier-based search for undirected
// reliability (TdZdd, as graphillion uses it).
#pragma once

#include <cstddef>
#include <vector>

#include "../exact/solver.hpp"
#include "steps.hpp"

namespace datareach::frontier {

// The most node slots a state of labels holds: 14 components besides the adversary's.
inline constexpr int kMaxLinkSlots = 14;

// Whether every step of the pass is a link or an arc from the adversary (one that reaches
// what a link would: the arcs into the adversary are pruned, so its links are one-way), with
// no branch on a shared variable, and a state of `node_slots` slots fits in labels.
bool links_only(const std::vector<Step>& steps, int node_slots);

// Whether each of the `set_count` target sets is held by exactly one node that enters along
// the steps (the all-terminal shape; one set of one node is the two-terminal one).
bool single_node_sets(const std::vector<Step>& steps, int set_count);

// P(the adversary reaches every target) over a links-only pass whose target sets are single
// nodes (single_node_sets), none the adversary's. A component holding a target must join the
// adversary's before it leaves the frontier. Throws FrontierTooLarge when two levels would
// need more than `memory_bytes`.
long double search_links(const std::vector<Step>& steps, std::size_t memory_bytes, exact::Budget& budget);

// The one-sweep marginals (marginals.hpp) over a links-only pass: adds P(node reached) into
// out[result_of[node]] for every node with result_of[node] >= 0; false when the sweep would
// need more than `memory_bytes`. `every_reached`, when given, is set to P(every node of the
// pass is reached) when each node but the adversary is a target (the all-terminal search of
// those nodes, counted along the same sweep), else to -1.
bool link_marginals(const std::vector<Step>& steps, const std::vector<int>& result_of, std::size_t memory_bytes,
                    exact::Budget& budget, std::vector<long double>& out, long double* every_reached = nullptr);

}  // namespace datareach::frontier
