// The bit-parallel kernel of the Monte Carlo engines: one block of 64 * W worlds, world masks
// propagated from the adversary to a fixpoint. The hot loop of the whole library, kept in a
// header so that W is a compile-time constant and every word loop unrolls.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/random_streams.hpp"
#include "plan.hpp"
#include "scratch.hpp"

namespace datareach::monte_carlo::detail {

template <int W>
class Kernel {
public:
    // `cache` (default: the scratch's) holds the masks drawn for this graph; `donor`, when
    // given, masks of another graph in the same block to copy rather than draw.
    Kernel(const CompiledGraph& graph, const Plan& plan, Scratch& scratch, Tallies& tallies,
           const std::atomic<bool>& stop, ArcCache* cache = nullptr, Donor donor = {})
        : graph_(graph),
          plan_(plan),
          scratch_(scratch),
          cache_(cache ? *cache : scratch.cache),
          tallies_(tallies),
          stop_(stop),
          donor_(donor) {}

    // Evaluates one block of 64 * W worlds (global words block * W ..): its counts into
    // tallies.block_counts and, if the tallies keep them, the class level masks of every
    // adversary into tallies.class_masks. Nothing is added to the running counts (commit()
    // does that). False if the run was stopped meanwhile.
    bool compute_block(std::uint64_t block) {
        cache_.next_epoch();
        first_word_ = block * W;
        const auto& group_atoms = graph_.filter_groups();
        for (std::size_t i = 0; i < plan_.adversaries.size(); ++i) {
            std::uint32_t* counts = tallies_.block_counts.data() + i * plan_.stride;
            for (std::size_t group = 0; group < graph_.filter_group_count(); ++group) {
                const bool finished = propagate(plan_.rank[plan_.adversaries[i]], group);
                if (finished)
                    for (auto it = group_atoms.begin(group); it != group_atoms.end(group); ++it)
                        tally_atom(*it, counts);
                clear_reached();
                if (!finished) return false;
            }
            tally_classes(counts, tallies_.class_masks.empty()
                                      ? nullptr
                                      : tallies_.class_masks.data() + i * plan_.level_count * W);
        }
        return true;
    }

    // Adds the block just computed to the running counts.
    void commit() {
        const std::size_t n = tallies_.counts.size();
        for (std::size_t k = 0; k < n; ++k) tallies_.counts[k] += tallies_.block_counts[k];
        ++tallies_.blocks_done;
    }

    // Tallies one block into the running counts; false (and nothing tallied) if stopped.
    bool run_block(std::uint64_t block) {
        if (!compute_block(block)) return false;
        commit();
        return true;
    }

private:
    std::uint64_t* reached(NodeIndex v) { return scratch_.reached.data() + static_cast<std::size_t>(v) * W; }
    std::uint64_t* pending(NodeIndex v) { return scratch_.pending.data() + static_cast<std::size_t>(v) * W; }

    const std::uint64_t* event_mask(std::int32_t e) {
        std::uint64_t* mask = cache_.event_mask.data() + static_cast<std::size_t>(e) * W;
        if (cache_.event_stamp[e] != cache_.epoch) {
            cache_.event_stamp[e] = cache_.epoch;
            const EventInfo& ev = plan_.events[e];
            for (int w = 0; w < W; ++w) mask[w] = bernoulli_word(ev.p, stream_base(ev.stream, first_word_ + w));
        }
        return mask;
    }

