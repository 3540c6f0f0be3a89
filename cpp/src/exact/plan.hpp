// Which classes the exact engine factors together. Classes that the same arcs admit share a
// filter group (one reach computation serves them); a composite class needs its atoms in the
// same world, so it joins their groups into one run. Runs are independent problems: solving
// them apart keeps each one's variable count, and so its cost, as small as possible.
#pragma once

#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::exact {

struct RunPlan {
    // Per run: its filter groups (ascending), its atomic classes (sorted) and the composites
    // whose atoms are all held somewhere (X = 0 in every world otherwise: nothing to solve).
    std::vector<std::vector<int>> groups;
    std::vector<std::vector<ClassIndex>> classes;
    std::vector<std::vector<ClassIndex>> composites;
    std::size_t run_count() const { return groups.size(); }
};

// Adversary-independent: computed once per call.
RunPlan plan_runs(const CompiledGraph& graph);

}  // namespace datareach::exact
