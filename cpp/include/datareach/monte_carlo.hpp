// Monte Carlo exposure (docs/design.md §2.2-2.5): bit-parallel sampling of random worlds.
//
// 64 worlds live in the lanes of one 64-bit word, a block is `block_words` such words. Per
// block the live words of every arc are drawn ahead, then one sweep in a topological order
// of the graph's components pulls world masks along the in-arcs of every node that can
// matter (reached[v] |= reached[source] & live(a); a cyclic component to its fixpoint), for
// every adversary and group of classes admitting the same arcs at once (docs/design.md
// decision 55). Every random word comes from a counter-based generator keyed by (seed, arc
// or event key, world word, bit), so the numbers do not depend on the thread count, the
// block size or the order coins are drawn in, and the same arc key sees the same coins in
// two variants of a model (common random numbers; raising an arc's p
// only adds live worlds). Counts per block are integers, summed at the end, so the result is
// deterministic. Probabilities get Wilson intervals, E[X] a normal interval from the sample
// variance; what deterministic reach settles (a class or store never or always reached, a
// fixed exposed share) gets its exact value with a zero-width interval.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/exposure.hpp"
#include "datareach/intervals.hpp"
#include "datareach/random_streams.hpp"

namespace datareach {

struct MonteCarloOptions {
    // Cap on the worlds drawn, rounded up to a multiple of 512. > 0.
    std::uint64_t samples = 100000;
    // 0: off. Otherwise stop at the first checkpoint where every class-level probability
    // interval has half-width <= tolerance. Checkpoints lie at fixed world counts, so where a
    // run stops does not depend on the thread count.
    double tolerance = 0.0;
    std::uint64_t seed = 0;
    // Worker threads; 0: all hardware threads.
    unsigned threads = 0;
    // Two-sided confidence level of every interval, in (0, 1).
    double confidence = 0.95;
    // Called from the calling thread only, about ten times a second and once at the end,
    // with (worlds done, worlds requested); returning false stops the run (the table then
    // covers the worlds drawn so far).
    ProgressCallback progress;
    // Set from any thread to stop the run early, like progress returning false.
    const std::atomic<bool>* cancel = nullptr;
    // Fill ExposureTable::by_store and by_region.
    bool places = true;
    // Words of 64 worlds per block: 1, 2, 4 or 8; 0 picks the largest whose node records of
    // every (adversary, filter group) fit 24 words and whose live words stay within 2^24 per
    // thread. Results never depend on it: a tuning knob and a test hook.
    unsigned block_words = 0;
};

// Throws ModelError for invalid options (samples == 0, tolerance < 0, confidence outside
// (0, 1), threads > 1024, block_words not in {0, 1, 2, 4, 8}) or an adversary that is not a
// node.
ExposureTable monte_carlo_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                   const MonteCarloOptions& options);

}  // namespace datareach
