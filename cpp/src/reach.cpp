#include "datareach/reach.hpp"

#include <algorithm>
#include <vector>

namespace datareach {
namespace {

// Breadth-first search straight over the CSR arrays: the inner loop of every deterministic
// view, so it avoids property-map indirection.
template <class ArcUsable>
void search_from(const CompiledGraph& graph, NodeIndex source, std::vector<std::uint8_t>& reached, ArcUsable&& usable) {
    std::vector<NodeIndex> frontier{source};
    reached[source] = 1;
    while (!frontier.empty()) {
        const NodeIndex v = frontier.back();
        frontier.pop_back();
        for (ArcIndex a = graph.out_begin(v); a < graph.out_end(v); ++a) {
            const NodeIndex t = graph.arc_target(a);
            if (reached[t] || !usable(a)) continue;
            reached[t] = 1;
            frontier.push_back(t);
        }
    }
}

// Atomic classes that no filter names are admitted by exactly the unfiltered arcs, so they
// share one search; each named class needs its own. Returns the representative per class.
std::vector<ClassIndex> search_representatives(const CompiledGraph& graph) {
    const auto classes = static_cast<ClassIndex>(graph.class_count());
    std::vector<std::uint8_t> named(classes, 0);
    for (auto c : graph.arc_classes().values) named[c] = 1;
    std::vector<ClassIndex> representative(classes, -1);
    ClassIndex shared = -1;
    for (ClassIndex d = 0; d < classes; ++d) {
        if (graph.is_composite(d)) continue;
        if (named[d])
            representative[d] = d;
        else {
            if (shared < 0) shared = d;
            representative[d] = shared;
        }
    }
    return representative;
}

}  // namespace

std::vector<std::uint8_t> reachable_nodes(const CompiledGraph& graph, NodeIndex source, ClassIndex atomic_class,
                                          ReachMode mode) {
    std::vector<std::uint8_t> reached(graph.node_count(), 0);
    if (mode == ReachMode::possible)
        search_from(graph, source, reached,
                    [&](ArcIndex a) { return graph.admits(a, atomic_class) && graph.arc_possible(a); });
    else
        search_from(graph, source, reached,
                    [&](ArcIndex a) { return graph.admits(a, atomic_class) && graph.arc_certain(a); });
    return reached;
}

ReachTable reach(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries) {
    const auto classes = static_cast<ClassIndex>(graph.class_count());
    const auto representative = search_representatives(graph);
    const auto& stores = graph.presence_stores();
    ReachTable table;

    for (NodeIndex adversary : adversaries) {
        // Per mode, the stores reached per atomic class.
        std::vector<std::vector<std::int32_t>> reached_stores[2];
        for (int m = 0; m < 2; ++m) {
            const auto mode = m == 0 ? ReachMode::possible : ReachMode::certain;
            auto& per_class = reached_stores[m];
            per_class.assign(classes, {});
            std::vector<std::vector<std::uint8_t>> masks(classes);
            for (ClassIndex d = 0; d < classes; ++d) {
                if (graph.is_composite(d) || stores.size(d) == 0) continue;
                auto& mask = masks[representative[d]];
                if (mask.empty()) mask = reachable_nodes(graph, adversary, representative[d], mode);
                for (auto it = stores.begin(d); it != stores.end(d); ++it)
                    if (mask[*it]) per_class[d].push_back(*it);
            }
        }
        for (ClassIndex c = 0; c < classes; ++c) {
            bool exposed[2] = {true, true};
            std::vector<std::int32_t> union_stores[2];
            for (auto it = graph.class_atoms().begin(c); it != graph.class_atoms().end(c); ++it) {
                for (int m = 0; m < 2; ++m) {
                    const auto& row = reached_stores[m][*it];
                    exposed[m] = exposed[m] && !row.empty();
                    union_stores[m].insert(union_stores[m].end(), row.begin(), row.end());
                }
            }
            // A composite without components is never exposed (nothing to assemble).
            if (graph.class_atoms().size(c) == 0) exposed[0] = exposed[1] = false;
            for (int m = 0; m < 2; ++m) {
                auto& row = union_stores[m];
                if (!exposed[m]) row.clear();
                std::sort(row.begin(), row.end());
                row.erase(std::unique(row.begin(), row.end()), row.end());
            }
            table.adversary.push_back(adversary);
            table.class_index.push_back(c);
            table.possible.push_back(exposed[0]);
            table.certain.push_back(exposed[1]);
            table.possible_stores.push_row(union_stores[0]);
            table.certain_stores.push_row(union_stores[1]);
        }
    }
    return table;
}

}  // namespace datareach
