// Internal to the Monte Carlo engines (exposure_monte_carlo.cpp and exposure_comparison.cpp;
// not installed, not part of the C++ API): the run plan of one graph, the per-thread scratch
// and tallies, the bit-parallel per-block kernel and the threaded block driver. Monte Carlo
// exposure runs one kernel per block; the paired comparison runs one kernel per graph on the
// same block (the same global worlds, hence the same coins for the same keys) and reads the
// class level masks the kernels leave behind.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exposure.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach {
namespace monte_carlo {
namespace detail {

// The hot word of an arc, read on every scan: its target and three flags. The rest of what
// drawing its mask needs is in ArcCold, read only when the mask is drawn.
constexpr std::uint32_t kTargetMask = (std::uint32_t{1} << 29) - 1;
constexpr std::uint32_t kDead = std::uint32_t{1} << 29;      // never live (p = 0 or an event with p = 0)
constexpr std::uint32_t kFiltered = std::uint32_t{1} << 30;  // has a class filter
constexpr std::uint32_t kRandom = std::uint32_t{1} << 31;    // neither dead nor certain: needs a mask

struct ArcCold {
    std::uint64_t stream;        // arc_stream_key(seed, arc_key)
    std::uint64_t mantissa;      // BernoulliP of the arc's own p
    std::uint32_t events_begin;  // random events (0 < p < 1) it requires, in Plan::arc_events
    std::uint32_t events_count;
    std::int16_t zero_bits;
    std::uint8_t has_coin;  // p < 1
};

enum : std::uint8_t { kNever = 1, kAlways = 2, kFixedShare = 4 };

// At most this many words (64 MiB) of per-group admission bits.
constexpr std::size_t kMaxAdmitWords = std::size_t{1} << 23;

struct EventInfo {
    std::uint64_t stream;
    BernoulliP p;
};

// Everything fixed for one run: per-arc kernel data, class groups, share levels, the layout
// of the count arrays.
//
// The kernel works on its own copy of the graph with the nodes renumbered ("internal" ids)
// in the reverse postorder of a depth-first search over the arcs that can be live, started
// from the adversaries. That order is topological on the strongly connected components, so a
// sweep over the marked nodes in id order pushes worlds down a DAG in one pass, and sweeps
// walk memory mostly sequentially. Arcs are identified by their keys, so renumbering changes
// no random number.
struct Plan {
    std::size_t nodes = 0;
    std::vector<NodeIndex> adversaries;       // model node ids
    std::vector<NodeIndex> rank;              // model node id -> internal id
    std::vector<std::uint64_t> row_start;     // internal CSR: out-arcs of internal node r
    std::vector<std::uint32_t> arc_hot;       // per internal arc: internal target | flags
    std::vector<ArcCold> arc_cold;            // per internal arc
    std::vector<std::uint32_t> arc_original;  // per internal arc: its compiled arc index
    std::vector<std::int32_t> arc_events;
    std::vector<EventInfo> events;

    // Groups of atomic classes (with presence) admitted by the same arcs: one propagation each.
    std::vector<ClassIndex> group_rep;
    RaggedIndex group_atoms;
    RaggedIndex group_stores;  // the stores holding some class of the group, once each (internal)
    // Per group, a bit per arc: admits the group (only consulted for filtered arcs). Empty
    // when it would exceed kMaxAdmitWords; the kernel then searches the filter row.
    std::vector<std::uint64_t> group_admits;
    std::size_t admit_words = 0;

    // Share levels of each atomic class, descending: level k holds the stores with that share.
    std::vector<std::int64_t> atom_level_begin;  // per class (+1); empty range for composites
    std::vector<double> atom_level_share;
    std::vector<std::int64_t> level_entry_begin;  // per atom level (+1), into level_entry_store
    std::vector<NodeIndex> level_entry_store;     // internal ids
    std::vector<NodeIndex> entry_node;            // per presence entry: its store, internal id

