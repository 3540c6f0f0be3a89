// Independent parts of a frontier pass (see parts.hpp): a union-find over the run's nodes
// (the adversary left out) and random variables, joined by every arc.
#include "parts.hpp"

#include <numeric>

namespace datareach::frontier {
namespace {

int find_root(std::vector<int>& parent, int x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

void join(std::vector<int>& parent, int a, int b) { parent[find_root(parent, a)] = find_root(parent, b); }

}  // namespace

std::vector<std::vector<int>> independent_parts(const exact::PrunedRun& run, const std::vector<int>& order,
                                                const std::vector<std::vector<int>>& joins) {
    const int n = static_cast<int>(run.node_count());
    // Elements: node v (v >= 1) is v, variable x is n + x; the adversary (0) joins nothing.
    std::vector<int> parent(n + run.var_count());
    std::iota(parent.begin(), parent.end(), 0);
    std::vector<int> kept;  // the arcs of `order` that count, and one element of each
    std::vector<int> element;
    for (int a : order) {
        if (run.target[a] == 0) continue;
        const int head = run.target[a];
        if (run.source[a] != 0) join(parent, run.source[a], head);
        for (int j = run.arc_var_offsets[a]; j < run.arc_var_offsets[a + 1]; ++j)
            join(parent, n + run.arc_vars[j], head);
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
                join(parent, v, first);
        }
    }
    std::vector<std::vector<int>> parts;
    std::vector<int> part_of_root(parent.size(), -1);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        const int root = find_root(parent, element[i]);
        if (part_of_root[root] < 0) {
            part_of_root[root] = static_cast<int>(parts.size());
            parts.emplace_back();
        }
        parts[part_of_root[root]].push_back(kept[i]);
    }
    return parts;
}

}  // namespace datareach::frontier
