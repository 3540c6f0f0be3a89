// The k most likely access paths (docs/design.md §2.6, §5a): a best-first search over
// partial paths, exact for the product of the distinct random variables on a path.
//
// Why not Dijkstra or Yen on per-arc weights: two arcs requiring one event share that
// event's factor, so a path's probability is not the product of per-arc numbers. What does
// hold is that extending a partial path multiplies its product of distinct variables by
// factors <= 1 (a new coin, and the events not yet on it). The queue is ordered by that
// product (as a sum of -log terms, which does not underflow); when a complete path is
// popped, every path still to come extends a partial path that is no more likely.
#include "datareach/paths.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/search.hpp"

namespace datareach {
namespace {

// One partial path: its last arc and the partial path it extends (a tree of prefixes, so
// a million partial paths cost a few tens of megabytes).
struct Partial {
    ArcIndex arc;         // -1 for the empty path at the adversary
    std::int64_t parent;  // -1 for the empty path
    NodeIndex node;       // where the path ends
    std::int32_t arcs;    // how many arcs it has
    double weight;        // -log of the product of its distinct random variables
};

double minus_log(double p) { return p >= 1.0 ? 0.0 : -std::log(p); }

// Nodes from which some store holding the class is possibly reachable over arcs admitting
// it: the only nodes worth extending a path into.
std::vector<std::uint8_t> leads_to_store(const CompiledGraph& graph, ClassIndex d) {
    NodeSearch search(graph.node_count());
    const auto& stores = graph.presence_stores();
    for (auto it = stores.begin(d); it != stores.end(d); ++it) search.seed(*it);
    search.run(graph, Direction::reverse, ArcsAsked::to_unreached, [&](NodeIndex, ArcIndex a, NodeIndex) {
        return graph.admits(a, d) && graph.arc_possible(a) ? Step::take : Step::skip;
    });
    std::vector<std::uint8_t> mask(graph.node_count(), 0);
    for (NodeIndex v : search.reached_nodes()) mask[v] = 1;
    return mask;
}

}  // namespace

void check_atomic_request(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class, const char* what) {
    if (adversary < 0 || static_cast<std::size_t>(adversary) >= graph.node_count())
        throw ModelError("adversary: no node #" + std::to_string(adversary));
    if (atomic_class < 0 || static_cast<std::size_t>(atomic_class) >= graph.class_count())
        throw ModelError("class: no class #" + std::to_string(atomic_class));
    if (graph.is_composite(atomic_class))
        throw ModelError("class: classes[" + std::to_string(atomic_class) + "] is composite; " + what +
                         ", ask for each component");
}

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

std::vector<AccessPath> most_likely_paths(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                          std::int64_t k, std::int64_t max_partial_paths) {
    check_atomic_request(graph, adversary, atomic_class, "a path reaches one store");
    if (k < 1) throw ModelError("k: must be >= 1, got " + std::to_string(k));
    std::vector<AccessPath> found;
    const ClassIndex d = atomic_class;
    if (graph.presence_stores().size(d) == 0) return found;
    if (graph.presence_share(d, adversary) > 0.0) {  // the adversary reaches itself
        found.push_back(AccessPath{{adversary}, {}, 1.0});
        return found;
    }
    const std::vector<std::uint8_t> useful = leads_to_store(graph, d);
    if (!useful[adversary]) return found;

    std::vector<Partial> pool;
    pool.push_back(Partial{-1, -1, adversary, 0, 0.0});
    // Most likely first; then fewer arcs; then the order built (the pool index).
    auto later = [&pool](std::int64_t x, std::int64_t y) {
        const Partial& a = pool[x];
        const Partial& b = pool[y];
        if (a.weight != b.weight) return a.weight > b.weight;
        if (a.arcs != b.arcs) return a.arcs > b.arcs;
        return x > y;
    };
    std::priority_queue<std::int64_t, std::vector<std::int64_t>, decltype(later)> queue(later);
    queue.push(0);

    const auto& requires_of = graph.arc_requires();
    std::vector<std::int32_t> events;  // the events on the popped path
    std::vector<NodeIndex> on_path;    // its nodes
    while (!queue.empty() && static_cast<std::int64_t>(found.size()) < k) {
        const std::int64_t top = queue.top();
        queue.pop();
        const Partial here = pool[top];
        if (here.arc >= 0 && graph.presence_share(d, here.node) > 0.0) {  // complete: it ends at a store
            AccessPath path;
            for (std::int64_t p = top; pool[p].arc >= 0; p = pool[p].parent) path.arcs.push_back(pool[p].arc);
            std::reverse(path.arcs.begin(), path.arcs.end());
            path.nodes.push_back(adversary);
            for (ArcIndex a : path.arcs) path.nodes.push_back(graph.arc_target(a));
            path.probability = path_probability(graph, path.arcs);
            found.push_back(std::move(path));
            continue;
        }
        events.clear();
        on_path.clear();
        for (std::int64_t p = top;; p = pool[p].parent) {
            on_path.push_back(pool[p].node);
            if (pool[p].arc < 0) break;
            events.insert(events.end(), requires_of.begin(pool[p].arc), requires_of.end(pool[p].arc));
        }
        std::sort(events.begin(), events.end());
        std::sort(on_path.begin(), on_path.end());
        for (ArcIndex a = graph.out_begin(here.node); a < graph.out_end(here.node); ++a) {
            const NodeIndex w = graph.arc_target(a);
            if (!useful[w] || !graph.admits(a, d) || !graph.arc_possible(a)) continue;
            if (std::binary_search(on_path.begin(), on_path.end(), w)) continue;  // simple paths only
            double weight = here.weight + minus_log(graph.arc_p(a));
            for (auto it = requires_of.begin(a); it != requires_of.end(a); ++it) {
                if (std::binary_search(events.begin(), events.end(), *it)) continue;  // counted once
                // An arc requiring one event twice counts it once too.
                if (std::find(requires_of.begin(a), it, *it) != it) continue;
                weight += minus_log(graph.event_p(*it));
            }
            if (static_cast<std::int64_t>(pool.size()) >= max_partial_paths)
                throw ModelError("k: the search for the " + std::to_string(k) + " most likely paths built more than " +
                                 std::to_string(max_partial_paths) +
                                 " partial paths; ask for fewer paths or raise max_expansions");
            pool.push_back(Partial{a, top, w, here.arcs + 1, weight});
            queue.push(static_cast<std::int64_t>(pool.size()) - 1);
        }
    }
    return found;
}

std::optional<AccessPath> most_likely_path(const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
                                           std::int64_t max_partial_paths) {
    auto paths = most_likely_paths(graph, adversary, atomic_class, 1, max_partial_paths);
    if (paths.empty()) return std::nullopt;
    return std::move(paths.front());
}

}  // namespace datareach