    // Class levels: the distinct values X_c can take (> 0), descending, and for each the atom
    // level of every component at or above it (X_c >= l iff every component has X_d >= l).
    std::vector<std::int64_t> class_level_begin;  // per class (+1), global class level index
    std::vector<double> class_level_share;
    std::vector<std::int64_t> class_level_atoms_begin;  // per class
    std::vector<std::int32_t> class_level_atoms;        // levels x components, row-major
    std::vector<std::int32_t> class_arity;              // components per class

    // Places.
    bool places = false;
    std::vector<std::int64_t> region_slot_begin;  // per class (+1)
    std::vector<std::int32_t> slot_region;
    RaggedIndex entry_slots;  // per presence entry: the region slots it counts for
    std::size_t max_slots_per_class = 0;

    // Count layout per adversary: class levels, then presence entries, then region slots.
    std::size_t level_count = 0;
    std::size_t entry_count = 0;
    std::size_t slot_count = 0;
    std::size_t stride = 0;

    // What deterministic reach (docs/design.md §2.6) settles for each adversary: a probability that is
    // 0 or 1 in every world gets a zero-width interval, and so does a fixed exposed share.
    std::vector<std::uint8_t> class_known;  // adversaries x classes: kNever | kAlways | kFixedShare
    std::vector<double> class_top;          // adversaries x classes: largest possible X_c
    std::vector<std::uint8_t> place_known;  // adversaries x (entries + slots): kNever | kAlways
};

// Does internal arc k admit the classes of `group`? (Only asked of filtered arcs.)
inline bool admits_group(const Plan& plan, const CompiledGraph& g, std::size_t k, std::size_t group) {
    if (!plan.group_admits.empty()) return (plan.group_admits[group * plan.admit_words + k / 64] >> (k % 64)) & 1;
    const auto& f = g.arc_classes();
    const std::size_t original = plan.arc_original[k];
    return std::binary_search(f.begin(original), f.end(original), plan.group_rep[group]);
}

// The plan of one graph and its adversaries (model node ids, checked by the caller).
Plan build_plan(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& options);

// A zeroed array of 64-bit words aligned to a cache line, so a node's W words (W = 8: one
// line) never straddle two lines.
class AlignedWords {
public:
    AlignedWords() = default;
    explicit AlignedWords(std::size_t n) : size_(n), data_(new (std::align_val_t{64}) std::uint64_t[n ? n : 1]()) {}
    std::uint64_t* data() { return data_.get(); }
    const std::uint64_t* data() const { return data_.get(); }
    std::uint64_t& operator[](std::size_t i) { return data_[i]; }
    std::size_t size() const { return size_; }

private:
    struct Delete {
        void operator()(std::uint64_t* p) const { ::operator delete[](p, std::align_val_t{64}); }
    };
    std::size_t size_ = 0;
    std::unique_ptr<std::uint64_t[], Delete> data_;
};

// At most this many cached mask words per thread (128 MiB); larger models share slots.
constexpr std::size_t kMaxCachedMaskWords = std::size_t{1} << 24;

// Samples are drawn in whole quanta of this many worlds (the largest block).
constexpr std::uint64_t kWorldQuantum = 512;

// A direct-mapped cache of the live masks drawn in one block of one graph: arc a lives in
// slot a & slot_mask, tagged (epoch << 32) | a. Dense (one slot per arc) up to a memory cap;
// beyond it colliding arcs are simply drawn again (the same words: counter-based). Every
// evaluation of a block starts a new epoch. Per thread, reused across blocks.
struct ArcCache {
    std::vector<std::uint64_t> arc_tag;
    AlignedWords arc_mask;  // per slot: W words
    std::size_t slot_mask = 0;
    std::vector<std::uint32_t> event_stamp;
    std::vector<std::uint64_t> event_mask;
    std::uint32_t epoch = 0;

    ArcCache(std::size_t arcs, std::size_t events, unsigned words) {
        std::size_t slots = 1;
        while (slots < arcs && slots * words < kMaxCachedMaskWords) slots *= 2;
        slot_mask = slots - 1;
        arc_tag.assign(slots, 0);
        arc_mask = AlignedWords(slots * words);
        event_stamp.assign(events, 0);
        event_mask.assign(events * words, 0);
    }

