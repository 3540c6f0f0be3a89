// The cheapest cut (docs/design.md §5a): the least total cost of explicit arcs whose
// removal leaves a class not possibly reachable by an adversary.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

struct Cut {
    // Total cost of the cut arcs; +infinity when no finite cut exists (a path of rule arcs
    // or of uncuttable arcs, or the adversary holds the class itself); 0 when the class is
    // not possibly reachable already.
    double cost = 0.0;
    // The node pairs to revoke (every explicit arc from -> to), sorted; empty unless finite.
    std::vector<std::pair<NodeIndex, NodeIndex>> pairs;
    // The compiled arcs whose costs make up `cost`: the possible arcs admitting the class
    // between the pairs, ascending.
    std::vector<ArcIndex> arcs;
    bool reachable = false;  // the class was possibly reachable before the cut
};

// Max-flow/min-cut (Boost.Graph's Boykov–Kolmogorov) over the possible arcs admitting the
// class among the nodes the adversary can possibly reach. A node pair's capacity is the sum
// of its explicit arcs' costs (`access_cost`, by access row: a revoke removes every
// explicit arc of the pair); a rule arc, or an arc of infinite cost, makes it uncuttable.
// Every store holding the class is joined to a virtual sink with infinite capacity.
// Throws ModelError for a composite class or a cost table of the wrong length.
Cut cheapest_cut(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                 const std::vector<double>& access_cost);

}  // namespace datareach
