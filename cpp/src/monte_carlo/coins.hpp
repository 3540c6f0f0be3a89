// The arcs' own coins of one block, drawn ahead of the sweep for many arcs at once. Each
// coin word is exactly bernoulli_word(p, stream_base(stream, word)) restricted to the lanes
// asked for (random_streams.hpp), so drawing ahead, in any order or width, changes no number.
// On processors with AVX-512 (checked at run time; the library is built without -march),
// eight coin words are drawn side by side in vector registers; elsewhere one at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace datareach::monte_carlo::detail {

// The coins to draw: those of arcs[0 .. count), with the coin data of arc k at stream[k],
// mantissa[k] and zero_bits[k] (arc_stream_key and BernoulliP; Plan's arrays).
struct CoinItems {
    const std::uint64_t* stream = nullptr;
    const std::uint64_t* mantissa = nullptr;
    const std::int32_t* zero_bits = nullptr;
    const std::uint32_t* arcs = nullptr;
    std::size_t count = 0;
    std::size_t arc_total = 0;  // arcs of the plan (every listed arc is below it)
    bool lanes_given = true;    // false: every lane is needed (the arcs require no event)
    std::size_t first_arc = 0;  // the words of arc k are at live[(k - first_arc) * stride]: a chunk's
};

// For every listed arc k and every w < words: live[(k - first_arc) * stride + w] receives the lanes on
// which the coin is up among those needed: the lanes it holds on entry (the arc's events are
// up) if items.lanes_given, else all. first_word is the global index of word 0 of the block.
void draw_coins(const CoinItems& items, std::uint64_t first_word, unsigned words, std::uint64_t* live,
                std::size_t stride);

// The same with one word at a time (the reference the vector path is tested against).
void draw_coins_scalar(const CoinItems& items, std::uint64_t first_word, unsigned words, std::uint64_t* live,
                       std::size_t stride);

// True iff draw_coins uses the vector path on this processor.
bool vector_coins_available();

}  // namespace datareach::monte_carlo::detail