    void next_epoch() {
        if (++epoch == 0) {  // wrapped after 2^32 evaluations: forget every stamp
            std::fill(arc_tag.begin(), arc_tag.end(), 0);
            std::fill(event_stamp.begin(), event_stamp.end(), 0);
            epoch = 1;
        }
    }

    // The mask of arc a if drawn in the current epoch, else null.
    const std::uint64_t* find(std::size_t a, unsigned words) const {
        const std::size_t slot = a & slot_mask;
        return arc_tag[slot] == ((static_cast<std::uint64_t>(epoch) << 32) | a) ? arc_mask.data() + slot * words
                                                                                : nullptr;
    }
};

// Per-thread scratch of the kernel, reused across blocks and segments, and across graphs
// (a comparison evaluates its graphs one after another on each block): sized for the largest.
struct Scratch {
    AlignedWords reached;                // per node: W words, the worlds in which it is reached
    AlignedWords pending;                // per node: W words reached but not yet pushed on
    std::vector<std::uint64_t> marks;    // per node: a bit, it has pending worlds
    std::vector<std::uint64_t> summary;  // per word of marks: a bit, the word is non-zero
    std::vector<std::uint8_t> watched;   // stores of the group being propagated
    std::vector<NodeIndex> touched;      // nodes reached in the current propagation
    ArcCache cache;                      // the live masks of the graph being evaluated

    Scratch(std::size_t nodes, std::size_t arcs, std::size_t events, unsigned words) : cache(arcs, events, words) {
        reached = AlignedWords(nodes * words);
        pending = AlignedWords(nodes * words);
        marks.assign(nodes / 64 + 1, 0);
        summary.assign(marks.size() / 64 + 1, 0);
        watched.assign(nodes, 0);
    }
    explicit Scratch(const Plan& plan, unsigned words)
        : Scratch(plan.nodes, plan.arc_hot.size(), plan.events.size(), words) {}
};

// Masks another graph drew in the same block (the same global worlds) that this graph may
// copy instead of drawing: arc[k] is, for internal arc k of this graph, the internal arc of
// the donor graph with the same coin stream, p and random events (same key, same seed: the
// same mask), or -1.
struct Donor {
    const ArcCache* cache = nullptr;
    const std::int32_t* arc = nullptr;
};

// Per-thread counts of one graph: the block being evaluated and the running sums.
struct Tallies {
    std::vector<std::uint64_t> atom_level_mask;  // per atom level: W words
    std::vector<std::uint64_t> region_acc;
    std::vector<std::uint32_t> block_counts;  // adversaries x stride: the block just evaluated
    // Empty, or per adversary and class level the W words of worlds with X_c >= the level
    // (adversaries x level_count x W), for the block just evaluated.
    std::vector<std::uint64_t> class_masks;
    std::vector<std::uint64_t> counts;  // adversaries x stride, summed over blocks
    std::uint64_t blocks_done = 0;

    Tallies(const Plan& plan, unsigned words, bool keep_class_masks = false) {
        atom_level_mask.assign(plan.atom_level_share.size() * words, 0);
        region_acc.assign(plan.max_slots_per_class * words, 0);
        block_counts.assign(plan.adversaries.size() * plan.stride, 0);
        if (keep_class_masks) class_masks.assign(plan.adversaries.size() * plan.level_count * words, 0);
        counts.assign(plan.adversaries.size() * plan.stride, 0);
    }
};

template <int W>
class Kernel {
public:
    // `cache` (default: the scratch's) holds the masks drawn for this graph; `donor`, when
    // given, masks of another graph in the same block to copy rather than draw.
    Kernel(const CompiledGraph& graph, const Plan& plan, Scratch& scratch, Tallies& tallies,
           const std::atomic<bool>& stop, ArcCache* cache = nullptr, Donor donor = {})
        : graph_(graph),
          plan_(plan),
          s_(scratch),
          c_(cache ? *cache : scratch.cache),
          t_(tallies),
          stop_(stop),
          donor_(donor) {}

