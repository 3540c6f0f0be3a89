// The part of the compiled graph that can change whether an adversary reaches a class: the
// arcs on some possible path from the adversary to a store holding the class, a path ending
// at the first holding store on it. Both importance engines read it, so they list the same
// variables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/search.hpp"

namespace datareach::explain {

struct RelevantPart {
    std::vector<NodeIndex> nodes;      // local -> graph node; the adversary is local 0
    std::vector<std::uint8_t> holds;   // per local node: holds the class (a path's end)
    std::vector<ArcIndex> arcs;        // per local arc: the compiled arc, ascending
    std::vector<std::int32_t> source;  // per local arc: local nodes
    std::vector<std::int32_t> target;
    // Per local arc, its random events (0 < p < 1) as local event indices, ascending.
    std::vector<std::int64_t> event_offsets{0};
    std::vector<std::int32_t> arc_events;
    std::vector<std::int32_t> events;  // local event -> graph event, ascending
    bool adversary_holds = false;      // exposed in every world: nothing can change it
    bool reachable = false;            // some holding store is possibly reachable

    std::size_t node_count() const { return nodes.size(); }
    std::size_t arc_count() const { return arcs.size(); }
    const std::int32_t* events_begin(std::size_t a) const { return arc_events.data() + event_offsets[a]; }
    const std::int32_t* events_end(std::size_t a) const { return arc_events.data() + event_offsets[a + 1]; }
};

inline bool random_probability(double p) { return p > 0.0 && p < 1.0; }

inline RelevantPart relevant_part(const CompiledGraph& graph, NodeIndex adversary, ClassIndex d) {
    RelevantPart part;
    const auto holds = [&](NodeIndex v) { return graph.presence_share(d, v) > 0.0; };
    const auto usable = [&](ArcIndex a) { return graph.admits(a, d) && graph.arc_possible(a); };
    if (holds(adversary)) {
        part.adversary_holds = part.reachable = true;
        part.nodes.push_back(adversary);
        part.holds.push_back(1);
        return part;
    }
    NodeSearch forward(graph.node_count());
    forward.seed(adversary);
    forward.run(graph, Direction::forward, ArcsAsked::to_unreached,
                [&](NodeIndex v, ArcIndex a, NodeIndex) { return !holds(v) && usable(a) ? Step::take : Step::skip; });
    NodeSearch backward(graph.node_count());
    for (NodeIndex v : forward.reached_nodes())
        if (holds(v)) backward.seed(v);
    backward.run(graph, Direction::reverse, ArcsAsked::to_unreached, [&](NodeIndex, ArcIndex a, NodeIndex u) {
        return forward.reached(u) && !holds(u) && usable(a) ? Step::take : Step::skip;
    });
    if (!backward.reached(adversary)) {
        part.nodes.push_back(adversary);
        part.holds.push_back(0);
        return part;
    }
    part.reachable = true;
    std::vector<std::int32_t> local(graph.node_count(), -1);
    for (NodeIndex v : forward.reached_nodes())  // breadth-first from the adversary
        if (backward.reached(v)) {
            local[v] = static_cast<std::int32_t>(part.nodes.size());
            part.nodes.push_back(v);
            part.holds.push_back(holds(v) ? 1 : 0);
        }
    for (NodeIndex v : part.nodes) {
        if (holds(v)) continue;
        for (ArcIndex a = graph.out_begin(v); a < graph.out_end(v); ++a) {
            const NodeIndex w = graph.arc_target(a);
            if (w != v && local[w] >= 0 && usable(a)) part.arcs.push_back(a);
        }
    }
    std::sort(part.arcs.begin(), part.arcs.end());
    std::vector<std::int32_t> event_local(graph.event_count(), -1);
    const auto& requires_ = graph.arc_requires();
    for (ArcIndex a : part.arcs)
        for (auto it = requires_.begin(static_cast<std::size_t>(a)); it != requires_.end(static_cast<std::size_t>(a));
             ++it)
            if (random_probability(graph.event_p(*it))) event_local[*it] = 0;
    for (std::int32_t e = 0; e < static_cast<std::int32_t>(graph.event_count()); ++e)
        if (event_local[e] == 0) {
            event_local[e] = static_cast<std::int32_t>(part.events.size());
            part.events.push_back(e);
        }
    for (ArcIndex a : part.arcs) {
        part.source.push_back(local[graph.arc_source(a)]);
        part.target.push_back(local[graph.arc_target(a)]);
        const auto first = part.arc_events.size();
        for (auto it = requires_.begin(static_cast<std::size_t>(a)); it != requires_.end(static_cast<std::size_t>(a));
             ++it)
            if (random_probability(graph.event_p(*it))) part.arc_events.push_back(event_local[*it]);
        std::sort(part.arc_events.begin() + static_cast<std::ptrdiff_t>(first), part.arc_events.end());
        part.arc_events.erase(
            std::unique(part.arc_events.begin() + static_cast<std::ptrdiff_t>(first), part.arc_events.end()),
            part.arc_events.end());
        part.event_offsets.push_back(static_cast<std::int64_t>(part.arc_events.size()));
    }
    return part;
}

}  // namespace datareach::explain
