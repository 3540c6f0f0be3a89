// Building the plan of one Monte Carlo run (see plan.hpp). Linear in the swept part of the
// graph; the kernel's speed comes from the layout chosen here (the swept nodes in topological
// order, in-arcs by source, coin data in arrays, per-group admission bits). The per-arc and
// per-adversary parts run on options.threads workers, each writing only its own slots, so the
// plan is the same bytes for any number of threads (docs/design.md decision 56).
#include "plan.hpp"

#include "parallel.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>

#include "datareach/errors.hpp"

namespace datareach::monte_carlo::detail {

Plan build_plan(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& options) {
    Plan plan;
    plan.nodes = g.node_count();
    plan.adversaries = adversaries;
    plan.places = options.places;
    const auto classes = static_cast<ClassIndex>(g.class_count());

    // Events.
    plan.events.resize(g.event_count());
    for (std::size_t e = 0; e < g.event_count(); ++e)
        plan.events[e] = {event_stream_key(options.seed, g.event_key(static_cast<std::int32_t>(e))),
                          BernoulliP::of(g.event_p(static_cast<std::int32_t>(e)))};

    plan.groups = g.filter_group_count();
    lay_out_arcs(plan, g, options);
    cut_live_chunks(plan);
    const std::size_t arc_count = plan.arc_count();

    const std::size_t groups = g.filter_group_count();
    const auto& filters = g.arc_classes();
    const auto& presence = g.presence_stores();
    plan.admit_words = (arc_count + 63) / 64;
    if (groups * plan.admit_words <= kMaxAdmitWords) {
        // One pass over the plan arcs: only filtered arcs have bits, and each looks up every
        // group's representative in its own (sorted) filter row.
        plan.group_admits.assign(groups * plan.admit_words, 0);
        std::vector<ClassIndex> representatives(groups);
        for (std::size_t group = 0; group < groups; ++group) representatives[group] = g.group_representative(group);
        // Ranges of whole words, so that no two threads write the same word.
        parallel_ranges(
            plan_threads(options), arc_count, std::size_t{1} << 16, 64, [&](std::size_t first, std::size_t last) {
                for (std::size_t k = first; k < last; ++k) {
                    if (!(plan.arc_hot[k] & kFiltered)) continue;
                    const std::size_t a = plan.arc_original[k];
                    for (std::size_t group = 0; group < groups; ++group)
                        if (std::binary_search(filters.begin(a), filters.end(a), representatives[group]))
                            plan.group_admits[group * plan.admit_words + k / 64] |= std::uint64_t{1} << (k % 64);
                }
            });
    }

    // Atom levels.
    const auto& shares = g.presence_shares();
    plan.atom_level_begin.assign(classes + 1, 0);
    plan.level_entry_begin.push_back(0);
    for (ClassIndex d = 0; d < classes; ++d) {
        plan.atom_level_begin[d] = static_cast<std::int64_t>(plan.atom_level_share.size());
        if (g.is_composite(d)) continue;
        std::vector<std::int64_t> entries(static_cast<std::size_t>(presence.size(d)));
        std::iota(entries.begin(), entries.end(), presence.offsets[d]);
        std::stable_sort(entries.begin(), entries.end(),
                         [&](std::int64_t x, std::int64_t y) { return shares[x] > shares[y]; });
        for (std::size_t i = 0; i < entries.size(); ++i) {
            if (i == 0 || shares[entries[i]] != shares[entries[i - 1]]) {
                if (i) plan.level_entry_begin.push_back(static_cast<std::int64_t>(plan.level_entry_store.size()));
                plan.atom_level_share.push_back(shares[entries[i]]);
            }
            plan.level_entry_store.push_back(plan.entry_node[static_cast<std::size_t>(entries[i])]);
        }
        if (!entries.empty())
            plan.level_entry_begin.push_back(static_cast<std::int64_t>(plan.level_entry_store.size()));
    }
    plan.atom_level_begin[classes] = static_cast<std::int64_t>(plan.atom_level_share.size());

    // Class levels.
    const auto& atoms = g.class_atoms();
    plan.class_level_begin.assign(classes + 1, 0);
    plan.class_level_atoms_begin.assign(classes, 0);
    plan.class_arity.assign(classes, 0);
    for (ClassIndex c = 0; c < classes; ++c) {
        plan.class_level_begin[c] = static_cast<std::int64_t>(plan.class_level_share.size());
        plan.class_level_atoms_begin[c] = static_cast<std::int64_t>(plan.class_level_atoms.size());
        plan.class_arity[c] = static_cast<std::int32_t>(atoms.size(c));
        bool any_absent = atoms.size(c) == 0;
        double top = std::numeric_limits<double>::infinity();
        std::vector<double> levels;
        for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
            const auto first = plan.atom_level_begin[*it], last = plan.atom_level_begin[*it + 1];
            if (first == last) {
                any_absent = true;
                break;
            }
            top = std::min(top, plan.atom_level_share[first]);
            levels.insert(levels.end(), plan.atom_level_share.begin() + first, plan.atom_level_share.begin() + last);
        }
        if (any_absent) continue;
        std::sort(levels.begin(), levels.end(), std::greater<>());
        levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
        for (double level : levels) {
            if (level > top) continue;
            plan.class_level_share.push_back(level);
            for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                auto k = plan.atom_level_begin[*it];
                while (k + 1 < plan.atom_level_begin[*it + 1] && plan.atom_level_share[k + 1] >= level) ++k;
                plan.class_level_atoms.push_back(static_cast<std::int32_t>(k));
            }
        }
    }
    plan.class_level_begin[classes] = static_cast<std::int64_t>(plan.class_level_share.size());
    plan.level_count = plan.class_level_share.size();

    // Places: every region of a store holding the class and all its ancestors.
    plan.entry_count = options.places ? presence.values.size() : 0;
    plan.region_slot_begin.assign(classes + 1, 0);
    if (options.places) {
        const auto& parent = g.region_parent();
        std::vector<std::int32_t> slot_of(parent.size(), -1);
        std::vector<std::vector<std::int32_t>> chains;
        for (ClassIndex d = 0; d < classes; ++d) {
            plan.region_slot_begin[d] = static_cast<std::int64_t>(plan.slot_region.size());
            chains.assign(presence.size(d), {});
            std::vector<std::int32_t> regions;
            for (std::size_t i = 0; i < presence.size(d); ++i) {
                std::int32_t r = g.node_region(presence.values[presence.offsets[d] + i]);
                // A step limit keeps a (never validated) cycle of region parents from hanging.
                for (std::size_t steps = 0;
                     r >= 0 && static_cast<std::size_t>(r) < parent.size() && steps <= parent.size(); ++steps) {
                    chains[i].push_back(r);
                    regions.push_back(r);
                    r = parent[r];
                }
            }
            std::sort(regions.begin(), regions.end());
            regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
            for (auto r : regions) {
                slot_of[r] = static_cast<std::int32_t>(plan.slot_region.size());
                plan.slot_region.push_back(r);
            }
            plan.max_slots_per_class = std::max(plan.max_slots_per_class, regions.size());
            for (auto& chain : chains) {
                for (auto& r : chain) r = slot_of[r];
                std::sort(chain.begin(), chain.end());
                chain.erase(std::unique(chain.begin(), chain.end()), chain.end());
                plan.entry_slots.push_row(chain);
            }
        }
        plan.region_slot_begin[classes] = static_cast<std::int64_t>(plan.slot_region.size());
        plan.slot_count = plan.slot_region.size();
    }
    plan.stride = plan.level_count + plan.entry_count + plan.slot_count;
    settle(plan, g, plan_threads(options));
    return plan;
}

void cut_live_chunks(Plan& plan, std::size_t chunk_arcs) {
    plan.live_chunks.assign(1, 0);
    plan.max_chunk_arcs = 0;
    std::size_t next_cycle = 0;
    for (std::size_t v = 0; v < plan.swept;) {
        if (next_cycle < plan.cycles.size() && plan.cycles[next_cycle].first == v)
            v = plan.cycles[next_cycle++].second;
        else
            ++v;
        const std::size_t arcs = plan.in_start[v] - plan.in_start[plan.live_chunks.back()];
        if (arcs >= chunk_arcs || v == plan.swept) {
            plan.live_chunks.push_back(static_cast<std::uint32_t>(v));
            plan.max_chunk_arcs = std::max(plan.max_chunk_arcs, arcs);
        }
    }
}

}  // namespace datareach::monte_carlo::detail
