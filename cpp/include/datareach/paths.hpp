// The most likely access path from an adversary to any store holding a class (docs/design.md §2.6).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

struct AccessPath {
    std::vector<NodeIndex> nodes;  // adversary first, the store last
    std::vector<ArcIndex> arcs;    // compiled arc indices, nodes.size() - 1 of them
    // Product of the distinct coins and events on the path: each shared event counted once.
    // A lower bound on the exposure probability.
    double probability = 0.0;
};

// Dijkstra on -log(live probability of each arc) over arcs that admit the class, ending at
// the best store with share > 0; the probability is then recomputed exactly for the path.
// nullopt when no store holding the class is possibly reachable. Throws ModelError for a
// composite class (a path reaches one store; ask per component).
std::optional<AccessPath> most_likely_path(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class);

// The exact probability that every arc of `arcs` is live.
double path_probability(const CompiledGraph& graph, const std::vector<ArcIndex>& arcs);

}  // namespace datareach
