// Per-thread memory of the Monte Carlo kernel, allocated once per worker and reused across
// blocks (and across graphs in a comparison): world masks per node and channel, the live
// words drawn for the current block, and the integer tallies that make results deterministic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
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

// A node record holds the worlds of at most this many words (channels x block words) in one
// sweep: 192 bytes, three cache lines. A record read from memory serves all its words, so
// larger records amortise the scattered reads of a sweep (24 words against 16: ~20 % more
// worlds per second on 10^6 arcs with 12 channels, W = 2 rather than 1), at the price of
// the per-thread rows.
constexpr std::size_t kRecordWords = 24;

// The channels one sweep carries: (adversary, filter group) pairs, as many as fit a record.
inline std::size_t channel_batch(std::size_t channels, unsigned words) {
    return std::max<std::size_t>(1, std::min<std::size_t>(channels, kRecordWords / words));
}

// Whether a block of `words` words takes one sweep of the plan (every channel in one record):
// its live words are then drawn chunk by chunk as the sweep goes (Plan::live_chunks), unless
// another graph copies them (a comparison's base) or they are copied from another graph.
inline bool one_sweep(const Plan& plan, unsigned words) {
    const std::size_t channels = plan.adversaries.size() * plan.groups;
    return channel_batch(channels, words) >= channels;
}

// The plan arcs whose live words a thread holds at once: a chunk's in a run of one sweep per
// block, else every plan arc's.
inline std::size_t live_arcs(const Plan& plan, unsigned words) {
    return one_sweep(plan, words) ? plan.max_chunk_arcs : plan.arc_count();
}

// The live words of one graph in one block, drawn ahead of its sweeps: per plan arc W words,
// the worlds in which it is live (read for random arcs only), and per event W words. A run
// drawing chunk by chunk holds the words of one chunk's arcs (see live_arcs).
struct LiveWords {
    AlignedWords arc;
    std::vector<std::uint64_t> event;

    LiveWords(std::size_t arcs, std::size_t events, unsigned words) : arc(arcs * words), event(events * words, 0) {}
};

// Per-thread scratch of the kernel, reused across blocks and segments, and across graphs
// (a comparison evaluates its graphs one after another on each block): sized for the largest.
struct Scratch {
    AlignedWords rows;  // per swept node (+ a zero row): the worlds it is reached in, per channel
    LiveWords live;     // the live words of the graph being evaluated

    // rows_words: (swept nodes + 1) x record words of the largest graph.
    Scratch(std::size_t rows_words, std::size_t arcs, std::size_t events, unsigned words)
        : rows(rows_words), live(arcs, events, words) {}
};

// The record words of a plan's sweeps and the words of its rows.
inline std::size_t record_words(const Plan& plan, unsigned words) {
    return channel_batch(plan.adversaries.size() * plan.groups, words) * words;
}
inline std::size_t rows_words(const Plan& plan, unsigned words) { return (plan.swept + 1) * record_words(plan, words); }

// Live words another graph drew in the same block that this graph copies instead of drawing.
struct Donor {
    const LiveWords* live = nullptr;
    const DrawList* draws = nullptr;  // this graph's own draws and its copies
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
