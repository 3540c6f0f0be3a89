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

}  // namespace datareach::parallel