    // The live mask of a random arc in this block, drawn at first use.
    const std::uint64_t* live_mask(ArcIndex a) {
        const std::size_t slot = static_cast<std::size_t>(a) & cache_.slot_mask;
        std::uint64_t* mask = cache_.arc_mask.data() + slot * W;
        const std::uint64_t tag = (static_cast<std::uint64_t>(cache_.epoch) << 32) | static_cast<std::uint64_t>(a);
        if (cache_.arc_tag[slot] == tag) return mask;
        cache_.arc_tag[slot] = tag;
        if (donor_.arc && donor_.arc[a] >= 0) {
            if (const std::uint64_t* drawn = donor_.cache->find(static_cast<std::size_t>(donor_.arc[a]), W)) {
                for (int w = 0; w < W; ++w) mask[w] = drawn[w];
                return mask;
            }
        }
        const ArcCold& info = plan_.arc_cold[a];
        for (int w = 0; w < W; ++w) mask[w] = ~std::uint64_t{0};
        for (std::uint32_t k = 0; k < info.events_count; ++k) {
            const std::uint64_t* em = event_mask(plan_.arc_events[info.events_begin + k]);
            for (int w = 0; w < W; ++w) mask[w] &= em[w];
        }
        if (info.has_coin) coin_lanes(info, mask);
        return mask;
    }

    // The arc's own coin on the given lanes of the block's W words (lanes where its events are
    // down need no coin): bernoulli_word for all W words at once, interleaved so the W hash
    // chains overlap, stopping when every needed lane is decided. Same lanes, same values.
    void coin_lanes(const ArcCold& info, std::uint64_t* lanes) const {
        std::uint64_t counter[W], undecided[W], result[W];
        std::uint64_t open = 0;
        for (int w = 0; w < W; ++w) {
            counter[w] = stream_base(info.stream, first_word_ + static_cast<std::uint64_t>(w));
            undecided[w] = lanes[w];
            result[w] = 0;
            open |= lanes[w];
        }
        for (std::int32_t k = 0; k < info.zero_bits && open; ++k) {
            open = 0;
            for (int w = 0; w < W; ++w) {
                counter[w] += kGolden;
                undecided[w] &= ~mix64(counter[w]);
                open |= undecided[w];
            }
        }
        for (std::uint64_t m = info.mantissa; m != 0 && open; m <<= 1) {
            open = 0;
            if (m >> 63) {
                for (int w = 0; w < W; ++w) {
                    counter[w] += kGolden;
                    const std::uint64_t r = mix64(counter[w]);
                    result[w] |= undecided[w] & ~r;
                    undecided[w] &= r;
                    open |= undecided[w];
                }
            } else {
                for (int w = 0; w < W; ++w) {
                    counter[w] += kGolden;
                    undecided[w] &= ~mix64(counter[w]);
                    open |= undecided[w];
                }
            }
        }
        for (int w = 0; w < W; ++w) lanes[w] = result[w];
    }

    bool admits(ArcIndex a, std::size_t group) const {
        return admits_group(plan_, graph_, static_cast<std::size_t>(a), group);
    }

    void mark(NodeIndex r) {
        const auto u = static_cast<std::size_t>(r);
        scratch_.marks[u >> 6] |= std::uint64_t{1} << (u & 63);
        scratch_.summary[u >> 12] |= std::uint64_t{1} << ((u >> 6) & 63);
    }

    // The smallest marked node >= from, unmarked; -1 if none.
    std::int64_t take_marked(std::size_t from) {
        std::size_t word = from >> 6;
        if (word >= scratch_.marks.size()) return -1;
        std::uint64_t bits = scratch_.marks[word] & (~std::uint64_t{0} << (from & 63));
        if (!bits) {
            // The next non-zero word after `word`, found through the summary.
            std::size_t next = word + 1;
            std::size_t s = next >> 6;
            if (s >= scratch_.summary.size()) return -1;
            std::uint64_t sbits =
                (next & 63) ? scratch_.summary[s] & (~std::uint64_t{0} << (next & 63)) : scratch_.summary[s];
            while (!sbits) {
                if (++s >= scratch_.summary.size()) return -1;
                sbits = scratch_.summary[s];
            }
            word = (s << 6) + static_cast<std::size_t>(__builtin_ctzll(sbits));
            bits = scratch_.marks[word];
        }
        const std::size_t r = (word << 6) + static_cast<std::size_t>(__builtin_ctzll(bits));
        scratch_.marks[word] &= ~(std::uint64_t{1} << (r & 63));
        if (!scratch_.marks[word]) scratch_.summary[word >> 6] &= ~(std::uint64_t{1} << (word & 63));
        return static_cast<std::int64_t>(r);
    }

