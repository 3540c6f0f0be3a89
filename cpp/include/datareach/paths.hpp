// The k most likely access paths from an adversary to the stores holding a class, ranked
// exactly by the product of the distinct random variables on each (docs/design.md §2.6, §5a).
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

// The default bound on the partial paths one search may build before it gives up.
inline constexpr std::int64_t default_max_partial_paths = 2'000'000;

// The k most likely simple paths over possible arcs admitting the class (rule arcs
// included), each ending at the first store holding the class on it (a path does not run
// on through a holding store), best first. The measure is the product of the distinct
// random variables on the path (each arc's coin, each required event once), and the
// ranking is exact: a best-first search over partial paths, whose products only shrink as
// they extend, so a complete path popped from the queue beats every path not yet popped.
// Ties: fewer arcs first, then the order the search builds them (out-arcs in compiled
// order: the access table's order, rule arcs last). An adversary that itself holds the
// class has the one path of no arcs. Fewer than k paths when fewer exist. Throws
// ModelError for a composite class, k < 1, or when more than `max_partial_paths` partial
// paths would be built (so a hostile model cannot hang the search).
std::vector<AccessPath> most_likely_paths(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                          std::int64_t k, std::int64_t max_partial_paths = default_max_partial_paths);

// The most likely path: most_likely_paths with k = 1; nullopt when no store holding the
// class is possibly reachable.
std::optional<AccessPath> most_likely_path(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                           std::int64_t max_partial_paths = default_max_partial_paths);

// The exact probability that every arc of `arcs` is live.
double path_probability(const CompiledGraph& graph, const std::vector<ArcIndex>& arcs);

// Checks an (adversary, atomic class) request against the graph; ModelError naming the
// argument otherwise (a composite: ask for each component). Shared by the explanations.
void check_atomic_request(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class, const char* what);

}  // namespace datareach
