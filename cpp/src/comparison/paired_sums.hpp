// The paired sums of a comparison: per (variant, adversary, class), integer counts of the
// worlds where only one graph exposes the class and fixed-point sums of the per-world
// difference of exposed shares. Integers make the sums exact and order-free, so results do
// not depend on the thread count.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "../monte_carlo/plan.hpp"
#include "../monte_carlo/scratch.hpp"

namespace datareach::comparison {

using monte_carlo::detail::Plan;
using monte_carlo::detail::Tallies;

// An unsigned 128-bit sum of 64-bit terms (exact for up to 2^64 terms).
struct Sum128 {
    std::uint64_t low = 0, high = 0;
    void add(std::uint64_t x) {
        low += x;
        high += low < x;
    }
    void add(const Sum128& o) {
        add(o.low);
        high += o.high;
    }
    long double value() const {
        return static_cast<long double>(high) * 18446744073709551616.0L + static_cast<long double>(low);
    }
};

// D = X_v - X_base per world in fixed point: round(D * 2^62).
constexpr double kFixedScale = 4611686018427387904.0;  // 2^62

struct PairSums {
    std::uint64_t base_only = 0, variant_only = 0;  // n10, n01
    Sum128 positive, negative, squares;             // sums of max(D, 0), max(-D, 0), D^2 (fixed point)

    void add(const PairSums& o) {
        base_only += o.base_only;
        variant_only += o.variant_only;
        positive.add(o.positive);
        negative.add(o.negative);
        squares.add(o.squares);
    }
};

// Everything fixed for one comparison besides the plans.
struct PairLayout {
    std::size_t variants = 0, rows = 0, classes = 0;
    std::vector<std::uint8_t> identical;    // variants x rows x classes
    std::vector<std::uint8_t> same_levels;  // variants x classes: the class levels have the same shares
};

// X of one world from the class level masks (descending shares): the share of the first level
// holding it. Written for the worlds of `worlds` only.
template <int W>
void fill_shares(const std::uint64_t* masks, const double* shares, std::int64_t levels, const std::uint64_t* worlds,
                 double* x) {
    std::uint64_t left[W];
    std::uint64_t open = 0;
    for (int w = 0; w < W; ++w) open |= left[w] = worlds[w];
    for (std::int64_t k = 0; k < levels && open; ++k) {
        open = 0;
        for (int w = 0; w < W; ++w) {
            std::uint64_t hit = masks[k * W + w] & left[w];
            left[w] &= ~hit;
            open |= left[w];
            for (; hit; hit &= hit - 1) x[w * 64 + __builtin_ctzll(hit)] = shares[k];
        }
    }
    for (int w = 0; w < W; ++w)
        for (std::uint64_t rest = left[w]; rest; rest &= rest - 1) x[w * 64 + __builtin_ctzll(rest)] = 0.0;
}

// Per thread: the paired sums of every (variant, adversary, class) and per-world scratch.
template <int W>
struct PairSpace {
    std::vector<PairSums> sums;
    double base_x[64 * W];
    double variant_x[64 * W];

    explicit PairSpace(std::size_t size) : sums(size) {}

    // After every graph has evaluated the same block: the joint counts of each variant with
    // the base.
    void tally(const std::vector<const Plan*>& plans, const std::vector<Tallies*>& tallies, const PairLayout& layout) {
        const Plan& base = *plans[0];
        for (std::size_t v = 0; v < layout.variants; ++v) {
            const Plan& variant = *plans[v + 1];
            for (std::size_t i = 0; i < layout.rows; ++i) {
                const std::uint64_t* base_masks = tallies[0]->class_masks.data() + i * base.level_count * W;
                const std::uint64_t* variant_masks = tallies[v + 1]->class_masks.data() + i * variant.level_count * W;
                for (std::size_t c = 0; c < layout.classes; ++c) {
                    const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                    if (layout.identical[at]) continue;
                    const auto b0 = base.class_level_begin[c], bl = base.class_level_begin[c + 1] - b0;
                    const auto v0 = variant.class_level_begin[c], vl = variant.class_level_begin[c + 1] - v0;
                    const std::uint64_t* mb = base_masks + b0 * W;
                    const std::uint64_t* mv = variant_masks + v0 * W;
                    PairSums& s = sums[at];
                    std::uint64_t differ[W];
                    std::uint64_t any = 0;
                    for (int w = 0; w < W; ++w) {
                        const std::uint64_t pb = bl ? mb[(bl - 1) * W + w] : 0;  // X > 0: the lowest level
                        const std::uint64_t pv = vl ? mv[(vl - 1) * W + w] : 0;
                        s.base_only += static_cast<std::uint64_t>(__builtin_popcountll(pb & ~pv));
                        s.variant_only += static_cast<std::uint64_t>(__builtin_popcountll(pv & ~pb));
                        differ[w] = pb | pv;
                    }
                    if (layout.same_levels[v * layout.classes + c]) {  // D != 0 only where some level differs
                        for (int w = 0; w < W; ++w) differ[w] = 0;
                        for (std::int64_t k = 0; k < bl; ++k)
                            for (int w = 0; w < W; ++w) differ[w] |= mb[k * W + w] ^ mv[k * W + w];
                    }
                    for (int w = 0; w < W; ++w) any |= differ[w];
                    if (!any) continue;
                    fill_shares<W>(mb, base.class_level_share.data() + b0, bl, differ, base_x);
                    fill_shares<W>(mv, variant.class_level_share.data() + v0, vl, differ, variant_x);
                    for (int w = 0; w < W; ++w) {
                        for (std::uint64_t bits = differ[w]; bits; bits &= bits - 1) {
                            const int world = w * 64 + __builtin_ctzll(bits);
                            const double d = variant_x[world] - base_x[world];
                            if (d == 0.0) continue;
                            const auto fixed = static_cast<std::int64_t>(std::llround(d * kFixedScale));
                            if (fixed >= 0)
                                s.positive.add(static_cast<std::uint64_t>(fixed));
                            else
                                s.negative.add(static_cast<std::uint64_t>(-fixed));
                            s.squares.add(static_cast<std::uint64_t>(std::llround(d * d * kFixedScale)));
                        }
                    }
                }
            }
        }
    }
};

template <int W>
std::vector<PairSums> sum_pairs(const std::vector<std::unique_ptr<PairSpace<W>>>& spaces, std::size_t size) {
    std::vector<PairSums> out(size);
    for (const auto& space : spaces)
        if (space)
            for (std::size_t k = 0; k < size; ++k) out[k].add(space->sums[k]);
    return out;
}

inline bool probability_settled(std::uint8_t known) {
    return (known & (monte_carlo::detail::kNever | monte_carlo::detail::kAlways)) != 0;
}

// The probability-difference interval of one entry (identical and settled pairs are exact).
void difference_interval(const PairLayout& layout, const Plan& base, const Plan& variant, std::size_t at, std::size_t i,
                         std::size_t c, const PairSums& s, std::uint64_t worlds, double z, double& low, double& high);

}  // namespace datareach::comparison
