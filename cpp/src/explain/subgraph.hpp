// The part of the compiled graph the explanations work on: the nodes an adversary can
// possibly reach over arcs admitting a class, renumbered densely, plus a virtual sink.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/search.hpp"

namespace datareach::explain {

struct ReachedSubgraph {
    std::vector<NodeIndex> nodes;     // local index -> graph node; the adversary is local 0
    std::vector<std::int32_t> local;  // graph node -> local index, -1 if not reached
    std::vector<ArcIndex> arcs;       // the usable arcs between reached nodes, ascending
    std::int32_t sink = 0;            // local index of the virtual sink (== nodes.size())
    bool reaches_store = false;       // some reached node holds the class
};

inline bool usable(const CompiledGraph& graph, ArcIndex a, ClassIndex d) {
    return graph.admits(a, d) && graph.arc_possible(a);
}

inline ReachedSubgraph reached_subgraph(const CompiledGraph& graph, NodeIndex adversary, ClassIndex d) {
    NodeSearch search(graph.node_count());
    search.seed(adversary);
    search.run(graph, Direction::forward, ArcsAsked::to_unreached,
               [&](NodeIndex, ArcIndex a, NodeIndex) { return usable(graph, a, d) ? Step::take : Step::skip; });
    ReachedSubgraph sub;
    sub.nodes = search.reached_nodes();
    sub.local.assign(graph.node_count(), -1);
    for (std::size_t i = 0; i < sub.nodes.size(); ++i) sub.local[sub.nodes[i]] = static_cast<std::int32_t>(i);
    for (NodeIndex v : sub.nodes) {
        if (graph.presence_share(d, v) > 0.0) sub.reaches_store = true;
        for (ArcIndex a = graph.out_begin(v); a < graph.out_end(v); ++a)
            if (usable(graph, a, d)) sub.arcs.push_back(a);  // its target is reached too
    }
    std::sort(sub.arcs.begin(), sub.arcs.end());
    sub.sink = static_cast<std::int32_t>(sub.nodes.size());
    return sub;
}

}  // namespace datareach::explain
