// The steps of CompiledGraph::compile that are not about arcs, each in its own source so
// that compiled_graph.cpp reads as the order of compilation: classes flattened, presence
// propagated over flows, classes grouped by the arcs that admit them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/model_data.hpp"

namespace datareach::compile_steps {

inline bool present(const Window& window, std::optional<Day> at) { return !at || window.contains(*at); }

// Flattens every class into its atomic parts (row c: c itself when atomic); composites may
// nest but not form a cycle (ModelError). composite[c] is set to 1 for composite classes.
RaggedIndex flatten_classes(const RaggedColumn& components, std::vector<std::uint8_t>& composite);

// The atomic classes a filter row names, sorted; an empty row stays empty (= every class).
std::vector<std::int32_t> atomic_filter(const RaggedColumn& filter, std::size_t row, const RaggedIndex& atoms);
// The same into `out` (cleared first), so that a loop over many rows reuses one buffer.
void atomic_filter_into(const RaggedColumn& filter, std::size_t row, const RaggedIndex& atoms,
                        std::vector<std::int32_t>& out);

// Presence (docs/design.md §2.1) of every atomic class in every store, as of `at`.
struct Presence {
    RaggedIndex stores;          // rows: classes (composite rows empty), sorted by store
    std::vector<double> shares;  // parallel to stores.values
};
Presence propagate_presence(const ModelData& model, std::optional<Day> at, const RaggedIndex& atoms,
                            const std::vector<std::uint8_t>& composite);

// Filter groups (see CompiledGraph::filter_groups) from the compiled arc filters.
struct FilterGroups {
    RaggedIndex groups;
    std::vector<std::int32_t> group_of;  // per class, -1 outside every group
};
FilterGroups group_by_filters(const RaggedIndex32& arc_classes, const RaggedIndex& presence_stores,
                              const std::vector<std::uint8_t>& composite);

}  // namespace datareach::compile_steps
