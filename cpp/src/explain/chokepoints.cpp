// Chokepoints (docs/design.md §5a): the dominator chain of a virtual sink joined from every
// store holding the class, by Boost.Graph's Lengauer–Tarjan on a bidirectional graph of the
// reached part of the compiled graph.
#include "datareach/chokepoints.hpp"

#include <algorithm>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dominator_tree.hpp>
#include <boost/property_map/property_map.hpp>

#include "datareach/paths.hpp"
#include "subgraph.hpp"

namespace datareach {

Chokepoints chokepoints(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) {
    check_atomic_request(graph, adversary, atomic_class, "chokepoints are found per store-holding class");
    const explain::ReachedSubgraph sub = explain::reached_subgraph(graph, adversary, atomic_class);
    Chokepoints out;
    out.reachable = sub.reaches_store;
    if (!sub.reaches_store) return out;

    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
    using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
    Graph g(sub.nodes.size() + 1);
    std::vector<std::int64_t> arcs_in(sub.nodes.size(), 0);
    for (ArcIndex a : sub.arcs) {
        const auto to = sub.local[graph.arc_target(a)];
        boost::add_edge(static_cast<Vertex>(sub.local[graph.arc_source(a)]), static_cast<Vertex>(to), g);
        ++arcs_in[to];
    }
    for (std::size_t i = 0; i < sub.nodes.size(); ++i)
        if (graph.presence_share(atomic_class, sub.nodes[i]) > 0.0)
            boost::add_edge(static_cast<Vertex>(i), static_cast<Vertex>(sub.sink), g);

    std::vector<Vertex> idom(boost::num_vertices(g), boost::graph_traits<Graph>::null_vertex());
    auto idom_map = boost::make_iterator_property_map(idom.begin(), boost::get(boost::vertex_index, g));
    boost::lengauer_tarjan_dominator_tree(g, static_cast<Vertex>(0), idom_map);

    for (Vertex v = idom[static_cast<Vertex>(sub.sink)]; v != 0 && v != boost::graph_traits<Graph>::null_vertex();
         v = idom[v]) {
        out.nodes.push_back(sub.nodes[v]);
        out.arcs_in.push_back(arcs_in[v]);
    }
    std::reverse(out.nodes.begin(), out.nodes.end());
    std::reverse(out.arcs_in.begin(), out.arcs_in.end());
    return out;
}

}  // namespace datareach
