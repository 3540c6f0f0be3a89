// The most likely access path (docs/design.md §2.6): the single route an analyst can act on.
// Boost.Graph's Dijkstra runs over a CSR graph built from the compiled graph's own arrays
// (arc indices preserved, so ties break as in the compiled order).
#include "datareach/paths.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/property_map/function_property_map.hpp>

#include "datareach/errors.hpp"

namespace datareach {
namespace {

// Arc attributes stay in the compiled graph's arrays; the Boost graph carries only the edge
// index (which compressed_sparse_row_graph provides), equal to the compiled arc index.
using ArcGraph = boost::compressed_sparse_row_graph<boost::directedS>;
using Edge = boost::graph_traits<ArcGraph>::edge_descriptor;

ArcGraph boost_graph(const CompiledGraph& graph) {
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    edges.reserve(graph.arc_count());
    for (std::size_t a = 0; a < graph.arc_count(); ++a)
        edges.emplace_back(graph.arc_source(static_cast<ArcIndex>(a)), graph.arc_target(static_cast<ArcIndex>(a)));
    return ArcGraph(boost::edges_are_sorted, edges.begin(), edges.end(), graph.node_count());
}

// -log of the arc's live probability, summed term by term so that it stays finite (and
// exact up to rounding) where the product itself would underflow.
double arc_weight(const CompiledGraph& graph, ArcIndex a) {
    double weight = -std::log(graph.arc_p(a));
    const auto& needed = graph.arc_requires();
    for (auto it = needed.begin(a); it != needed.end(a); ++it) weight -= std::log(graph.event_p(*it));
    return weight;
}

// Lets through the arcs that can carry the class in some world.
struct UsableFor {
    const CompiledGraph* graph = nullptr;
    const ArcGraph* arcs = nullptr;
    ClassIndex atomic_class = 0;
    bool operator()(const Edge& e) const {
        const auto a = static_cast<ArcIndex>(boost::get(boost::edge_index, *arcs, e));
        return graph->admits(a, atomic_class) && graph->arc_possible(a);
    }
};

struct SearchDone {};

// Dijkstra reports vertices only; parallel arcs need the edge that won each node. The search
// ends once every node as near as the nearest store holding the class is settled: the rest
// of the graph cannot change the answer (ties included), and on a big graph the nearest
// store is usually a few hops away.
struct RecordWinningArc : boost::default_dijkstra_visitor {
    std::vector<ArcIndex>* winner;
    const ArcGraph* graph;
    const std::vector<std::uint8_t>* holds;
    const std::vector<double>* distance;
    double* nearest;  // distance of the nearest store settled so far (infinity: none yet)
    template <class G>
    void edge_relaxed(const Edge& e, const G&) const {
        (*winner)[boost::target(e, *graph)] = static_cast<ArcIndex>(boost::get(boost::edge_index, *graph, e));
    }
    template <class V, class G>
    void examine_vertex(V v, const G&) const {
        const double d = (*distance)[v];
        if (d > *nearest) throw SearchDone{};
        if ((*holds)[v]) *nearest = d;
    }
};

}  // namespace

double path_probability(const CompiledGraph& graph, const std::vector<ArcIndex>& arcs) {
    double probability = 1.0;
    std::vector<std::int32_t> events;
    for (ArcIndex a : arcs) {
        probability *= graph.arc_p(a);
        const auto& req = graph.arc_requires();
        events.insert(events.end(), req.begin(a), req.end(a));
    }
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    for (auto e : events) probability *= graph.event_p(e);
    return probability;
}

std::optional<AccessPath> most_likely_path(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) {
    if (adversary < 0 || static_cast<std::size_t>(adversary) >= graph.node_count())
        throw ModelError("adversary: no node #" + std::to_string(adversary));
    if (atomic_class < 0 || static_cast<std::size_t>(atomic_class) >= graph.class_count())
        throw ModelError("class: no class #" + std::to_string(atomic_class));
    if (graph.is_composite(atomic_class))
        throw ModelError("class: classes[" + std::to_string(atomic_class) +
                         "] is composite; a path reaches one store, ask for each component");

    const auto& stores = graph.presence_stores();
    if (stores.size(atomic_class) == 0) return std::nullopt;

    const ArcGraph g = boost_graph(graph);
    const std::size_t n = graph.node_count();
    boost::filtered_graph<ArcGraph, UsableFor> usable(g, UsableFor{&graph, &g, atomic_class});
    std::vector<double> distance(n, std::numeric_limits<double>::infinity());
    std::vector<ArcIndex> winner(n, -1);
    std::vector<std::uint8_t> holds(n, 0);
    for (auto it = stores.begin(atomic_class); it != stores.end(atomic_class); ++it) holds[*it] = 1;
    double nearest = std::numeric_limits<double>::infinity();
    auto weight = boost::make_function_property_map<Edge, double>(
        [&](const Edge& e) { return arc_weight(graph, static_cast<ArcIndex>(boost::get(boost::edge_index, g, e))); });
    try {
        boost::dijkstra_shortest_paths(
            usable, static_cast<std::size_t>(adversary),
            boost::weight_map(weight)
                .distance_inf(std::numeric_limits<double>::infinity())
                .distance_map(boost::make_iterator_property_map(distance.begin(), boost::get(boost::vertex_index, g)))
                .visitor(RecordWinningArc{{}, &winner, &g, &holds, &distance, &nearest}));
    } catch (const SearchDone&) {
        // Every node with distance <= nearest is settled; others keep tentative distances
        // above it, so the choice below is the one a full search would make.
    }

    // The nearest store holding the class; ties go to the lower node index.
    NodeIndex target = -1;
    for (auto it = stores.begin(atomic_class); it != stores.end(atomic_class); ++it)
        if (distance[*it] <= nearest && distance[*it] < std::numeric_limits<double>::infinity() &&
            (target < 0 || distance[*it] < distance[target]))
            target = *it;
    if (target < 0) return std::nullopt;

    AccessPath path;
    for (NodeIndex v = target; v != adversary; v = graph.arc_source(winner[v])) path.arcs.push_back(winner[v]);
    std::reverse(path.arcs.begin(), path.arcs.end());
    path.nodes.push_back(adversary);
    for (ArcIndex a : path.arcs) path.nodes.push_back(graph.arc_target(a));
    path.probability = path_probability(graph, path.arcs);
    return path;
}

}  // namespace datareach
