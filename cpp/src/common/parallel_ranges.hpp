// Splitting a loop over worker threads by consecutive ranges. Callers write only the output
// slots of their own range (fixed by prefix sums before the loop), so what they build is the
// same bytes whatever the number of threads: the Monte Carlo plan and the arc keys use it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace datareach::parallel {

// Every core (at least one): for the steps that take no options (the arc keys).
inline unsigned hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// Calls body(first, last) on consecutive ranges covering [0, count), on at most `threads`
// threads (the calling one included); range bounds are multiples of `align`, and no range is
// shorter than `grain` items (a thread costs more than a short loop). The first exception of a
// worker is rethrown once all have finished.
template <class Body>
void parallel_ranges(unsigned threads, std::size_t count, std::size_t grain, std::size_t align, Body&& body) {
    const std::size_t most = std::max<std::size_t>(1, count / std::max<std::size_t>(grain, 1));
    const std::size_t parts = std::min<std::size_t>(std::max(1u, threads), most);
    if (parts <= 1) {
        if (count) body(std::size_t{0}, count);
        return;
    }
    auto bound = [&](std::size_t part) {
        if (part >= parts) return count;
        return std::min(count, (count / parts * part) / align * align);
    };
    std::vector<std::exception_ptr> failures(parts);
    std::vector<std::thread> pool;
    pool.reserve(parts - 1);
    auto run = [&](std::size_t part) {
        try {
            const std::size_t first = bound(part), last = bound(part + 1);
            if (first < last) body(first, last);
        } catch (...) {
            failures[part] = std::current_exception();
        }
    };
    for (std::size_t part = 1; part < parts; ++part) {
        try {
            pool.emplace_back(run, part);
        } catch (...) {  // no more threads: this one does the part
            run(part);
        }
    }
    run(0);
    for (auto& thread : pool) thread.join();
    for (auto& failure : failures)
        if (failure) std::rethrow_exception(failure);
}

// [0, count) cut into consecutive parts whose bounds depend on count and the number of parts
// only, never on the threads that run them: per-part counts and prefix sums over them then
// fix every output slot before any is written (the arc keys, the Monte Carlo plan).
class FixedParts {
public:
    // At most `most` parts (one at least) of at least `grain` items each.
    FixedParts(std::size_t count, std::size_t grain, std::size_t most)
        : count_(count), parts_(std::max<std::size_t>(1, std::min(most, count / std::max<std::size_t>(grain, 1)))) {}

    std::size_t size() const { return parts_; }
    std::size_t begin(std::size_t part) const { return count_ / parts_ * part + std::min(part, count_ % parts_); }
    std::size_t end(std::size_t part) const { return begin(part + 1); }

    // Calls body(part, first, last) for every part, on at most `threads` threads.
    template <class Body>
    void run(unsigned threads, Body&& body) const {
        parallel_ranges(threads, parts_, 1, 1, [&](std::size_t first_part, std::size_t last_part) {
            for (std::size_t part = first_part; part < last_part; ++part) body(part, begin(part), end(part));
        });
    }

private:
    std::size_t count_, parts_;
};

// Per-part counts per bin (counts[part][bin], bins of them at least) turned in place into the
// first slot of each part's items in each bin, bin by bin and within a bin part by part;
// returns the first slot of every bin, and the total last (bins + 1 entries).
template <class Count>
std::vector<Count> slots_from_counts(std::vector<std::vector<Count>>& counts, std::size_t bins) {
    std::vector<Count> start(bins + 1, 0);
    Count next = 0;
    for (std::size_t bin = 0; bin < bins; ++bin) {
        start[bin] = next;
        for (auto& part : counts) {
            const Count count = part[bin];
            part[bin] = next;
            next += count;
        }
    }
    start[bins] = next;
    return start;
}

}  // namespace datareach::parallel