    // Propagates world masks from `source` over the arcs admitting the group to a fixpoint:
    // a node's pending worlds are pushed along its arcs, reached[t] |= pending[v] & live(a).
    // The marked nodes are swept in id order (topological across components), again from the
    // start while any are left. Stops early once every store of the group is reached in every
    // world (nothing else is read). False if the run was stopped meanwhile.
    bool propagate(NodeIndex source, std::size_t group) {
        const auto& stores = plan_.group_stores;
        std::size_t unsaturated = stores.size(group);
        for (auto it = stores.begin(group); it != stores.end(group); ++it) scratch_.watched[*it] = 1;
        struct Unwatch {
            Scratch& ws;
            const std::int32_t *first, *last;
            ~Unwatch() {
                for (auto it = first; it != last; ++it) ws.watched[*it] = 0;
            }
        } unwatch{scratch_, stores.begin(group), stores.end(group)};
        std::uint64_t* src = reached(source);
        std::uint64_t* src_pending = pending(source);
        for (int w = 0; w < W; ++w) src[w] = src_pending[w] = ~std::uint64_t{0};
        scratch_.touched.push_back(source);
        if (scratch_.watched[source] && --unsaturated == 0) return true;
        mark(source);
        std::uint32_t pops = 0;
        const std::uint32_t* hot = plan_.arc_hot.data();
        const std::uint64_t* row_start = plan_.row_start.data();
        std::size_t cursor = static_cast<std::size_t>(source);
        while (true) {
            std::int64_t next = take_marked(cursor);
            if (next < 0 && (next = take_marked(0)) < 0) break;
            const auto v = static_cast<NodeIndex>(next);
            cursor = static_cast<std::size_t>(next) + 1;
            if ((++pops & 0x3FF) == 0 && stop_.load(std::memory_order_relaxed)) return false;
            std::uint64_t* pv = pending(v);
            std::uint64_t delta[W];
            for (int w = 0; w < W; ++w) {
                delta[w] = pv[w];
                pv[w] = 0;
            }
            const auto begin = static_cast<ArcIndex>(row_start[v]), end = static_cast<ArcIndex>(row_start[v + 1]);
            for (ArcIndex a = begin; a < end; ++a)
                __builtin_prefetch(reached(static_cast<NodeIndex>(hot[a] & kTargetMask)));
            for (ArcIndex a = begin; a < end; ++a) {
                const std::uint32_t arc = hot[a];
                if (arc & kDead) continue;
                const auto t = static_cast<NodeIndex>(arc & kTargetMask);
                std::uint64_t* rt = reached(t);
                std::uint64_t add[W];
                std::uint64_t any = 0;
                for (int w = 0; w < W; ++w) {
                    add[w] = delta[w] & ~rt[w];
                    any |= add[w];
                }
                if (!any) continue;
                if ((arc & kFiltered) && !admits(a, group)) continue;
                if (arc & kRandom) {
                    const std::uint64_t* live = live_mask(a);
                    any = 0;
                    for (int w = 0; w < W; ++w) {
                        add[w] &= live[w];
                        any |= add[w];
                    }
                    if (!any) continue;
                }
                bool was_empty = true;
                std::uint64_t full = ~std::uint64_t{0};
                std::uint64_t* pt = pending(t);
                for (int w = 0; w < W; ++w) {
                    was_empty = was_empty && rt[w] == 0;
                    rt[w] |= add[w];
                    pt[w] |= add[w];
                    full &= rt[w];
                }
                if (was_empty) scratch_.touched.push_back(t);
                mark(t);
                if (scratch_.watched[t] && full == ~std::uint64_t{0} && --unsaturated == 0) return true;
            }
        }
        return true;
    }

