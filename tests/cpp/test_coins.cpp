// The coins drawn ahead for a block (cpp/src/monte_carlo/coins.hpp): every word equals
// bernoulli_word on the lanes asked for, on the vector path and the one-word path alike,
// for probabilities with long runs of leading zero bits, full 53-bit significands, two
// decimals, and any list of arcs and block size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "datareach/random_streams.hpp"
#include "monte_carlo/coins.hpp"

namespace mc = datareach::monte_carlo;
namespace detail = datareach::monte_carlo::detail;

namespace {

struct Arcs {
    std::vector<std::uint64_t> stream, mantissa;
    std::vector<std::int32_t> zero_bits;
    std::vector<mc::BernoulliP> p;
};

double awkward_probability(std::mt19937_64& rng, int k) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    switch (k % 7) {
        case 0: return std::round(unit(rng) * 99.0 + 1.0) / 100.0;  // two decimals
        case 1: return unit(rng);                                   // a full significand
        case 2: return 0.5;
        case 3: return std::ldexp(1.0 + unit(rng), -static_cast<int>(rng() % 1000) - 2);  // many leading zeros
        case 4: return 1.0 - std::ldexp(1.0, -53);                                        // the largest p below 1
        case 5: return std::numeric_limits<double>::denorm_min();                         // the smallest p above 0
        default: return std::ldexp(1.0, -static_cast<int>(rng() % 60) - 1);               // a power of two
    }
}

Arcs random_arcs(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    Arcs arcs;
    for (std::size_t k = 0; k < n; ++k) {
        const mc::BernoulliP p = mc::BernoulliP::of(awkward_probability(rng, static_cast<int>(k)));
        arcs.p.push_back(p);
        arcs.stream.push_back(mc::arc_stream_key(seed, rng()));
        arcs.mantissa.push_back(p.mantissa);
        arcs.zero_bits.push_back(p.zero_bits);
    }
    return arcs;
}

void expect_bernoulli_words(bool vector_path, unsigned words, bool lanes_given) {
    const std::size_t n = 203;  // not a multiple of eight: the tail is drawn one at a time
    const Arcs arcs = random_arcs(n, 17 + words);
    std::mt19937_64 rng(words);
    std::vector<std::uint32_t> listed;  // every arc but some, in ascending order
    for (std::uint32_t k = 0; k < n; ++k)
        if (rng() % 5) listed.push_back(k);
    std::vector<std::uint64_t> needed(n * words), live(n * words);
    for (auto& x : needed) {
        const auto kind = rng() % 4;
        x = kind == 0 ? ~std::uint64_t{0} : kind == 1 ? 0 : rng() & rng();
    }
    live = needed;
    const std::uint64_t first_word = 12345 * words;
    const detail::CoinItems items{
        arcs.stream.data(), arcs.mantissa.data(), arcs.zero_bits.data(), listed.data(), listed.size(), n, lanes_given};
    if (vector_path)
        detail::draw_coins(items, first_word, words, live.data(), words);
    else
        detail::draw_coins_scalar(items, first_word, words, live.data(), words);
    std::vector<std::uint8_t> is_listed(n, 0);
    for (auto k : listed) is_listed[k] = 1;
    for (std::size_t k = 0; k < n; ++k)
        for (unsigned w = 0; w < words; ++w) {
            const std::uint64_t lanes = lanes_given ? needed[k * words + w] : ~std::uint64_t{0};
            const std::uint64_t expected =
                is_listed[k] ? mc::bernoulli_word(arcs.p[k], mc::stream_base(arcs.stream[k], first_word + w)) & lanes
                             : needed[k * words + w];  // an arc not listed is left alone
            ASSERT_EQ(live[k * words + w], expected) << "arc " << k << " word " << w;
        }
}

}  // namespace

TEST(Coins, OneWordPathEqualsBernoulliWord) {
    for (unsigned words : {1u, 2u, 4u, 8u})
        for (bool lanes_given : {true, false}) expect_bernoulli_words(false, words, lanes_given);
}

TEST(Coins, DispatchedPathEqualsBernoulliWord) {
    // On a processor with AVX-512 this is the vector path (vector_coins_available());
    // elsewhere the same one-word path again.
    for (unsigned words : {1u, 2u, 4u, 8u})
        for (bool lanes_given : {true, false}) expect_bernoulli_words(true, words, lanes_given);
}

TEST(Coins, VectorPathIsUsedWhereAvailable) {
#if defined(__x86_64__)
    EXPECT_EQ(detail::vector_coins_available(),
              __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"));
#else
    EXPECT_FALSE(detail::vector_coins_available());
#endif
}
