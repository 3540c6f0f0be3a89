// The threaded block driver of the Monte Carlo engines: which blocks to run, on how many
// workers, where a run with a tolerance may stop, progress and cancellation. Kept apart from
// the kernel so that exposure and comparison share one scheduling (and so one determinism).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "datareach/errors.hpp"

#include "datareach/monte_carlo.hpp"
#include "datareach/samplers.hpp"
#include "scratch.hpp"

namespace datareach::monte_carlo::detail {

// Samples are drawn in whole quanta of this many worlds (the largest block).
constexpr std::uint64_t kWorldQuantum = 512;
static_assert(kWorldQuantum == kWorldsPerQuantum, "one quantum, public and private");

// The world counts after which a run with a tolerance checks its intervals: every 4096
// worlds up to 16384, then growing by a quarter, all multiples of 4096 (of every block size).
std::vector<std::uint64_t> checkpoint_blocks(std::uint64_t total_blocks, std::uint64_t block_worlds, bool tolerance);

struct Tally {
    std::vector<std::uint64_t> counts;
    std::uint64_t blocks = 0;
};

// The running counts of every thread, summed (integers: the order does not matter).
Tally sum_counts(const std::vector<std::unique_ptr<Tallies>>& tallies, std::size_t size);

// Throws ModelError for invalid options (see monte_carlo_exposure).
void check_options(const MonteCarloOptions& options);

// The block size (words of 64 worlds) for a run whose sweeps carry `channels` channels
// (adversaries x filter groups) over `arcs` plan arcs (all graphs of a comparison):
// options.block_words, or the largest of 8, 4, 2, 1 whose records of all channels fit
// kRecordWords and whose live words stay within kMaxLiveWords per thread.
unsigned block_words_for(std::size_t channels, std::size_t arcs, const MonteCarloOptions& options);

// At most this many live words per thread (128 MiB) when the block size is chosen.
constexpr std::size_t kMaxLiveWords = std::size_t{1} << 24;

// Whole quanta of 512 worlds whatever the block size, so the block size never changes a result.
inline std::uint64_t total_blocks_for(std::uint64_t samples, std::uint64_t block_worlds) {
    const std::uint64_t quanta = samples / kWorldQuantum + (samples % kWorldQuantum ? 1 : 0);
    return quanta * (kWorldQuantum / block_worlds);
}

// Throws ModelError unless [first, last) is a range of the quanta [0, quanta).
inline void check_quanta(std::uint64_t first, std::uint64_t last, std::uint64_t quanta) {
    if (first > last || last > quanta)
        throw ModelError("quanta: [" + std::to_string(first) + ", " + std::to_string(last) +
                         ") is not a range of the run's " + std::to_string(quanta) + " quanta");
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

// Runs the blocks of the quanta [first, last) as one segment (no stopping test: whoever
// splits a run into ranges tests convergence between them) on `threads` workers;
// work(t, block, stop) gets global block indices. Progress as in run_blocks, over the range.
template <class Work>
void run_quanta(unsigned threads, std::uint64_t first, std::uint64_t last, std::uint64_t block_worlds,
                const MonteCarloOptions& options, Work&& work) {
    const std::uint64_t per_quantum = kWorldQuantum / block_worlds;
    MonteCarloOptions one_segment = options;
    one_segment.tolerance = 0.0;
    run_blocks(
        threads, (last - first) * per_quantum, block_worlds, one_segment,
        [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
            return work(t, first * per_quantum + block, stop);
        },
        [] { return false; });
}

}  // namespace datareach::monte_carlo::detail
