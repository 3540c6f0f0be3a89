// Monte Carlo exposure (docs/design.md §2.2-2.5): bit-parallel sampling of random worlds.
//
// 64 worlds live in the lanes of one 64-bit word, a block is `block_words` such words, and
// reachability is propagated as world masks along the arcs the search from the adversary
// reaches (reached[t] |= pending[v] & live(a), a delta worklist to a fixpoint, swept in a
// topological order of the graph's components). Classes whose filters admit the same arcs
// share one propagation. Every random word comes from a counter-based generator keyed by
// (seed, arc or event key, world word, bit), so the numbers do not depend on the thread count
// or the block size, coins are drawn only for arcs the search touches, and the same arc key
// sees the same coins in two variants of a model (common random numbers; raising an arc's p
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
    // Words of 64 worlds per block: 1, 2, 4 or 8; 0 picks 8, or fewer for models with
    // millions of nodes (each thread keeps 16 * block_words bytes per node). Results never
    // depend on it: a tuning knob and a test hook.
    unsigned block_words = 0;
};

// Throws ModelError for invalid options (samples == 0, tolerance < 0, confidence outside
// (0, 1), threads > 1024, block_words not in {0, 1, 2, 4, 8}) or an adversary that is not a
// node.
ExposureTable monte_carlo_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                   const MonteCarloOptions& options);

// The building blocks, exposed for tests and for other engines that need the same worlds.
namespace monte_carlo {

// splitmix64's output function: a bijective, well-mixed map of 64-bit words.
inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// A probability as the bits of its binary expansion: p = 0.0...0 1xxx (zero_bits leading
// zeros, then the 53-bit significand left-aligned in `mantissa`). p = 0 and p = 1 are flags.
struct BernoulliP {
    std::uint64_t mantissa = 0;
    std::int32_t zero_bits = 0;
    bool zero = true;
    bool one = false;
    static BernoulliP of(double p);
};

// The key of the random stream of one variable (arc coin or event) under one seed; arcs and
// events live in different domains, so equal numeric keys do not share coins.
std::uint64_t arc_stream_key(std::uint64_t seed, std::uint64_t arc_key);
std::uint64_t event_stream_key(std::uint64_t seed, std::uint64_t event_key);

// The start of the stream of uniform bits for 64-world word `word` (global world index / 64).
inline std::uint64_t stream_base(std::uint64_t stream_key, std::uint64_t word) {
    return mix64(stream_key ^ (word * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
}

// 64 independent Bernoulli(p) lanes. Lane i is up iff U_i < p, where the k-th fractional
// bit of the uniform U_i is bit i of the k-th word mix64(base + (k + 1) * kGolden). The bits
// are compared most significant first and drawing stops once every lane is decided: about
// log2(64) + 2 words for a generic p, one for p = 1/2, none for p = 0 or 1. Exact for every
// double p; for a fixed base the lanes are monotone in p (common random numbers).
// `words_used`, when given, receives the number of random words drawn.
std::uint64_t bernoulli_word(const BernoulliP& p, std::uint64_t base, unsigned* words_used = nullptr);

// Inverse of the standard normal distribution function, for 0 < q < 1.
double normal_quantile(double q);

// Wilson score interval for `successes` out of `n` at two-sided z; n == 0 gives [0, 1].
void wilson_interval(std::uint64_t successes, std::uint64_t n, double z, double& low, double& high);

}  // namespace monte_carlo
}  // namespace datareach
