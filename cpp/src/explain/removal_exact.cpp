// Exposure with arcs removed, exact (datareach/removal.hpp): the relevant part as a model of
// its own (part_model.hpp), each removal set's arcs given p = 0, solved by the exact engine.
#include <algorithm>
#include <vector>

#include "datareach/paths.hpp"
#include "datareach/removal.hpp"
#include "part_model.hpp"
#include "relevant_part.hpp"

namespace datareach {

std::vector<ArcIndex> relevant_arcs(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) {
    check_atomic_request(graph, adversary, atomic_class, "arcs are found per stored class");
    return explain::relevant_part(graph, adversary, atomic_class).arcs;
}

RemovalExposures exact_removal_exposures(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                         const std::vector<std::vector<ArcIndex>>& removals,
                                         const ExactOptions& options) {
    check_atomic_request(graph, adversary, atomic_class, "exposure is computed per stored class");
    const explain::RelevantPart part = explain::relevant_part(graph, adversary, atomic_class);
    RemovalExposures out;
    out.method = "exact";
    const double settled = part.adversary_holds ? 1.0 : 0.0;
    if (!part.reachable || part.adversary_holds) {
        out.base = out.base_low = out.base_high = settled;
        out.exposure.assign(removals.size(), settled);
        out.low = out.high = out.exposure;
        return out;
    }
    ModelData model = explain::part_as_model(graph, part);
    ExactOptions inner = options;
    inner.places = false;
    inner.progress = nullptr;
    inner.stats = nullptr;
    const std::uint64_t total = 1 + removals.size();
    auto report = [&](std::uint64_t done) {
        if (options.progress && !options.progress(done, total)) throw ExactCancelled();
    };
    out.base = out.base_low = out.base_high = explain::exposure_of(model, inner);
    report(1);
    const std::vector<double> kept = model.arc_p.to_vector();
    for (std::size_t k = 0; k < removals.size(); ++k) {
        bool changed = false;
        for (ArcIndex arc : removals[k]) {
            const auto it = std::lower_bound(part.arcs.begin(), part.arcs.end(), arc);
            if (it == part.arcs.end() || *it != arc) continue;  // off every path: changes nothing
            model.arc_p[static_cast<std::size_t>(it - part.arcs.begin())] = 0.0;
            changed = true;
        }
        out.exposure.push_back(changed ? explain::exposure_of(model, inner) : out.base);
        model.arc_p = kept;
        report(2 + k);
    }
    out.low = out.high = out.exposure;
    return out;
}

}  // namespace datareach
