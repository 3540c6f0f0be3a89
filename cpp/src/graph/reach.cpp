// Deterministic reach (docs/design.md §2.6): what an adversary can possibly and certainly
// reach, without sampling. It is the cheap first answer and what the engines use to give a
// settled score its exact value; one search per filter group and mode serves every class.
#include "datareach/reach.hpp"

#include <algorithm>
#include <vector>

#include "datareach/search.hpp"

namespace datareach {
namespace {

void search_class(const CompiledGraph& graph, NodeSearch& search, NodeIndex source, ClassIndex atomic_class,
                  ReachMode mode) {
    search.restart();
    search.seed(source);
    search.run(graph, Direction::forward, ArcsAsked::to_unreached, [&](NodeIndex, ArcIndex a, NodeIndex) {
        const bool live = mode == ReachMode::possible ? graph.arc_possible(a) : graph.arc_certain(a);
        return live && graph.admits(a, atomic_class) ? Step::take : Step::skip;
    });
}

}  // namespace

std::vector<std::uint8_t> reachable_nodes(const CompiledGraph& graph, NodeIndex source, ClassIndex atomic_class,
                                          ReachMode mode) {
    NodeSearch search(graph.node_count());
    search_class(graph, search, source, atomic_class, mode);
    std::vector<std::uint8_t> reached(graph.node_count(), 0);
    for (NodeIndex v : search.reached_nodes()) reached[v] = 1;
    return reached;
}

ReachTable reach(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries) {
    const auto classes = static_cast<ClassIndex>(graph.class_count());
    const auto& stores = graph.presence_stores();
    ReachTable table;
    NodeSearch search(graph.node_count());

    for (NodeIndex adversary : adversaries) {
        // Per mode, the stores reached per atomic class.
        std::vector<std::vector<std::int32_t>> reached_stores[2];
        for (int m = 0; m < 2; ++m) {
            const auto mode = m == 0 ? ReachMode::possible : ReachMode::certain;
            auto& per_class = reached_stores[m];
            per_class.assign(classes, {});
            for (std::size_t group = 0; group < graph.filter_group_count(); ++group) {
                search_class(graph, search, adversary, graph.group_representative(group), mode);
                for (ClassIndex d : graph.filter_groups().row(group))
                    for (auto it = stores.begin(d); it != stores.end(d); ++it)
                        if (search.reached(*it)) per_class[d].push_back(*it);
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
