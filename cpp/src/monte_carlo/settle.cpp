// What deterministic reach (docs/design.md §2.6) settles before any sampling: a probability
// that is 0 or 1 in every world, or an exposed share that never varies, gets its exact value
// and a zero-width interval. Per adversary and filter group, one search over the arcs that
// can be live and one over the arcs live in every world. The searches stay within the swept
// nodes (plan.hpp) when many are not: every node on a path from an adversary to a store
// holding data is swept, so the stores they reach are the same as over the whole graph.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "datareach/search.hpp"
#include "parallel.hpp"
#include "plan.hpp"

namespace datareach::monte_carlo::detail {

void settle(Plan& plan, const CompiledGraph& g, unsigned threads) {
    const std::size_t adversaries = plan.adversaries.size(), classes = g.class_count();
    const std::size_t places = plan.entry_count + plan.slot_count;
    plan.class_known.assign(adversaries * classes, 0);
    plan.class_top.assign(adversaries * classes, 0.0);
    plan.place_known.assign(adversaries * places, 0);
    const auto& presence = g.presence_stores();
    const auto& shares = g.presence_shares();
    // Staying within the swept nodes costs a lookup per arc: worth it only when a good part of
    // the graph is not swept (a byte per node, not the rank, to keep the lookup in cache).
    const bool restrict = plan.swept * 4 < plan.nodes * 3;
    std::vector<std::uint8_t> outside;
    if (restrict) {
        outside.assign(plan.nodes, 0);
        for (std::size_t v = 0; v < plan.nodes; ++v) outside[v] = static_cast<std::size_t>(plan.rank[v]) >= plan.swept;
    }
    // The adversaries are independent (each writes its own rows): one range of them per thread.
    parallel_ranges(threads, adversaries, 1, 1, [&](std::size_t first, std::size_t last) {
        NodeSearch reach[2] = {NodeSearch(plan.nodes), NodeSearch(plan.nodes)};  // possible, certain
        std::vector<double> top[2];  // per atomic class: largest share possibly / certainly reached
        std::vector<std::uint8_t> slot_seen[2];
        for (std::size_t i = first; i < last; ++i) {
            top[0].assign(classes, 0.0);
            top[1].assign(classes, 0.0);
            std::uint8_t* known_places = plan.place_known.data() + i * places;
            for (std::size_t group = 0; group < g.filter_group_count(); ++group) {
                const ClassIndex representative = g.group_representative(group);
                for (int certain = 0; certain < 2; ++certain) {
                    reach[certain].restart();
                    reach[certain].seed(plan.adversaries[i]);
                    reach[certain].run(g, Direction::forward, ArcsAsked::to_unreached,
                                       [&](NodeIndex, ArcIndex a, NodeIndex t) {
                                           if (restrict && outside[t]) return Step::skip;
                                           const bool live = certain ? g.arc_certain(a) : g.arc_possible(a);
                                           return live && g.admits(a, representative) ? Step::take : Step::skip;
                                       });
                }
                for (ClassIndex d : g.filter_groups().row(group)) {
                    for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
                        const NodeIndex store = presence.values[e];
                        for (int certain = 0; certain < 2; ++certain)
                            if (reach[certain].reached(store)) top[certain][d] = std::max(top[certain][d], shares[e]);
                        if (plan.places)
                            known_places[e] = reach[1].reached(store) ? kAlways : reach[0].reached(store) ? 0 : kNever;
                    }
                    if (!plan.places) continue;
                    const auto slot0 = plan.region_slot_begin[d], slots = plan.region_slot_begin[d + 1] - slot0;
                    for (int certain = 0; certain < 2; ++certain)
                        slot_seen[certain].assign(static_cast<std::size_t>(slots), 0);
                    for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e)
                        for (auto slot = plan.entry_slots.begin(e); slot != plan.entry_slots.end(e); ++slot)
                            for (int certain = 0; certain < 2; ++certain)
                                slot_seen[certain][*slot - slot0] |= reach[certain].reached(presence.values[e]);
                    for (std::int64_t k = 0; k < slots; ++k)
                        known_places[plan.entry_count + slot0 + k] = slot_seen[1][k]   ? kAlways
                                                                     : slot_seen[0][k] ? 0
                                                                                       : kNever;
                }
            }
            const auto& atoms = g.class_atoms();
            for (std::size_t c = 0; c < classes; ++c) {
                bool never = atoms.size(c) == 0, always = true, fixed = true;
                double highest = atoms.size(c) ? std::numeric_limits<double>::infinity() : 0.0;
                for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                    never = never || top[0][*it] == 0.0;
                    always = always && top[1][*it] > 0.0;
                    fixed = fixed && top[0][*it] == top[1][*it];
                    highest = std::min(highest, top[0][*it]);
                }
                std::uint8_t known = never ? kNever : always ? kAlways : 0;
                if (never || fixed) known |= kFixedShare;
                plan.class_known[i * classes + c] = known;
                plan.class_top[i * classes + c] = never ? 0.0 : highest;
            }
        }
    });
}

}  // namespace datareach::monte_carlo::detail
