// The bit-parallel kernel of the Monte Carlo engines: one block of 64 * W worlds. The live
// words of the arcs are drawn ahead (coins.hpp) — for the whole block, or, when the block
// takes one sweep and no other graph shares them, chunk by chunk just before the sweep
// reaches the chunk (Plan::live_chunks, decision 59) — and the swept nodes are
// visited once in topological order, each pulling along its in-arcs the worlds in which its
// sources are reached (cyclic components are iterated to their fixpoint). A node's record
// carries several channels side by side, one per (adversary, filter group), so one sweep
// answers every adversary and class group at once and each arc's live words are read once
// per sweep. The hot loop of the whole library, kept in a header so that W is a
// compile-time constant and the word loops unroll.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "coins.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/random_streams.hpp"
#include "plan.hpp"
#include "scratch.hpp"

namespace datareach::monte_carlo::detail {

template <int W>
class Kernel {
public:
    // `live` (default: the scratch's) receives the live words of this graph; `donor`, when
    // given, says which of them to copy from another graph's, drawn in the same block.
    Kernel(const CompiledGraph& graph, const Plan& plan, Scratch& scratch, Tallies& tallies,
           const std::atomic<bool>& stop, LiveWords* live = nullptr, Donor donor = {})
        : graph_(graph),
          plan_(plan),
          scratch_(scratch),
          live_(live ? *live : scratch.live),
          tallies_(tallies),
          stop_(stop),
          donor_(donor),
          by_chunk_(!live && !donor.live && !donor.draws && one_sweep(plan, W)) {
        // The caller sized the live words (Scratch: live_arcs); a shortfall is a bug here.
        if (live_.arc.size() < (by_chunk_ ? plan.max_chunk_arcs : plan.arc_count()) * W)
            throw std::logic_error("Monte Carlo kernel: live words sized for fewer arcs than it draws");
    }