    // Evaluates one block of 64 * W worlds (global words block * W ..): its counts into
    // tallies.block_counts and, if the tallies keep them, the class level masks of every
    // adversary into tallies.class_masks. Nothing is added to the running counts (commit()
    // does that). False if the run was stopped meanwhile.
    bool compute_block(std::uint64_t block) {
        c_.next_epoch();
        first_word_ = block * W;
        const auto& group_atoms = plan_.group_atoms;
        for (std::size_t i = 0; i < plan_.adversaries.size(); ++i) {
            std::uint32_t* counts = t_.block_counts.data() + i * plan_.stride;
            for (std::size_t group = 0; group < plan_.group_rep.size(); ++group) {
                const bool finished = propagate(plan_.rank[plan_.adversaries[i]], group);
                if (finished)
                    for (auto it = group_atoms.begin(group); it != group_atoms.end(group); ++it)
                        tally_atom(*it, counts);
                clear_reached();
                if (!finished) return false;
            }
            tally_classes(counts, t_.class_masks.empty() ? nullptr : t_.class_masks.data() + i * plan_.level_count * W);
        }
        return true;
    }

    // Adds the block just computed to the running counts.
    void commit() {
        const std::size_t n = t_.counts.size();
        for (std::size_t k = 0; k < n; ++k) t_.counts[k] += t_.block_counts[k];
        ++t_.blocks_done;
    }

    // Tallies one block into the running counts; false (and nothing tallied) if stopped.
    bool run_block(std::uint64_t block) {
        if (!compute_block(block)) return false;
        commit();
        return true;
    }

private:
    std::uint64_t* reached(NodeIndex v) { return s_.reached.data() + static_cast<std::size_t>(v) * W; }
    std::uint64_t* pending(NodeIndex v) { return s_.pending.data() + static_cast<std::size_t>(v) * W; }

    const std::uint64_t* event_mask(std::int32_t e) {
        std::uint64_t* mask = c_.event_mask.data() + static_cast<std::size_t>(e) * W;
        if (c_.event_stamp[e] != c_.epoch) {
            c_.event_stamp[e] = c_.epoch;
            const EventInfo& ev = plan_.events[e];
            for (int w = 0; w < W; ++w) mask[w] = bernoulli_word(ev.p, stream_base(ev.stream, first_word_ + w));
        }
        return mask;
    }

    // The live mask of a random arc in this block, drawn at first use.
    const std::uint64_t* live_mask(ArcIndex a) {
        const std::size_t slot = static_cast<std::size_t>(a) & c_.slot_mask;
        std::uint64_t* mask = c_.arc_mask.data() + slot * W;
        const std::uint64_t tag = (static_cast<std::uint64_t>(c_.epoch) << 32) | static_cast<std::uint64_t>(a);
        if (c_.arc_tag[slot] == tag) return mask;
        c_.arc_tag[slot] = tag;
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
        s_.marks[u >> 6] |= std::uint64_t{1} << (u & 63);
        s_.summary[u >> 12] |= std::uint64_t{1} << ((u >> 6) & 63);
    }

