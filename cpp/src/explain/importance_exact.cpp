// Exact importance (datareach/importance.hpp): the relevant part of the graph becomes a model
// of its own (one atomic class held by the part's holding stores, its arcs explicit, its
// random events kept), which the exact engine solves as it is and then with each variable
// fixed up and down. Conditioning through the engine itself keeps one definition of the
// exposure: there is no second exact algorithm to disagree with the first.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "datareach/errors.hpp"
#include "datareach/importance.hpp"
#include "datareach/paths.hpp"
#include "part_model.hpp"
#include "relevant_part.hpp"

namespace datareach {

using explain::exposure_of;
using explain::part_as_model;

Importance exact_importance(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                            const ExactOptions& options) {
    check_atomic_request(graph, adversary, atomic_class, "importance is computed per stored class");
    const explain::RelevantPart part = explain::relevant_part(graph, adversary, atomic_class);
    Importance out;
    out.method = "exact";
    out.exposure = out.exposure_low = out.exposure_high = part.adversary_holds ? 1.0 : 0.0;
    if (!part.reachable || part.adversary_holds) return out;

    ModelData model = part_as_model(graph, part);
    // The inner runs report nothing themselves; progress counts conditioned models instead.
    ExactOptions inner = options;
    inner.places = false;
    inner.progress = nullptr;
    inner.stats = nullptr;

    std::vector<std::pair<double*, std::size_t>> variables;  // the p to fix, and its row
    for (std::size_t a = 0; a < part.arc_count(); ++a)
        if (explain::random_probability(model.arc_p[a])) {
            out.arc.push_back(part.arcs[a]);
            out.event.push_back(-1);
            out.p.push_back(model.arc_p[a]);
            variables.emplace_back(&model.arc_p[a], out.p.size() - 1);
        }
    for (std::size_t e = 0; e < part.events.size(); ++e) {
        out.arc.push_back(-1);
        out.event.push_back(part.events[e]);
        out.p.push_back(model.event_p[e]);
        variables.emplace_back(&model.event_p[e], out.p.size() - 1);
    }
    const std::size_t n = out.p.size();
    out.importance.assign(n, 0.0);
    out.removed.assign(n, 0.0);

    const std::uint64_t total = 1 + n;
    auto report = [&](std::uint64_t done) {
        if (options.progress && !options.progress(done, total)) throw ExactCancelled();
    };
    out.exposure = out.exposure_low = out.exposure_high = exposure_of(model, inner);
    report(1);
    for (std::size_t k = 0; k < n; ++k) {
        double* p = variables[k].first;
        const double kept = *p;
        *p = 1.0;
        const double up = exposure_of(model, inner);
        *p = 0.0;
        const double down = exposure_of(model, inner);
        *p = kept;
        // Reach is monotone in every variable, so up >= down; rounding may leave -1e-17.
        out.importance[k] = std::max(0.0, up - down);
        out.removed[k] = down;
        report(2 + k);
    }
    out.importance_low = out.importance_high = out.importance;
    out.removed_low = out.removed_high = out.removed;
    return out;
}

}  // namespace datareach
