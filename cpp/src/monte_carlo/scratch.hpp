// Per-thread memory of the Monte Carlo kernel, allocated once per worker and reused across
// blocks (and across graphs in a comparison): world masks per node, the cache of live masks
// drawn in the current block, and the integer tallies that make results deterministic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "plan.hpp"

namespace datareach::monte_carlo::detail {

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

}  // namespace datareach::monte_carlo::detail
