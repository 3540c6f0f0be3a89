// The cheapest cut (docs/design.md §5a): Boost.Graph's Boykov–Kolmogorov max-flow over node
// pairs of the reached part of the compiled graph, a virtual sink joined from every store
// holding the class. Uncuttable pairs (a rule arc, an arc of infinite cost) get a capacity
// above the sum of every finite one, once it is known that some finite cut exists.
#include "datareach/cut.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/boykov_kolmogorov_max_flow.hpp>

#include "datareach/errors.hpp"
#include "datareach/paths.hpp"
#include "subgraph.hpp"

namespace datareach {
namespace {

constexpr double infinite = std::numeric_limits<double>::infinity();

// Is the sink reachable over uncuttable pairs alone? Then no finite cut exists.
bool uncuttable_path(std::int32_t vertices, std::int32_t sink,
                     const std::map<std::pair<std::int32_t, std::int32_t>, double>& capacity) {
    std::vector<std::vector<std::int32_t>> out(static_cast<std::size_t>(vertices));
    for (const auto& [pair, c] : capacity)
        if (c == infinite) out[pair.first].push_back(pair.second);
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(vertices), 0);
    std::vector<std::int32_t> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
        const auto v = stack.back();
        stack.pop_back();
        if (v == sink) return true;
        for (auto w : out[v])
            if (!seen[w]) seen[w] = 1, stack.push_back(w);
    }
    return false;
}

}  // namespace

Cut cheapest_cut(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                 const std::vector<double>& access_cost) {
    check_atomic_request(graph, adversary, atomic_class, "a cut is found per store-holding class");
    const explain::ReachedSubgraph sub = explain::reached_subgraph(graph, adversary, atomic_class);
    Cut cut;
    cut.reachable = sub.reaches_store;
    if (!sub.reaches_store) return cut;                         // nothing to cut: cost 0
    if (graph.presence_share(atomic_class, adversary) > 0.0) {  // the adversary reaches itself
        cut.cost = infinite;
        return cut;
    }

    // Capacity per local node pair: explicit arcs' costs add; a rule arc or an infinite cost
    // makes the pair uncuttable.
    std::map<std::pair<std::int32_t, std::int32_t>, double> capacity;
    for (ArcIndex a : sub.arcs) {
        const std::int64_t origin = graph.arc_origin(a);
        double c = infinite;
        if (!is_jurisdiction_origin(origin)) {
            if (static_cast<std::size_t>(origin) >= access_cost.size())
                throw ModelError("access_cost: " + std::to_string(access_cost.size()) +
                                 " costs for an arc of access row " + std::to_string(origin));
            c = access_cost[static_cast<std::size_t>(origin)];
            if (!(c > 0.0))
                throw ModelError("access[" + std::to_string(origin) + "].cost: must be > 0, got " + std::to_string(c));
        }
        capacity[{sub.local[graph.arc_source(a)], sub.local[graph.arc_target(a)]}] += c;
    }
    for (std::size_t i = 0; i < sub.nodes.size(); ++i)
        if (graph.presence_share(atomic_class, sub.nodes[i]) > 0.0)
            capacity[{static_cast<std::int32_t>(i), sub.sink}] = infinite;
    const std::int32_t vertices = sub.sink + 1;
    if (uncuttable_path(vertices, sub.sink, capacity)) {
        cut.cost = infinite;
        return cut;
    }
    double finite_total = 0.0;
    for (const auto& [pair, c] : capacity)
        if (c != infinite) finite_total += c;
    const double big = 2.0 * finite_total + 1.0;  // more than any cut of finite pairs

    using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
    using Graph = boost::adjacency_list<
        boost::vecS, boost::vecS, boost::directedS,
        boost::property<boost::vertex_color_t, boost::default_color_type,
                        boost::property<boost::vertex_distance_t, long,
                                        boost::property<boost::vertex_predecessor_t, Traits::edge_descriptor>>>,
        boost::property<boost::edge_capacity_t, double,
                        boost::property<boost::edge_residual_capacity_t, double,
                                        boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
    Graph g(static_cast<std::size_t>(vertices));
    auto cap = boost::get(boost::edge_capacity, g);
    auto reverse = boost::get(boost::edge_reverse, g);
    for (const auto& [pair, c] : capacity) {
        const auto e = boost::add_edge(pair.first, pair.second, g).first;
        const auto r = boost::add_edge(pair.second, pair.first, g).first;
        cap[e] = c == infinite ? big : c;
        cap[r] = 0.0;
        reverse[e] = r;
        reverse[r] = e;
    }
    boost::boykov_kolmogorov_max_flow(g, 0, sub.sink);

    // The source side is the search tree the algorithm grew from the source (black).
    auto color = boost::get(boost::vertex_color, g);
    const auto black = boost::color_traits<boost::default_color_type>::black();
    if (color[sub.sink] == black) throw ModelError("internal: the cut did not separate the sink");
    cut.cost = 0.0;
    for (const auto& [pair, c] : capacity) {
        if (color[pair.first] != black || color[pair.second] == black) continue;
        if (c == infinite) throw ModelError("internal: the cut crosses an uncuttable pair");
        cut.pairs.emplace_back(sub.nodes[pair.first], sub.nodes[pair.second]);
        cut.cost += c;
    }
    std::sort(cut.pairs.begin(), cut.pairs.end());
    for (ArcIndex a : sub.arcs)
        if (std::binary_search(cut.pairs.begin(), cut.pairs.end(),
                               std::make_pair(graph.arc_source(a), graph.arc_target(a))))
            cut.arcs.push_back(a);
    return cut;
}

}  // namespace datareach
