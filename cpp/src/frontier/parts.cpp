// Independent parts of a frontier pass (see parts.hpp): a union-find over the run's nodes
// (the adversary left out) and random variables, joined by every arc.
#include "parts.hpp"

#include "../exact/disjoint_sets.hpp"

namespace datareach::frontier {

std::vector<std::vector<int>> independent_parts(const exact::PrunedRun& run, const std::vector<int>& order,
                                                const std::vector<std::vector<int>>& joins) {
    const int n = static_cast<int>(run.node_count());
    // Elements: node v (v >= 1) is v, variable x is n + x; the adversary (0) joins nothing.
    exact::DisjointSets sets(n + run.var_count());
    std::vector<int> kept;  // the arcs of `order` that count, and one element of each
    std::vector<int> element;
    for (int a : order) {
        if (run.target[a] == 0) continue;
        const int head = run.target[a];
        if (run.source[a] != 0) sets.join(run.source[a], head);
        for (int j = run.arc_var_offsets[a]; j < run.arc_var_offsets[a + 1]; ++j) sets.join(n + run.arc_vars[j], head);
        kept.push_back(a);
        element.push_back(head);
    }
    for (const auto& nodes : joins) {
        int first = -1;
        for (int v : nodes) {
            if (v <= 0) continue;
            if (first < 0)
                first = v;
            else
                sets.join(v, first);
        }
    }
    std::vector<std::vector<int>> parts;
    std::vector<int> part_of_root(sets.size(), -1);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        const int root = sets.find(element[i]);
        if (part_of_root[root] < 0) {
            part_of_root[root] = static_cast<int>(parts.size());
            parts.emplace_back();
        }
        parts[part_of_root[root]].push_back(kept[i]);
    }
    return parts;
}

}  // namespace datareach::frontier
