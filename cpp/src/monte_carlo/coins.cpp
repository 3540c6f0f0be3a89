// Coins drawn ahead (coins.hpp). Both paths compare the bits of U with the bits of p most
// significant first, exactly as bernoulli_word does (random_streams.hpp): p's leading zero
// bits, then its significand; a lane is decided at the first bit where U and p differ. A
// p bit pb (all ones or all zeros) and a random word r update the lanes as
//     up        |= undecided & ~r & pb      (U has 0 where p has 1: U < p)
//     undecided &= ~(r ^ pb)                (U equals p so far)
// which is bernoulli_word's two branches in one expression, so the vector path can run
// eight items whose p differ in lock step. Extra steps after an item is decided (or its p
// has no bits left) change nothing of its result, so the group runs until its last item
// is decided.
#include "coins.hpp"

#include <immintrin.h>

// GCC 12 warns that the intrinsics' own "undefined" vectors may be used uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "datareach/random_streams.hpp"

namespace datareach::monte_carlo::detail {

namespace {

constexpr std::uint64_t kWordMultiplier = 0xD1B54A32D192ED03ull;  // stream_base's, see random_streams.hpp
constexpr std::uint64_t kWordOffset = 0x8CB92BA72F3D8DD7ull;

std::uint64_t draw_one(std::uint64_t stream, std::uint64_t mantissa, std::int32_t zero_bits, std::uint64_t word,
                       std::uint64_t needed) {
    std::uint64_t counter = stream_base(stream, word);
    std::uint64_t undecided = needed;
    std::uint64_t up = 0;
    for (std::int32_t k = 0; k < zero_bits && undecided; ++k) {
        counter += kGolden;
        undecided &= ~mix64(counter);
    }
    for (std::uint64_t m = mantissa; m != 0 && undecided; m <<= 1) {
        counter += kGolden;
        const std::uint64_t r = mix64(counter);
        const std::uint64_t pb = (m >> 63) ? ~std::uint64_t{0} : 0;
        up |= undecided & ~r & pb;
        undecided &= ~(r ^ pb);
    }
    return up;
}

void draw_range_scalar(const CoinItems& items, std::size_t first, std::uint64_t first_word, unsigned words,
                       std::uint64_t* live, std::size_t stride) {
    for (std::size_t j = first; j < items.count; ++j) {
        const std::size_t k = items.arcs[j];
        std::uint64_t* out = live + (k - items.first_arc) * stride;
        for (unsigned w = 0; w < words; ++w)
            out[w] = draw_one(items.stream[k], items.mantissa[k], items.zero_bits[k], first_word + w,
                              items.lanes_given ? out[w] : ~std::uint64_t{0});
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DATAREACH_VECTOR_COINS 1

// Steps per round of the vector loop (measured: 3 to 4 are ~20 % faster than 1).
constexpr int kStepsPerRound = 3;

__attribute__((target("avx512f,avx512dq"))) inline __m512i mix64_x8(__m512i z) {
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), _mm512_set1_epi64(0xBF58476D1CE4E5B9ll));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), _mm512_set1_epi64(0x94D049BB133111EBll));
    return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

__attribute__((target("avx512f,avx512dq"))) void draw_coins_x8(const CoinItems& items, std::uint64_t first_word,
                                                               unsigned words, std::uint64_t* live,
                                                               std::size_t stride) {
    const std::size_t groups = items.count / 8 * 8;
    const __m512i zero = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i golden = _mm512_set1_epi64(static_cast<long long>(kGolden));
    const __m512i stride_x8 = _mm512_set1_epi64(static_cast<long long>(stride));
    const __m512i first_arc = _mm512_set1_epi64(static_cast<long long>(items.first_arc));
    for (std::size_t j = 0; j < groups; j += 8) {
        const __m256i arcs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(items.arcs + j));
        const __m512i base_index =
            _mm512_mullo_epi64(_mm512_sub_epi64(_mm512_cvtepu32_epi64(arcs), first_arc), stride_x8);
        const __m512i stream = _mm512_i32gather_epi64(arcs, items.stream, 8);
        const __m512i mantissa = _mm512_i32gather_epi64(arcs, items.mantissa, 8);
        const __m512i zero_bits = _mm512_cvtepi32_epi64(_mm256_i32gather_epi32(items.zero_bits, arcs, 4));
        for (unsigned w = 0; w < words; ++w) {
            const std::uint64_t word = first_word + w;
            const __m512i index = _mm512_add_epi64(base_index, _mm512_set1_epi64(static_cast<long long>(w)));
            __m512i undecided = items.lanes_given ? _mm512_i64gather_epi64(index, live, 8) : _mm512_set1_epi64(-1);
            __m512i counter = mix64_x8(_mm512_xor_si512(
                stream, _mm512_set1_epi64(static_cast<long long>(word * kWordMultiplier + kWordOffset))));
            __m512i m = mantissa;
            __m512i zb = zero_bits;
            __m512i up = zero;
            // Steps are taken kStepsPerRound at a time between tests: a step after an item is
            // decided changes nothing of it, and the steps of one round pipeline.
            while (true) {
                const __mmask8 exhausted = _mm512_cmpeq_epi64_mask(m, zero) & _mm512_cmple_epi64_mask(zb, zero);
                const __mmask8 open = _mm512_test_epi64_mask(undecided, undecided) & static_cast<__mmask8>(~exhausted);
                if (!open) break;
                for (int step = 0; step < kStepsPerRound; ++step) {
                    counter = _mm512_add_epi64(counter, golden);
                    const __m512i r = mix64_x8(counter);
                    const __mmask8 leading = _mm512_cmpgt_epi64_mask(zb, zero);
                    const __m512i pb = _mm512_movm_epi64(_mm512_movepi64_mask(m) & static_cast<__mmask8>(~leading));
                    up = _mm512_or_si512(up, _mm512_and_si512(_mm512_andnot_si512(r, undecided), pb));
                    undecided = _mm512_andnot_si512(_mm512_xor_si512(r, pb), undecided);
                    zb = _mm512_mask_sub_epi64(zb, leading, zb, one);
                    m = _mm512_mask_slli_epi64(m, static_cast<__mmask8>(~leading), m, 1);
                }
            }
            _mm512_i64scatter_epi64(live, index, up, 8);
        }
    }
    draw_range_scalar(items, groups, first_word, words, live, stride);
}

bool detect_vector_coins() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"); }
#endif

}  // namespace

bool vector_coins_available() {
#ifdef DATAREACH_VECTOR_COINS
    static const bool available = detect_vector_coins();
    return available;
#else
    return false;
#endif
}

void draw_coins_scalar(const CoinItems& items, std::uint64_t first_word, unsigned words, std::uint64_t* live,
                       std::size_t stride) {
    draw_range_scalar(items, 0, first_word, words, live, stride);
}

void draw_coins(const CoinItems& items, std::uint64_t first_word, unsigned words, std::uint64_t* live,
                std::size_t stride) {
#ifdef DATAREACH_VECTOR_COINS
    // The vector path indexes the coin data with 32-bit signed lanes.
    if (vector_coins_available() && items.arc_total < (std::size_t{1} << 31))
        return draw_coins_x8(items, first_word, words, live, stride);
#endif
    draw_coins_scalar(items, first_word, words, live, stride);
}

}  // namespace datareach::monte_carlo::detail
