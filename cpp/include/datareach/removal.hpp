// The exposure of one (adversary, atomic class) with sets of arcs removed: what a revoke
// would leave, for many candidate revokes at once (docs/design.md §5a, cheapest_reduction).
// "Exposed" is X_d > 0, as in importance.hpp. Only the arcs on some possible path from the
// adversary to a holding store can change it (relevant_arcs); removing any other arc
// changes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exact.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach {

struct RemovalExposures {
    // Per removal set: P(exposed) without its arcs, with an interval (equal bounds if exact).
    std::vector<double> exposure, low, high;
    double base = 0.0, base_low = 0.0, base_high = 0.0;  // with nothing removed
    std::string method;
    std::uint64_t samples = 0;  // worlds drawn (0 when exact)
};

// The compiled arcs on some possible path from the adversary to a store holding the class
// (ending at the first holding store), ascending. ModelError for a bad request.
std::vector<ArcIndex> relevant_arcs(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class);

// Exact: the relevant part solved by the exact engine once and once per removal set.
RemovalExposures exact_removal_exposures(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                         const std::vector<std::vector<ArcIndex>>& removals,
                                         const ExactOptions& options = {});

// Monte Carlo on the worlds of monte_carlo_exposure with the same seed (common random
// numbers: every set sees the same worlds, so the sets compare without noise of their
// own): per block one propagation per set, over the worlds where the class is exposed.
// Wilson intervals. options.tolerance and options.places are ignored.
RemovalExposures monte_carlo_removal_exposures(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                               const std::vector<std::vector<ArcIndex>>& removals,
                                               const MonteCarloOptions& options);

}  // namespace datareach
