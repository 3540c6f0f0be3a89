// What deterministic reach (docs/design.md §2.6) settles before any sampling: a probability
// that is 0 or 1 in every world, or an exposed share that never varies, gets its exact value
// and a zero-width interval. Both extreme worlds are swept at once by the kernel itself, one
// block word with two lanes: lane 0 is the world where every arc that can be live is, lane 1
// the world where only the arcs live in every world are (a random arc's live word is lane 0
// alone; a certain arc passes every lane). One sweep of the plan then answers every
// adversary and filter group, where one search per adversary, group and world walked the
// compiled graph before (docs/design.md decision 62). The sweep stays within the swept
// nodes: every node on a path from an adversary to a store holding data is swept, so the
// stores they reach are the same as over the whole graph.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernel.hpp"
#include "parallel.hpp"
#include "plan.hpp"
#include "scratch.hpp"

namespace datareach::monte_carlo::detail {

namespace {

constexpr std::uint64_t kPossibleLane = 1, kCertainLane = 2;

}  // namespace

void settle(Plan& plan, const CompiledGraph& g, unsigned threads) {
    const std::size_t adversaries = plan.adversaries.size(), classes = g.class_count();
    const std::size_t places = plan.entry_count + plan.slot_count;
    plan.class_known.assign(adversaries * classes, 0);
    plan.class_top.assign(adversaries * classes, 0.0);
    plan.place_known.assign(adversaries * places, 0);
    const auto& presence = g.presence_stores();
    const auto& shares = g.presence_shares();
    // Per adversary and atomic class, the largest share reached in each extreme world.
    std::vector<double> top[2] = {std::vector<double>(adversaries * classes, 0.0),
                                  std::vector<double>(adversaries * classes, 0.0)};

    const std::size_t groups = plan.groups, channels = adversaries * groups;
    const std::size_t batch = channel_batch(channels, 1);
    const std::size_t sweeps = channels ? (channels + batch - 1) / batch : 0;
    // Read by every sweep, written by none: one copy for all threads.
    LiveWords live(plan.arc_count(), 0, 1);
    std::fill(live.arc.data(), live.arc.data() + live.arc.size(), kPossibleLane);
    // Each sweep writes the rows of its own channels, hence of its own adversaries' rows only.
    parallel_ranges(threads, sweeps, 1, 1, [&](std::size_t first_sweep, std::size_t last_sweep) {
        Scratch scratch(rows_words(plan, 1), 0, 0, 1);
        Tallies tallies(plan, 1);
        const std::atomic<bool> never_stopped{false};
        Kernel<1> kernel(g, plan, scratch, tallies, never_stopped, &live);
        std::vector<std::uint8_t> slot_seen[2];
        for (std::size_t s = first_sweep; s < last_sweep; ++s) {
            const std::size_t first = s * batch, last = std::min(channels, first + batch), record = last - first;
            kernel.sweep_as_given(first, last);
            for (std::size_t c = first; c < last; ++c) {
                const std::size_t i = c / groups, group = c % groups;
                const auto lanes = [&](std::int64_t entry) {
                    return scratch.rows[plan.entry_node[static_cast<std::size_t>(entry)] * record + (c - first)];
                };
                std::uint8_t* known_places = plan.place_known.data() + i * places;
                for (ClassIndex d : g.filter_groups().row(group)) {
                    for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
                        const std::uint64_t reached = lanes(e);
                        double& possible = top[0][i * classes + d];
                        double& certain = top[1][i * classes + d];
                        if (reached & kPossibleLane) possible = std::max(possible, shares[e]);
                        if (reached & kCertainLane) certain = std::max(certain, shares[e]);
                        if (plan.places)
                            known_places[e] = (reached & kCertainLane)    ? kAlways
                                              : (reached & kPossibleLane) ? 0
                                                                          : kNever;
                    }
                    if (!plan.places) continue;
                    const auto slot0 = plan.region_slot_begin[d], slots = plan.region_slot_begin[d + 1] - slot0;
                    for (auto& seen : slot_seen) seen.assign(static_cast<std::size_t>(slots), 0);
                    for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
                        const std::uint64_t reached = lanes(e);
                        for (auto slot = plan.entry_slots.begin(e); slot != plan.entry_slots.end(e); ++slot) {
                            slot_seen[0][*slot - slot0] |= (reached & kPossibleLane) != 0;
                            slot_seen[1][*slot - slot0] |= (reached & kCertainLane) != 0;
                        }
                    }
                    for (std::int64_t k = 0; k < slots; ++k)
                        known_places[plan.entry_count + slot0 + k] = slot_seen[1][k]   ? kAlways
                                                                     : slot_seen[0][k] ? 0
                                                                                       : kNever;
                }
            }
        }
    });

    const auto& atoms = g.class_atoms();
    for (std::size_t i = 0; i < adversaries; ++i) {
        const double* possible = top[0].data() + i * classes;
        const double* certain = top[1].data() + i * classes;
        for (std::size_t c = 0; c < classes; ++c) {
            bool never = atoms.size(c) == 0, always = true, fixed = true;
            double highest = atoms.size(c) ? std::numeric_limits<double>::infinity() : 0.0;
            for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                never = never || possible[*it] == 0.0;
                always = always && certain[*it] > 0.0;
                fixed = fixed && possible[*it] == certain[*it];
                highest = std::min(highest, possible[*it]);
            }
            std::uint8_t known = never ? kNever : always ? kAlways : 0;
            if (never || fixed) known |= kFixedShare;
            plan.class_known[i * classes + c] = known;
            plan.class_top[i * classes + c] = never ? 0.0 : highest;
        }
    }
}

}  // namespace datareach::monte_carlo::detail
