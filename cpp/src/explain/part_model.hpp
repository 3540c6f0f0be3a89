// The relevant part of the graph (relevant_part.hpp) as a model of its own, for the exact
// explanations: one atomic class held by the part's holding stores, its arcs explicit (rule
// arcs included, as the arcs they compiled to), its random events kept. The exact engine
// solves it as it is or with some p fixed: conditioning through the engine itself keeps one
// definition of the exposure.
#pragma once

#include <limits>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exact.hpp"
#include "datareach/model_data.hpp"
#include "relevant_part.hpp"

namespace datareach::explain {

inline ModelData part_as_model(const CompiledGraph& graph, const explain::RelevantPart& part) {
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

inline double exposure_of(const ModelData& m, const ExactOptions& options) {
    const CompiledGraph g = CompiledGraph::compile(m);
    return exact_exposure(g, {0}, options).probability(0, 0);
}

}  // namespace datareach::explain
