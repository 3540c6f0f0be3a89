// The states of one level of the frontier search, merged by equality: fixed-length keys of
// 32-bit words in one arena, their probabilities (long double) beside them, and an
// open-addressing index. Equal states reached by different histories add up, so a level
// holds each distinct state once and the search costs (distinct states) x arcs.
//
// A key (see frontier.cpp) is
//   word 0      the frontier slots already reached from the adversary (bit per slot);
//   word 1      the target sets already reached (bit per set);
//   words 2-3   the values of the live shared variables (bit per variable slot, 64 slots);
//   then, per node slot, its row: the frontier slots its node reaches over processed live
//   arcs and the target sets it reaches (0 for reached or free slots). With one target set
//   a row is one word, bit 31 standing for the set; with several, two words (slots, sets).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::frontier {

inline constexpr int kMaxNodeSlots = 31;  // with one target set, bit 31 of a row is the set
inline constexpr int kMaxVariableSlots = 64;
inline constexpr int kMaxTargetSets = 32;
inline constexpr int kKeyHeader = 4;

// An open-addressing index over the positions 0 .. count - 1 of a table its owner keeps
// (linear probing, at most half full): StateTable and PairTable differ only in their keys.
class PositionIndex {
public:
    static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;

    void clear() { std::fill(slots_.begin(), slots_.end(), kAbsent); }

    // The position of the entry equal to the key of hash `h` (`same(position)` tells), or
    // kAbsent. Never grows.
    template <class Same>
    std::uint32_t find(std::uint64_t h, Same&& same) const {
        if (slots_.empty()) return kAbsent;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const std::uint32_t at = slots_[i];
            if (at == kAbsent || same(at)) return at;
        }
    }

    // The same, but a key not held is entered at position `count` (the owner appends its
    // entry there) and kAbsent returned. `hash_of(position)` rehashes the entries held
    // when the index grows.
    template <class HashOf, class Same>
    std::uint32_t find_or_enter(std::uint64_t h, std::size_t count, HashOf&& hash_of, Same&& same) {
        if ((count + 1) * 2 > slots_.size()) grow(count, hash_of);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const std::uint32_t at = slots_[i];
            if (at == kAbsent) {
                slots_[i] = static_cast<std::uint32_t>(count);
                return kAbsent;
            }
            if (same(at)) return at;
        }
    }

private:
    template <class HashOf>
    void grow(std::size_t count, HashOf&& hash_of) {
        slots_.assign(std::max<std::size_t>(64, slots_.size() * 2), kAbsent);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t i = hash_of(k) & mask;
            while (slots_[i] != kAbsent) i = (i + 1) & mask;
            slots_[i] = static_cast<std::uint32_t>(k);
        }
    }

    std::vector<std::uint32_t> slots_;
};

class StateTable {
public:
    explicit StateTable(int key_words) : words_(key_words) {}

    std::size_t size() const { return weights_.size(); }
    int key_words() const { return words_; }
    const std::uint32_t* key(std::size_t i) const { return keys_.data() + i * static_cast<std::size_t>(words_); }
    long double weight(std::size_t i) const { return weights_[i]; }
    // Bytes held per state (key, weight and its share of the index).
    std::size_t bytes_per_state() const { return words_ * sizeof(std::uint32_t) + sizeof(long double) + 16; }

    void clear() {
        keys_.clear();
        weights_.clear();
        index_.clear();
    }

    // Adds `w` to the state `key` (inserting it with weight w when new); returns its position.
    std::size_t add(const std::uint32_t* key, long double w) {
        const std::uint32_t at = index_.find_or_enter(
            hash(key), size(), [&](std::size_t k) { return hash(this->key(k)); },
            [&](std::uint32_t k) { return same(key, this->key(k)); });
        if (at != PositionIndex::kAbsent) {
            weights_[at] += w;
            return at;
        }
        keys_.insert(keys_.end(), key, key + words_);
        weights_.push_back(w);
        return weights_.size() - 1;
    }

    // The position of the state `key`, or size() when it is not held.
    std::size_t find(const std::uint32_t* key) const {
        const std::uint32_t at = index_.find(hash(key), [&](std::uint32_t k) { return same(key, this->key(k)); });
        return at == PositionIndex::kAbsent ? size() : at;
    }

    void set_weight(std::size_t i, long double w) { weights_[i] = w; }

private:
    // Keys are a few words: a loop, where std::equal calls memcmp for every probe.
    bool same(const std::uint32_t* a, const std::uint32_t* b) const {
        for (int i = 0; i < words_; ++i)
            if (a[i] != b[i]) return false;
        return true;
    }

    // A multiply-xorshift per 64-bit chunk, one full mix at the end: cheap on long keys.
    std::uint64_t hash(const std::uint32_t* key) const {
        std::uint64_t h = 0x84222325CBF29CE4ull;
        int i = 0;
        for (; i + 1 < words_; i += 2) {
            h = (h ^ (key[i] | std::uint64_t{key[i + 1]} << 32)) * 0x9E3779B97F4A7C15ull;
            h ^= h >> 29;
        }
        if (i < words_) h = (h ^ key[i]) * 0x9E3779B97F4A7C15ull;
        return mix_keys(h, static_cast<std::uint64_t>(words_));
    }

    int words_;
    std::vector<std::uint32_t> keys_;
    std::vector<long double> weights_;
    PositionIndex index_;
};

// Distinct 64-bit keys in the order first added, with an open-addressing index: the
// (state, pattern) pairs of the marginal sweep (marginals.cpp), which carry no weight.
class PairTable {
public:
    std::size_t size() const { return keys_.size(); }
    std::uint64_t key(std::size_t i) const { return keys_[i]; }
    static constexpr std::size_t bytes_per_pair() { return sizeof(std::uint64_t) + 8; }

    void clear() {
        keys_.clear();
        index_.clear();
    }

    // The position of `key`, added when new.
    std::size_t add(std::uint64_t key) {
        const std::uint32_t at = index_.find_or_enter(
            hash(key), size(), [&](std::size_t k) { return hash(keys_[k]); },
            [&](std::uint32_t k) { return keys_[k] == key; });
        if (at != PositionIndex::kAbsent) return at;
        keys_.push_back(key);
        return keys_.size() - 1;
    }

private:
    static std::uint64_t hash(std::uint64_t key) { return mix_keys(key, 0); }

    std::vector<std::uint64_t> keys_;
    PositionIndex index_;
};

}  // namespace datareach::frontier
