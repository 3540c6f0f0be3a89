// Chokepoints (docs/design.md §5a): the nodes on every possible path from an adversary to
// any store holding a class, found as the dominators of a virtual sink.
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

struct Chokepoints {
    // Outward from the adversary (which is not listed); empty when the class is not possibly
    // reachable, or when the adversary itself holds it.
    std::vector<NodeIndex> nodes;
    // Parallel to nodes: how many possible arcs admitting the class enter the node from
    // nodes the adversary can possibly reach.
    std::vector<std::int64_t> arcs_in;
    bool reachable = false;  // some store holding the class is possibly reachable
};

// Lengauer–Tarjan (Boost.Graph) on the possible arcs admitting the class among the nodes the
// adversary can possibly reach, each store holding the class joined to a virtual sink; the
// chokepoints are the sink's dominator chain. Throws ModelError for a composite class.
Chokepoints chokepoints(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class);

}  // namespace datareach
