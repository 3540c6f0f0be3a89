// Counter-based random streams (common random numbers): every random word is a pure function
// of (seed, stable key of the arc or event, world index), so results do not depend on thread
// count, block size or the order anything is drawn in, and two variants of a model that
// share a key see the same coins in the same worlds. Used by the Monte Carlo engine and the
// paired comparison.
#pragma once

#include <cstdint>

#include "datareach/compiled_graph.hpp"

namespace datareach {
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

}  // namespace monte_carlo
}  // namespace datareach