    // The smallest marked node >= from, unmarked; -1 if none.
    std::int64_t take_marked(std::size_t from) {
        std::size_t word = from >> 6;
        if (word >= s_.marks.size()) return -1;
        std::uint64_t bits = s_.marks[word] & (~std::uint64_t{0} << (from & 63));
        if (!bits) {
            // The next non-zero word after `word`, found through the summary.
            std::size_t next = word + 1;
            std::size_t s = next >> 6;
            if (s >= s_.summary.size()) return -1;
            std::uint64_t sbits = (next & 63) ? s_.summary[s] & (~std::uint64_t{0} << (next & 63)) : s_.summary[s];
            while (!sbits) {
                if (++s >= s_.summary.size()) return -1;
                sbits = s_.summary[s];
            }
            word = (s << 6) + static_cast<std::size_t>(__builtin_ctzll(sbits));
            bits = s_.marks[word];
        }
        const std::size_t r = (word << 6) + static_cast<std::size_t>(__builtin_ctzll(bits));
        s_.marks[word] &= ~(std::uint64_t{1} << (r & 63));
        if (!s_.marks[word]) s_.summary[word >> 6] &= ~(std::uint64_t{1} << (word & 63));
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
        for (auto it = stores.begin(group); it != stores.end(group); ++it) s_.watched[*it] = 1;
        struct Unwatch {
            Scratch& ws;
            const std::int32_t *first, *last;
            ~Unwatch() {
                for (auto it = first; it != last; ++it) ws.watched[*it] = 0;
            }
        } unwatch{s_, stores.begin(group), stores.end(group)};
        std::uint64_t* src = reached(source);
        std::uint64_t* src_pending = pending(source);
        for (int w = 0; w < W; ++w) src[w] = src_pending[w] = ~std::uint64_t{0};
        s_.touched.push_back(source);
        if (s_.watched[source] && --unsaturated == 0) return true;
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
                if (was_empty) s_.touched.push_back(t);
                mark(t);
                if (s_.watched[t] && full == ~std::uint64_t{0} && --unsaturated == 0) return true;
            }
        }
        return true;
    }

    // Forgets the propagation: reached, pending and marks of every node it touched.
    void clear_reached() {
        for (NodeIndex v : s_.touched) {
            std::uint64_t* r = reached(v);
            std::uint64_t* p = pending(v);
            for (int w = 0; w < W; ++w) r[w] = p[w] = 0;
            const auto u = static_cast<std::size_t>(v);
            s_.marks[u >> 6] = 0;
            s_.summary[u >> 12] = 0;
        }
        s_.touched.clear();
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
            std::uint64_t* out = t_.atom_level_mask.data() + k * W;
            for (int w = 0; w < W; ++w) out[w] = cumulative[w];
        }
        if (!plan_.places) return;
        const auto& presence = graph_.presence_stores();
        std::uint32_t* store_counts = counts + plan_.level_count;
        std::uint32_t* slot_counts = counts + plan_.level_count + plan_.entry_count;
        const auto slot0 = plan_.region_slot_begin[d];
        const auto slots = plan_.region_slot_begin[d + 1] - slot0;
        std::uint64_t* acc = t_.region_acc.data();
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
        const std::uint64_t* level_mask = t_.atom_level_mask.data();
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
    Scratch& s_;
    ArcCache& c_;
    Tallies& t_;
    const std::atomic<bool>& stop_;
    Donor donor_;
    std::uint64_t first_word_ = 0;
};

// The world counts after which a run with a tolerance checks its intervals: every 4096
// worlds up to 16384, then growing by a quarter, all multiples of 4096 (of every block size).
std::vector<std::uint64_t> checkpoint_blocks(std::uint64_t total_blocks, std::uint64_t block_worlds, bool tolerance);

struct Tally {
    std::vector<std::uint64_t> counts;
    std::uint64_t blocks = 0;
};

// The running counts of every thread, summed (integers: the order does not matter).
Tally sum_counts(const std::vector<std::unique_ptr<Tallies>>& tallies, std::size_t size);

// A probability's interval: exact where deterministic reach settles it, Wilson otherwise.
void probability_interval(std::uint8_t known, std::uint64_t hits, std::uint64_t worlds, double z, double& low,
                          double& high);

// The table of one graph from its summed counts.
ExposureTable make_table(const CompiledGraph& g, const Plan& plan, const Tally& tally, std::uint64_t worlds,
                         const MonteCarloOptions& options, double z);

// Throws ModelError for invalid options (see monte_carlo_exposure).
void check_options(const MonteCarloOptions& options);

// The block size (words of 64 worlds) for a model with this many nodes: options.block_words,
// or 8 and fewer for models with millions of nodes.
unsigned block_words_for(std::size_t nodes, const MonteCarloOptions& options);

