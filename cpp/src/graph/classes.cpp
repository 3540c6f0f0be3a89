// Class structure of the compiled graph: composites flattened to their atoms (so engines only
// ever reason about atomic classes) and atomic classes grouped by the arcs that admit them
// (so reach, pruning and sampling do one search per group instead of one per class).
#include <algorithm>
#include <string>
#include <utility>

#include "compile_steps.hpp"
#include "datareach/errors.hpp"

namespace datareach::compile_steps {

RaggedIndex flatten_classes(const RaggedColumn& components, std::vector<std::uint8_t>& composite) {
    const std::size_t count = components.rows();
    composite.assign(count, 0);
    enum : std::uint8_t { unseen, active, done };
    std::vector<std::uint8_t> state(count, unseen);
    std::vector<std::vector<std::int32_t>> atoms(count);

    // Iterative depth-first search so deep component chains cannot overflow the stack.
    for (std::size_t root = 0; root < count; ++root) {
        if (state[root] == done) continue;
        std::vector<std::pair<std::int32_t, std::int64_t>> stack{{static_cast<std::int32_t>(root), 0}};
        state[root] = active;
        while (!stack.empty()) {
            auto& [c, next] = stack.back();
            const auto first = components.offsets[c];
            if (first + next < components.offsets[c + 1]) {
                const std::int32_t child = components.values[first + next];
                ++next;
                if (state[child] == active)
                    throw ModelError("classes[" + std::to_string(c) +
                                     "].components: composite classes form a cycle through classes[" +
                                     std::to_string(child) + "]");
                if (state[child] == unseen) {
                    state[child] = active;
                    stack.emplace_back(child, 0);
                }
                continue;
            }
            auto& mine = atoms[c];
            if (components.size(c) == 0) {
                mine.push_back(c);
            } else {
                composite[c] = 1;
                for (auto it = components.begin(c); it != components.end(c); ++it)
                    mine.insert(mine.end(), atoms[*it].begin(), atoms[*it].end());
                std::sort(mine.begin(), mine.end());
                mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
            }
            state[c] = done;
            stack.pop_back();
        }
    }
    RaggedIndex flat;
    for (const auto& row : atoms) flat.push_row(row);
    return flat;
}

std::vector<std::int32_t> atomic_filter(const RaggedColumn& filter, std::size_t row, const RaggedIndex& atoms) {
    std::vector<std::int32_t> out;
    atomic_filter_into(filter, row, atoms, out);
    return out;
}

void atomic_filter_into(const RaggedColumn& filter, std::size_t row, const RaggedIndex& atoms,
                        std::vector<std::int32_t>& out) {
    out.clear();
    for (auto it = filter.begin(row); it != filter.end(row); ++it)
        out.insert(out.end(), atoms.begin(*it), atoms.end(*it));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
}

FilterGroups group_by_filters(const RaggedIndex32& arc_classes, const RaggedIndex& presence_stores,
                              const std::vector<std::uint8_t>& composite) {
    const auto classes = static_cast<ClassIndex>(composite.size());
    // A class's signature: the filtered arcs that name it (unfiltered arcs admit every class).
    std::vector<std::vector<ArcIndex>> named_by(classes);
    for (std::size_t a = 0; a < arc_classes.rows(); ++a)
        for (auto it = arc_classes.begin(a); it != arc_classes.end(a); ++it)
            named_by[*it].push_back(static_cast<ArcIndex>(a));
    std::vector<ClassIndex> held;
    for (ClassIndex d = 0; d < classes; ++d)
        if (!composite[d] && presence_stores.size(d) > 0) held.push_back(d);
    std::stable_sort(held.begin(), held.end(), [&](ClassIndex x, ClassIndex y) { return named_by[x] < named_by[y]; });
    // Runs of equal signatures are the groups (members ascending: the sort is stable); order
    // the groups by their smallest member.
    std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end) in held
    for (std::size_t i = 0; i < held.size();) {
        std::size_t j = i + 1;
        while (j < held.size() && named_by[held[j]] == named_by[held[i]]) ++j;
        runs.emplace_back(i, j);
        i = j;
    }
    std::sort(runs.begin(), runs.end(), [&](const auto& x, const auto& y) { return held[x.first] < held[y.first]; });
    FilterGroups out;
    out.group_of.assign(classes, -1);
    std::vector<std::int32_t> members;
    for (const auto& [begin, end] : runs) {
        members.assign(held.begin() + static_cast<std::ptrdiff_t>(begin),
                       held.begin() + static_cast<std::ptrdiff_t>(end));
        for (ClassIndex d : members) out.group_of[d] = static_cast<std::int32_t>(out.groups.rows());
        out.groups.push_row(members);
    }
    return out;
}

}  // namespace datareach::compile_steps
