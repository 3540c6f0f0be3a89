// Splitting the per-node and per-arc loops of the plan build over worker threads. Every
// worker writes only the output slots of its own range (fixed by prefix sums before the
// loop), so the plan is the same bytes whatever the number of threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

#include "datareach/monte_carlo.hpp"

namespace datareach::monte_carlo::detail {

// Workers for the plan build: options.threads (0: every core).
inline unsigned plan_threads(const MonteCarloOptions& options) {
    return options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
}

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

}  // namespace datareach::monte_carlo::detail