    // Forgets the propagation: reached, pending and marks of every node it touched.
    void clear_reached() {
        for (NodeIndex v : scratch_.touched) {
            std::uint64_t* r = reached(v);
            std::uint64_t* p = pending(v);
            for (int w = 0; w < W; ++w) r[w] = p[w] = 0;
            const auto u = static_cast<std::size_t>(v);
            scratch_.marks[u >> 6] = 0;
            scratch_.summary[u >> 12] = 0;
        }
        scratch_.touched.clear();
    }

    static std::uint32_t popcount(const std::uint64_t* words) {
        std::uint32_t n = 0;
        for (int w = 0; w < W; ++w) n += static_cast<std::uint32_t>(__builtin_popcountll(words[w]));
        return n;
    }

    // Per atomic class after its group's propagation: the worlds with X_d >= each level, and
    // the per-store and per-region counts.
    void tally_atom(ClassIndex d, std::uint32_t* counts) {
        std::uint64_t cumulative[W] = {};
        for (auto k = plan_.atom_level_begin[d]; k < plan_.atom_level_begin[d + 1]; ++k) {
            for (auto e = plan_.level_entry_begin[k]; e < plan_.level_entry_begin[k + 1]; ++e) {
                const std::uint64_t* r = reached(plan_.level_entry_store[e]);
                for (int w = 0; w < W; ++w) cumulative[w] |= r[w];
            }
            std::uint64_t* out = tallies_.atom_level_mask.data() + k * W;
            for (int w = 0; w < W; ++w) out[w] = cumulative[w];
        }
        if (!plan_.places) return;
        const auto& presence = graph_.presence_stores();
        std::uint32_t* store_counts = counts + plan_.level_count;
        std::uint32_t* slot_counts = counts + plan_.level_count + plan_.entry_count;
        const auto slot0 = plan_.region_slot_begin[d];
        const auto slots = plan_.region_slot_begin[d + 1] - slot0;
        std::uint64_t* acc = tallies_.region_acc.data();
        std::fill(acc, acc + slots * W, 0);
        for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
            const std::uint64_t* r = reached(plan_.entry_node[e]);
            store_counts[e] = popcount(r);
            for (auto it = plan_.entry_slots.begin(e); it != plan_.entry_slots.end(e); ++it) {
                std::uint64_t* a = acc + (*it - slot0) * W;
                for (int w = 0; w < W; ++w) a[w] |= r[w];
            }
        }
        for (std::int64_t s = 0; s < slots; ++s) slot_counts[slot0 + s] = popcount(acc + s * W);
    }

    // Per class: the worlds with X_c >= each of its levels (all components at or above it);
    // the masks themselves into `masks` (level_count x W words) when given.
    void tally_classes(std::uint32_t* counts, std::uint64_t* masks) {
        const auto classes = static_cast<ClassIndex>(graph_.class_count());
        const std::uint64_t* level_mask = tallies_.atom_level_mask.data();
        for (ClassIndex c = 0; c < classes; ++c) {
            const auto arity = plan_.class_arity[c];
            const std::int32_t* atoms = plan_.class_level_atoms.data() + plan_.class_level_atoms_begin[c];
            for (auto k = plan_.class_level_begin[c]; k < plan_.class_level_begin[c + 1]; ++k, atoms += arity) {
                std::uint64_t all[W];
                for (int w = 0; w < W; ++w) all[w] = ~std::uint64_t{0};
                for (std::int32_t j = 0; j < arity; ++j) {
                    const std::uint64_t* m = level_mask + static_cast<std::size_t>(atoms[j]) * W;
                    for (int w = 0; w < W; ++w) all[w] &= m[w];
                }
                counts[k] = popcount(all);
                if (masks)
                    for (int w = 0; w < W; ++w) masks[static_cast<std::size_t>(k) * W + w] = all[w];
            }
        }
    }

    const CompiledGraph& graph_;
    const Plan& plan_;
    Scratch& scratch_;
    ArcCache& cache_;
    Tallies& tallies_;
    const std::atomic<bool>& stop_;
    Donor donor_;
    std::uint64_t first_word_ = 0;
};

}  // namespace datareach::monte_carlo::detail
