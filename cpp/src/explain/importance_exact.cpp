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
#include "relevant_part.hpp"

namespace datareach {
namespace {

ModelData part_as_model(const CompiledGraph& graph, const explain::RelevantPart& part) {
    ModelData m;
    const double no_rule = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t v = 0; v < part.node_count(); ++v) {
        m.node_kind.push_back(part.holds[v] ? NodeKind::store : NodeKind::role);
        m.node_region.push_back(-1);
        m.node_territory.push_back(-1);
        m.node_compels.push_back(no_rule);
        if (part.holds[v]) {
            m.placement_class.push_back(0);
            m.placement_store.push_back(static_cast<std::int32_t>(v));
            m.placement_share.push_back(1.0);
            m.placement_window.push_back({});
        }
    }
    m.class_sensitivity.push_back(1.0);
    m.class_records.push_back(1.0);
    m.class_components.push_row({});
    for (std::int32_t e : part.events) m.event_p.push_back(graph.event_p(e));
    for (std::size_t a = 0; a < part.arc_count(); ++a) {
        m.arc_from.push_back(part.source[a]);
        m.arc_to.push_back(part.target[a]);
        m.arc_p.push_back(graph.arc_p(part.arcs[a]));
        m.arc_cost.push_back(1.0);
        m.arc_window.push_back({});
        m.arc_classes.push_row({});
        m.arc_requires.push_row(std::vector<std::int32_t>(part.events_begin(a), part.events_end(a)));
    }
    return m;
}

double exposure_of(const ModelData& m, const ExactOptions& options) {
    const CompiledGraph g = CompiledGraph::compile(m);
    return exact_exposure(g, {0}, options).probability(0, 0);
}

}  // namespace

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
