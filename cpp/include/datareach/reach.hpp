// Deterministic reachability (docs/design.md §2.6): which classes each adversary can possibly reach
// (every arc with a live probability > 0) and certainly reaches (arcs live in every world).
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

enum class ReachMode : std::uint8_t { possible, certain };

// Nodes reachable from `source` over arcs that admit `atomic_class` and qualify under
// `mode`, as a 0/1 mask over nodes. The source itself is reached.
std::vector<std::uint8_t> reachable_nodes(const CompiledGraph& graph, NodeIndex source, ClassIndex atomic_class,
                                          ReachMode mode);

// One row per (adversary, class), adversary-major, every class of the model in order.
struct ReachTable {
    std::vector<NodeIndex> adversary;
    std::vector<ClassIndex> class_index;
    std::vector<std::uint8_t> possible;  // X > 0 in some world
    std::vector<std::uint8_t> certain;   // X > 0 in every world
    RaggedIndex possible_stores;         // stores holding the class (share > 0) possibly reached
    RaggedIndex certain_stores;          // ... certainly reached
    std::size_t rows() const { return adversary.size(); }
};

// For a composite class: possible/certain iff every component is; its stores are the union
// of its components' stores, listed only when the composite itself qualifies.
ReachTable reach(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries);

}  // namespace datareach
