// The memo of the exact solver: equal residual problems reached by different histories are
// solved once, which turns the factoring recursion into a reduced decision diagram. Kept in
// arenas with an open-addressing index so that millions of small entries stay cheap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::exact {

// Memoised sub-problems: keys (32-bit words) and values in two arenas, an open-addressing
// index over them. When the memory limit is reached the memo starts afresh (the sub-problems
// of the current frontier are the ones reused, and they are found again quickly) rather than
// refusing new entries, so running out of memo slows the recursion down gracefully.
class Memo {
public:
    explicit Memo(std::size_t limit_bytes) : limit_(limit_bytes) {}

    static std::uint64_t hash(const std::vector<std::uint32_t>& key) {
        std::uint64_t h = 0x84222325CBF29CE4ull ^ key.size();
        for (std::uint32_t w : key) h = mix_keys(h, w);
        return h | 1;  // 0 marks an empty slot
    }

    const long double* find(const std::vector<std::uint32_t>& key, std::uint64_t h) const {
        if (slots_.empty()) return nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot& slot = slots_[i];
            if (slot.hash == 0) return nullptr;
            if (slot.hash == h && slot.key_len == key.size() &&
                std::equal(key.begin(), key.end(), keys_.begin() + static_cast<std::ptrdiff_t>(slot.key_at)))
                return values_.data() + slot.values_at;
        }
    }

    // Returns false when the memo was full and has been cleared (the entry is then stored
    // in the fresh memo).
    bool insert(const std::vector<std::uint32_t>& key, std::uint64_t h, const long double* values, std::size_t count) {
        bool kept = true;
        const std::size_t need = (keys_.size() + key.size()) * sizeof(std::uint32_t) +
                                 (values_.size() + count) * sizeof(long double) +
                                 std::max<std::size_t>(slots_.size(), 2 * (entries_ + 1)) * 2 * sizeof(Slot);
        if (need > limit_ && entries_ > 0) {
            clear();
            kept = false;
        }
        if (2 * (entries_ + 1) > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = h & mask;
        while (slots_[i].hash != 0) i = (i + 1) & mask;
        slots_[i] = {h, keys_.size(), static_cast<std::uint32_t>(key.size()), values_.size()};
        keys_.insert(keys_.end(), key.begin(), key.end());
        values_.insert(values_.end(), values, values + count);
        ++entries_;
        return kept;
    }

    void clear() {
        std::fill(slots_.begin(), slots_.end(), Slot{});
        keys_.clear();
        values_.clear();
        entries_ = 0;
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        std::size_t key_at = 0;
        std::uint32_t key_len = 0;
        std::size_t values_at = 0;
    };
    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(1024, slots_.size() * 2));
        old.swap(slots_);
        const std::size_t mask = slots_.size() - 1;
        for (const Slot& slot : old) {
            if (slot.hash == 0) continue;
            std::size_t i = slot.hash & mask;
            while (slots_[i].hash != 0) i = (i + 1) & mask;
            slots_[i] = slot;
        }
    }

    std::size_t limit_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> keys_;
    std::vector<long double> values_;
    std::size_t entries_ = 0;
};

}  // namespace datareach::exact
