// Importance of every random variable for one (adversary, atomic class): Birnbaum's measure
// I(x) = P(exposed | x up) - P(exposed | x down), and the exposure if x were removed,
// P(exposed | x down) (docs/design.md §5a). "Exposed" is X_d > 0: some store holding the
// class is reached.
//
// The variables are the coins (0 < p < 1) of the arcs on some possible path from the
// adversary to a store holding the class — explicit arcs and jurisdiction rule arcs alike —
// and the random events (0 < p < 1) those arcs require. Every other variable cannot change
// whether the class is reached: its importance is exactly 0 and it is not listed. A path
// ends at the first holding store on it, so arcs leaving a holding store are not listed
// either. Constants (p = 0 or 1) are not variables.
//
// Two engines:
//  - exact: the relevant part of the graph as a model of its own, solved by the exact
//    engine once as it is and twice per variable, conditioned up (p = 1) and down (p = 0).
//  - Monte Carlo, every variable in one pass over the same worlds as monte_carlo_exposure
//    (the same seed gives the same worlds, so the exposure it reports equals that engine's).
//    In a world where the class is not reached, the coin of arc u -> v is critical iff u is
//    reached, v reaches a holding store and the arc's events are up; one forward and one
//    backward bit-parallel propagation per block give that for all arcs at once. An event
//    is critical in such a world iff raising it (making its arcs live where their own coins
//    and other events are up) reaches a store: one incremental propagation per event, from
//    the reach already found. Criticality does not depend on the variable's own state, so
//    I(x) = P(critical) is estimated among the worlds where x is down (where criticality
//    is observed), as is P(exposed | x down); both get Wilson intervals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exact.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach {

// One row per variable: arcs first (ascending compiled arc index), then events (ascending).
struct Importance {
    std::vector<ArcIndex> arc;        // the compiled arc whose coin this is; -1 for an event
    std::vector<std::int32_t> event;  // the event; -1 for an arc's coin
    std::vector<double> p;            // the variable's probability
    std::vector<double> importance;   // P(exposed | up) - P(exposed | down)
    std::vector<double> importance_low, importance_high;
    std::vector<double> removed;  // P(exposed | down): the exposure without the variable
    std::vector<double> removed_low, removed_high;
    // P(exposed) itself, with its interval (equal bounds when exact).
    double exposure = 0.0, exposure_low = 0.0, exposure_high = 0.0;
    std::string method;           // "exact" or "monte_carlo"
    std::uint64_t samples = 0;    // worlds drawn (0 when exact)
    double max_half_width = 0.0;  // widest half-width of any interval above
    std::size_t size() const { return p.size(); }
};

// Throws ModelError for an adversary or class that is not one, a composite class, or (from
// the exact engine) a problem beyond the options' limits.
Importance exact_importance(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                            const ExactOptions& options = {});

// options.samples worlds (rounded up to whole 512s), or fewer when options.tolerance > 0 and
// every interval's half-width is within it at a checkpoint. options.places is ignored.
// Throws ModelError as monte_carlo_exposure does, and as exact_importance for the request.
Importance monte_carlo_importance(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                  const MonteCarloOptions& options);

}  // namespace datareach
