// The arc order of the frontier method and the width it gives. The frontier after a prefix
// of the order is the nodes met by a processed arc that some unprocessed arc still touches;
// an event shared by several arcs is live from its first arc to its last. The cost of the
// frontier search grows with the frontier nodes plus the live events (the width), so the
// order keeps both small: nodes ranked breadth-first from the adversary, an arc processed
// when the later of its two ends comes up (both arcs of an undirected link then follow each
// other, and the event they share costs nothing).
#pragma once

#include <cstdint>
#include <vector>

#include "../exact/pruning.hpp"

namespace datareach::frontier {

// The frontier's size along an arc order.
struct FrontierShape {
    int max_nodes = 0;   // the most frontier nodes at one step
    int max_events = 0;  // the most live shared variables at one step
    int width = 0;       // the most frontier nodes plus live shared variables at one step
};

// Where each node and variable is met along an arc order: the first and last step (index into
// the order) whose arc touches it (-1 if none), and how many arcs of the order need each
// variable. What both the width and the frontier search's plan are read from.
struct ArcSpans {
    std::vector<int> node_first, node_last, var_first, var_last, var_uses;
};
ArcSpans arc_spans(const exact::PrunedRun& run, const std::vector<int>& order);

// The run's local arcs in processing order (every arc of the run once).
std::vector<int> arc_order(const exact::PrunedRun& run);

// The shape of the frontier along `order` (a subsequence of arc_order: only those arcs
// count). A variable is shared when two or more arcs of `order` need it. `families` adds, for
// a composite class, its atoms' target nodes (per atom, local nodes): an atom is open from
// the first arc that meets one of its targets to the last arc that meets one, and the most
// open atoms of one family at a step count into the width (the state tracks them).
FrontierShape frontier_shape(const exact::PrunedRun& run, const std::vector<int>& order,
                             const std::vector<std::vector<std::vector<int>>>& families = {});

}  // namespace datareach::frontier
