// Splitting the exact problem into independent runs (see plan.hpp): a union-find over the
// compiled graph's filter groups, joined by composites.
#include "plan.hpp"

#include "disjoint_sets.hpp"

namespace datareach::exact {

RunPlan plan_runs(const CompiledGraph& graph) {
    const auto classes = static_cast<ClassIndex>(graph.class_count());
    const auto& atoms = graph.class_atoms();
    const int groups = static_cast<int>(graph.filter_group_count());
    DisjointSets sets(groups);
    std::vector<ClassIndex> composites;
    for (ClassIndex c = 0; c < classes; ++c) {
        if (!graph.is_composite(c) || atoms.size(c) == 0) continue;
        bool complete = true;
        for (ClassIndex d : atoms.row(c)) complete = complete && graph.filter_group_of(d) >= 0;
        if (!complete) continue;  // some part is held nowhere: X_c = 0 in every world
        composites.push_back(c);
        const int first = sets.find(graph.filter_group_of(*atoms.begin(c)));
        for (ClassIndex d : atoms.row(c)) sets.join(graph.filter_group_of(d), first);
    }
    RunPlan plan;
    std::vector<int> run_of_root(groups, -1);
    std::vector<int> run_of_group(groups);
    for (int group = 0; group < groups; ++group) {
        const int root = sets.find(group);
        if (run_of_root[root] < 0) {
            run_of_root[root] = static_cast<int>(plan.groups.size());
            plan.groups.emplace_back();
            plan.classes.emplace_back();
            plan.composites.emplace_back();
        }
        run_of_group[group] = run_of_root[root];
        plan.groups[run_of_group[group]].push_back(group);
    }
    for (ClassIndex d = 0; d < classes; ++d)
        if (graph.filter_group_of(d) >= 0) plan.classes[run_of_group[graph.filter_group_of(d)]].push_back(d);
    for (ClassIndex c : composites) plan.composites[run_of_group[graph.filter_group_of(*atoms.begin(c))]].push_back(c);
    return plan;
}

}  // namespace datareach::exact
