// Intervals of paired differences (see paired_sums.hpp): Tango's score interval, narrowed by
// what deterministic reach already knows about each side.
#include "paired_sums.hpp"

#include <algorithm>

#include "datareach/intervals.hpp"

namespace datareach::comparison {

using namespace monte_carlo::detail;

// The probability-difference interval of one entry (identical and settled pairs are exact).
void difference_interval(const PairLayout& layout, const Plan& base, const Plan& variant, std::size_t at, std::size_t i,
                         std::size_t c, const PairSums& s, std::uint64_t worlds, double z, double& low, double& high) {
    const std::uint8_t kb = base.class_known[i * layout.classes + c], kv = variant.class_known[i * layout.classes + c];
    if (layout.identical[at]) {
        low = high = 0.0;
    } else if (probability_settled(kb) && probability_settled(kv)) {
        low = high = ((kv & kAlways) ? 1.0 : 0.0) - ((kb & kAlways) ? 1.0 : 0.0);
    } else {
        stats::paired_difference_interval(s.variant_only, s.base_only, worlds, z, low, high);
        // What deterministic reach knows bounds the difference too.
        const double vb_low = (kv & kAlways) ? 1.0 : 0.0, vb_high = (kv & kNever) ? 0.0 : 1.0;
        const double bb_low = (kb & kAlways) ? 1.0 : 0.0, bb_high = (kb & kNever) ? 0.0 : 1.0;
        low = std::max(low, vb_low - bb_high);
        high = std::min(high, vb_high - bb_low);
    }
}

}  // namespace datareach::comparison