    // Evaluates one block of 64 * W worlds (global words block * W ..): its counts into
    // tallies.block_counts and, if the tallies keep them, the class level masks of every
    // adversary into tallies.class_masks. Nothing is added to the running counts (commit()
    // does that). False if the run was stopped meanwhile.
    bool compute_block(std::uint64_t block) {
        first_word_ = block * W;
        draw_event_words();
        if (!by_chunk_) draw_arc_words(0, plan_.arc_count());
        const std::size_t groups = plan_.groups, adversaries = plan_.adversaries.size();
        if (groups == 0) {  // no class is held anywhere: every count is 0
            for (std::size_t i = 0; i < adversaries; ++i) finish_adversary(i);
            return true;
        }
        const std::size_t channels = adversaries * groups, batch = channel_batch(channels, W);
        const auto& group_atoms = graph_.filter_groups();
        for (std::size_t first = 0; first < channels; first += batch) {
            const std::size_t last = std::min(channels, first + batch);
            if (!sweep(first, last)) return false;
            for (std::size_t c = first; c < last; ++c) {
                const std::size_t i = c / groups, group = c % groups;
                channel_offset_ = (c - first) * W;
                std::uint32_t* counts = tallies_.block_counts.data() + i * plan_.stride;
                for (auto it = group_atoms.begin(group); it != group_atoms.end(group); ++it) tally_atom(*it, counts);
                if (group + 1 == groups) finish_adversary(i);
            }
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

    // One sweep of the channels [first, last) over the live words as the caller gave them
    // (nothing drawn: deterministic reach, settle.cpp). Afterwards the worlds of channel c at
    // row r are scratch.rows[r * (last - first) * W + (c - first) * W ..].
    void sweep_as_given(std::size_t first, std::size_t last) {
        if (by_chunk_) throw std::logic_error("Monte Carlo kernel: a sweep as given needs the caller's live words");
        sweep(first, last);
    }

private:
    // The words of the channel being tallied in the record of a row.
    const std::uint64_t* reached(std::size_t row) const {
        return scratch_.rows.data() + row * record_ + channel_offset_;
    }

    void finish_adversary(std::size_t i) {
        std::uint32_t* counts = tallies_.block_counts.data() + i * plan_.stride;
        tally_classes(counts,
                      tallies_.class_masks.empty() ? nullptr : tallies_.class_masks.data() + i * plan_.level_count * W);
    }

    // The words of every random event in this block (before any arc's: arcs read them).
    void draw_event_words() {
        for (const std::int32_t event : plan_.drawn_events) {
            const auto e = static_cast<std::size_t>(event);
            const EventInfo& ev = plan_.events[e];
            for (int w = 0; w < W; ++w)
                live_.event[e * W + w] = bernoulli_word(ev.p, stream_base(ev.stream, first_word_ + w));
        }
    }

    // The first entry of an ascending list of plan arcs at or after arc `first`.
    static const std::uint32_t* from_arc(const std::vector<std::uint32_t>& arcs, std::size_t first) {
        return std::lower_bound(arcs.data(), arcs.data() + arcs.size(), first);
    }

    // The live words of the random plan arcs [first, last) in this block: the lanes where its
    // random events are up, and where its own coin is up too; live_first_ becomes `first`
    // (the words of arc k are at live_.arc[(k - first) * W]).
    void draw_arc_words(std::size_t first, std::size_t last) {
        live_first_ = first;
        const DrawList& draws = donor_.draws ? *donor_.draws : plan_.draws;
        std::uint64_t* live = live_.arc.data();
        const std::uint32_t* event_arcs = from_arc(draws.event_arcs, first);
        const std::uint32_t* event_arcs_end = from_arc(draws.event_arcs, last);
        for (const std::uint32_t* it = event_arcs; it != event_arcs_end; ++it) {
            const std::uint32_t k = *it;
            std::uint64_t* out = live + (k - first) * W;
            for (int w = 0; w < W; ++w) out[w] = ~std::uint64_t{0};
            for (auto j = plan_.arc_events_begin[k]; j < plan_.arc_events_begin[k + 1]; ++j) {
                const std::uint64_t* em = live_.event.data() + static_cast<std::size_t>(plan_.arc_events[j]) * W;
                for (int w = 0; w < W; ++w) out[w] &= em[w];
            }
        }
        const std::uint32_t* coin_arcs = from_arc(draws.coin_arcs, first);
        CoinItems items{plan_.arc_stream.data(),
                        plan_.arc_mantissa.data(),
                        plan_.arc_zero_bits.data(),
                        coin_arcs,
                        static_cast<std::size_t>(from_arc(draws.coin_arcs, last) - coin_arcs),
                        plan_.arc_count(),
                        false,
                        first};
        draw_coins(items, first_word_, W, live, W);
        items.arcs = from_arc(draws.event_coin_arcs, first);
        items.count = static_cast<std::size_t>(from_arc(draws.event_coin_arcs, last) - items.arcs);
        items.lanes_given = true;
        draw_coins(items, first_word_, W, live, W);
        if (donor_.live) {  // never drawn by chunk: first is 0
            const std::uint64_t* theirs = donor_.live->arc.data();
            for (const auto& [k, d] : draws.copies)
                for (int w = 0; w < W; ++w)
                    live[static_cast<std::size_t>(k) * W + w] = theirs[static_cast<std::size_t>(d) * W + w];
        }
    }

    bool admits(std::size_t k, std::size_t group) const { return admits_group(plan_, graph_, k, group); }

    // The worlds node v (internal id) is reached in, per channel of the sweep, pulled from its
    // sources' records: acc[j * W + w] for channel first + j.
    void pull(std::size_t v, std::uint64_t* acc) const {
        const std::size_t record = record_;
        const std::uint64_t* rows = scratch_.rows.data();
        const std::uint64_t* live = live_.arc.data();
        const std::size_t live_first = live_first_;
        const std::uint32_t* hot = plan_.arc_hot.data();
        for (std::size_t j = 0; j < record; ++j) acc[j] = 0;
        const std::size_t begin = plan_.in_start[v], end = plan_.in_start[v + 1];
        const std::size_t arcs = plan_.arc_hot.size();
        for (std::size_t k = begin; k < end; ++k) {
            if (k + kPrefetchArcs < arcs) {
                const std::uint64_t* next =
                    rows + static_cast<std::size_t>(hot[k + kPrefetchArcs] & kNodeMask) * record;
                // Every line of the record (a record need not start a line).
                for (std::size_t word = 0; word < record; word += 8) __builtin_prefetch(next + word);
                __builtin_prefetch(next + record - 1);
            }
            const std::uint32_t arc = hot[k];
            const std::uint64_t* source = rows + static_cast<std::size_t>(arc & kNodeMask) * record;
            if (arc & kFiltered) {
                pull_filtered(k, arc, source, acc);
            } else if (arc & kRandom) {
                const std::uint64_t* l = live + (k - live_first) * W;
                for (std::size_t j = 0; j < record; j += W)
                    for (int w = 0; w < W; ++w) acc[j + w] |= source[j + w] & l[w];
            } else {
                for (std::size_t j = 0; j < record; ++j) acc[j] |= source[j];
            }
        }
    }

    // An arc with a class filter passes the channels of the groups it admits.
    void pull_filtered(std::size_t k, std::uint32_t arc, const std::uint64_t* source, std::uint64_t* acc) const {
        const std::uint64_t* l = (arc & kRandom) ? live_.arc.data() + (k - live_first_) * W : nullptr;
        for (std::size_t c = first_channel_; c < last_channel_; ++c) {
            if (!admits(k, c % plan_.groups)) continue;
            const std::size_t j = (c - first_channel_) * W;
            for (int w = 0; w < W; ++w) acc[j + w] |= source[j + w] & (l ? l[w] : ~std::uint64_t{0});
        }
    }

    // Sets the adversaries' own channels in the record of v (internal id): an adversary is
    // reached in every world. `next` walks the sorted sources of the sweep.
    void add_sources(std::size_t v, std::size_t& next, std::uint64_t* acc) const {
        for (; next < sources_.size() && sources_[next].row == v; ++next)
            for (std::size_t j = sources_[next].first; j < sources_[next].last; ++j) acc[j] = ~std::uint64_t{0};
    }

    // One sweep over the swept nodes for the channels [first, last); false if stopped.
    bool sweep(std::size_t first, std::size_t last) {
        first_channel_ = first;
        last_channel_ = last;
        record_ = (last - first) * W;
        const std::size_t record = record_;
        std::uint64_t* rows = scratch_.rows.data();
        std::fill(rows + plan_.swept * record, rows + (plan_.swept + 1) * record, 0);  // the zero row
        sources_.clear();
        const std::size_t groups = plan_.groups;
        for (std::size_t i = 0; i < plan_.adversaries.size(); ++i) {
            const std::size_t row = plan_.adversary_rows[i];
            const std::size_t from = std::max(first, i * groups), to = std::min(last, (i + 1) * groups);
            if (row < plan_.swept && from < to) sources_.push_back({row, (from - first) * W, (to - first) * W});
        }
        std::sort(sources_.begin(), sources_.end(), [](const Source& a, const Source& b) { return a.row < b.row; });
        std::uint64_t acc[kRecordWords > W ? kRecordWords : W];
        std::size_t next_source = 0, next_cycle = 0, next_chunk = 0;
        for (std::size_t v = 0; v < plan_.swept;) {
            if ((v & 0x3FF) == 0 && stop_.load(std::memory_order_relaxed)) return false;
            if (by_chunk_ && v == plan_.live_chunks[next_chunk]) {  // chunks end with components
                const std::size_t end = plan_.live_chunks[++next_chunk];
                draw_arc_words(plan_.in_start[v], plan_.in_start[end]);
            }
            if (next_cycle < plan_.cycles.size() && plan_.cycles[next_cycle].first == v) {
                const auto [begin, end] = plan_.cycles[next_cycle++];
                settle_cycle(begin, end, next_source, acc);
                v = end;
                continue;
            }
            pull(v, acc);
            add_sources(v, next_source, acc);
            std::uint64_t* row = rows + v * record;
            for (std::size_t j = 0; j < record; ++j) row[j] = acc[j];  // a few words: no memmove call
            ++v;
        }
        return true;
    }

    // A cyclic component [begin, end): pulled again and again until nothing changes (each
    // pass can only add worlds, so this ends after at most end - begin passes).
    void settle_cycle(std::size_t begin, std::size_t end, std::size_t& next_source, std::uint64_t* acc) {
        const std::size_t record = record_;
        std::uint64_t* rows = scratch_.rows.data();
        std::fill(rows + begin * record, rows + end * record, 0);
        const std::size_t first_source = next_source;
        for (bool changed = true; changed;) {
            changed = false;
            next_source = first_source;
            for (std::size_t v = begin; v < end; ++v) {
                pull(v, acc);
                add_sources(v, next_source, acc);
                std::uint64_t* row = rows + v * record;
                if (!std::equal(acc, acc + record, row)) {
                    std::copy(acc, acc + record, row);
                    changed = true;
                }
            }
        }
    }

    static std::uint32_t popcount(const std::uint64_t* words) {
        std::uint32_t n = 0;
        for (int w = 0; w < W; ++w) n += static_cast<std::uint32_t>(__builtin_popcountll(words[w]));
        return n;
    }

    // Per atomic class after the sweep of its group's channel: the worlds with X_d >= each level, and
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

    // Arcs ahead whose source records are prefetched while an arc is pulled.
    static constexpr std::size_t kPrefetchArcs = 8;

    struct Source {
        std::size_t row, first, last;  // words [first, last) of the record of row
    };

    const CompiledGraph& graph_;
    const Plan& plan_;
    Scratch& scratch_;
    LiveWords& live_;
    Tallies& tallies_;
    const std::atomic<bool>& stop_;
    Donor donor_;
    const bool by_chunk_;         // live words drawn chunk by chunk during the (one) sweep
    std::size_t live_first_ = 0;  // the plan arc whose live words start live_.arc
    std::uint64_t first_word_ = 0;
    std::size_t first_channel_ = 0, last_channel_ = 0, record_ = 0, channel_offset_ = 0;
    std::vector<Source> sources_;
};

}  // namespace datareach::monte_carlo::detail
