// The counter-based random streams (datareach/random_streams.hpp): exact Bernoulli lanes from
// the bits of p, so equal keys give equal coins whatever else changes.
#include <cmath>

#include "datareach/random_streams.hpp"

namespace datareach::monte_carlo {

BernoulliP BernoulliP::of(double p) {
    BernoulliP out;
    if (!(p > 0.0)) return out;  // 0 (and NaN, which validation rules out) never fires
    out.zero = false;
    if (p >= 1.0) {
        out.one = true;
        return out;
    }
    int exponent = 0;
    const double fraction = std::frexp(p, &exponent);  // p = fraction * 2^exponent, fraction in [0.5, 1)
    out.zero_bits = -exponent;                         // exponent <= 0 since p < 1
    out.mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 64));  // exact: 53 significant bits
    return out;
}

std::uint64_t arc_stream_key(std::uint64_t seed, std::uint64_t arc_key) {
    return mix_keys(mix_keys(seed, 0x6172632D636F696Eull /* "arc-coin" */), arc_key);
}

std::uint64_t event_stream_key(std::uint64_t seed, std::uint64_t event_key) {
    return mix_keys(mix_keys(seed, 0x6576656E742D7570ull /* "event-up" */), event_key);
}

std::uint64_t bernoulli_word(const BernoulliP& p, std::uint64_t base, unsigned* words_used) {
    if (p.zero || p.one) {
        if (words_used) *words_used = 0;
        return p.one ? ~std::uint64_t{0} : 0;
    }
    std::uint64_t counter = base;
    std::uint64_t undecided = ~std::uint64_t{0};
    std::uint64_t result = 0;
    unsigned used = 0;
    // Leading zero bits of p: a lane whose bit is 1 has U > p.
    for (std::int32_t k = 0; k < p.zero_bits; ++k) {
        counter += kGolden;
        ++used;
        undecided &= ~mix64(counter);
        if (!undecided) break;
    }
    if (undecided) {
        for (std::uint64_t m = p.mantissa; m != 0; m <<= 1) {
            counter += kGolden;
            ++used;
            const std::uint64_t r = mix64(counter);
            if (m >> 63) {  // p's bit 1: lanes with bit 0 have U < p (up)
                result |= undecided & ~r;
                undecided &= r;
            } else {  // p's bit 0: lanes with bit 1 have U > p (down)
                undecided &= ~r;
            }
            if (!undecided) break;
        }
    }
    // Lanes still undecided match p on all its bits, so U >= p: down.
    if (words_used) *words_used = used;
    return result;
}

}  // namespace datareach::monte_carlo