// Whole quanta of 512 worlds whatever the block size, so the block size never changes a result.
inline std::uint64_t total_blocks_for(std::uint64_t samples, std::uint64_t block_worlds) {
    const std::uint64_t quanta = samples / kWorldQuantum + (samples % kWorldQuantum ? 1 : 0);
    return quanta * (kWorldQuantum / block_worlds);
}

// Runs the blocks [0, total_blocks) on `threads` workers, in segments that end at the
// checkpoints. work(t, block, stop) evaluates and tallies one block with the state of worker
// t (a worker's state is only ever used by one thread at a time) and returns false if it was
// stopped midway (nothing tallied). Between segments, converged() may end the run (only when
// options.tolerance > 0). The calling thread reports progress (worlds tallied of
// total_blocks * block_worlds) about ten times a second and watches options.cancel.
// Exceptions of the workers or of progress stop the run and are rethrown once every worker
// has been joined.
template <class Work, class Converged>
void run_blocks(unsigned threads, std::uint64_t total_blocks, std::uint64_t block_worlds,
                const MonteCarloOptions& options, Work&& work, Converged&& converged) {
    using Clock = std::chrono::steady_clock;
    const std::uint64_t total_worlds = total_blocks * block_worlds;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> next_block{0};
    std::atomic<std::uint64_t> blocks_done{0};
    std::exception_ptr failure;
    std::mutex mutex;
    std::condition_variable finished;
    Clock::time_point last_report = Clock::now();

    auto should_stop = [&] { return options.cancel && options.cancel->load(std::memory_order_relaxed); };

    std::uint64_t start = 0;
    for (std::uint64_t end : checkpoint_blocks(total_blocks, block_worlds, options.tolerance > 0.0)) {
        next_block.store(start);
        const unsigned workers = static_cast<unsigned>(std::min<std::uint64_t>(threads, end - start));
        unsigned active = 0;
        // Each worker claims blocks in order until the segment ends or the run stops; a block
        // stopped halfway is not counted.
        auto worker = [&](unsigned t) {
            try {
                while (!stop.load(std::memory_order_relaxed)) {
                    const std::uint64_t block = next_block.fetch_add(1);
                    if (block >= end) break;
                    if (work(t, block, stop)) blocks_done.fetch_add(1);
                }
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure) failure = std::current_exception();
                stop = true;
            }
            std::lock_guard<std::mutex> lock(mutex);
            --active;
            finished.notify_all();
        };
        std::vector<std::thread> pool;
        pool.reserve(workers);
        for (unsigned t = 0; t < workers; ++t) {
            std::lock_guard<std::mutex> lock(mutex);
            ++active;
            try {
                pool.emplace_back(worker, t);
            } catch (...) {  // no more threads: stop the others, join them, then report
                --active;
                if (!failure) failure = std::current_exception();
                stop = true;
                break;
            }
        }
        {
            std::unique_lock<std::mutex> lock(mutex);
            while (active > 0) {
                finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return active == 0; });
                if (active == 0) break;
                lock.unlock();
                if (should_stop()) stop = true;
                const auto now = Clock::now();
                if (options.progress && now - last_report >= std::chrono::milliseconds(100)) {
                    last_report = now;
                    try {
                        if (!options.progress(blocks_done.load() * block_worlds, total_worlds)) stop = true;
                    } catch (...) {  // never leave with workers running: stop, join, rethrow
                        std::lock_guard<std::mutex> guard(mutex);
                        if (!failure) failure = std::current_exception();
                        stop = true;
                    }
                }
                lock.lock();
            }
        }
        for (auto& thread : pool) thread.join();
        if (failure) std::rethrow_exception(failure);
        if (stop.load() || should_stop()) break;
        start = end;
        if (options.tolerance > 0.0 && end < total_blocks && converged()) break;
    }
}

}  // namespace detail
}  // namespace monte_carlo
}  // namespace datareach
