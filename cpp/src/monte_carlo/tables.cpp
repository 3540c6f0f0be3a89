// Counts to tables (see tables.hpp): Wilson intervals for probabilities, a normal interval
// from the sample variance for E[X], exact values where deterministic reach settles them.
#include "tables.hpp"

#include <algorithm>
#include <cmath>

#include "datareach/intervals.hpp"

namespace datareach::monte_carlo::detail {

void probability_interval(std::uint8_t known, std::uint64_t hits, std::uint64_t worlds, double z, double& low,
                          double& high) {
    if (known & kNever)
        low = high = 0.0;
    else if (known & kAlways)
        low = high = 1.0;
    else
        stats::wilson_interval(hits, worlds, z, low, high);
}

double class_max_half_width(const CompiledGraph& g, const Plan& plan, const std::uint64_t* all_counts,
                            std::uint64_t worlds, double z) {
    double widest = 0.0;
    const std::size_t classes = g.class_count();
    for (std::size_t i = 0; i < plan.adversaries.size(); ++i) {
        const std::uint64_t* counts = all_counts + i * plan.stride;
        for (std::size_t c = 0; c < classes; ++c) {
            const auto first = plan.class_level_begin[c], last = plan.class_level_begin[c + 1];
            const std::uint64_t hits = first == last ? 0 : counts[last - 1];
            double low, high;
            probability_interval(plan.class_known[i * classes + c], hits, worlds, z, low, high);
            widest = std::max(widest, (high - low) / 2.0);
        }
    }
    return widest;
}

ExposureTable make_table(const CompiledGraph& g, const Plan& plan, const std::uint64_t* all_counts,
                         std::uint64_t worlds, const MonteCarloOptions& options, double z) {
    ExposureTable table;
    const std::size_t rows = plan.adversaries.size();
    const std::size_t classes = g.class_count();
    table.adversaries = plan.adversaries;
    table.method = "monte_carlo";
    table.samples = worlds;
    table.seed = options.seed;
    for (ScoreMatrix* m : {&table.probability, &table.ci_low, &table.ci_high, &table.expected_share,
                           &table.expected_share_ci_low, &table.expected_share_ci_high})
        m->setZero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(classes));
    const double n = static_cast<double>(worlds);
    for (std::size_t i = 0; i < rows; ++i) {
        const std::uint64_t* counts = all_counts + i * plan.stride;
        for (std::size_t c = 0; c < classes; ++c) {
            const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
            const auto first = plan.class_level_begin[c], last = plan.class_level_begin[c + 1];
            std::uint64_t hits = 0;
            double sum = 0.0, sum_squares = 0.0;
            for (auto level = first; level < last; ++level) {
                const std::uint64_t exactly = counts[level] - hits;  // worlds with X_c == this level
                hits = counts[level];
                const double share = plan.class_level_share[level];
                sum += share * static_cast<double>(exactly);
                sum_squares += share * share * static_cast<double>(exactly);
            }
            const std::uint8_t known = plan.class_known[i * classes + c];
            const double top = plan.class_top[i * classes + c];  // the largest X_c possible
            double low, high;
            probability_interval(known, hits, worlds, z, low, high);
            table.ci_low(r, k) = low;
            table.ci_high(r, k) = high;
            table.max_half_width = std::max(table.max_half_width, (high - low) / 2.0);
            if (known & kFixedShare) {  // X_c is the same in every world
                table.probability(r, k) = (known & kNever) ? 0.0 : 1.0;
                table.expected_share(r, k) = table.expected_share_ci_low(r, k) = table.expected_share_ci_high(r, k) =
                    top;
                continue;
            }
            if (worlds == 0) {  // stopped before the first block: know little
                table.probability(r, k) = (known & kAlways) ? 1.0 : 0.0;
                table.expected_share_ci_high(r, k) = top;
                continue;
            }
            table.probability(r, k) = static_cast<double>(hits) / n;
            const double mean = sum / n;
            table.expected_share(r, k) = mean;
            const double variance = worlds > 1 ? std::max(0.0, (sum_squares - sum * mean) / (n - 1.0)) : 0.0;
            if (variance > 0.0) {  // normal approximation from the sample variance
                const double half = z * std::sqrt(variance / n);
                table.expected_share_ci_low(r, k) = std::clamp(mean - half, 0.0, mean);
                table.expected_share_ci_high(r, k) = std::clamp(mean + half, mean, top);
            } else {
                // Every sampled world had X = mean; the worlds that differ are a fraction of at
                // most u (the Wilson bound for none seen), and differ by at most down to 0 or
                // up to the largest possible share.
                const double u = z * z / (n + z * z);
                table.expected_share_ci_low(r, k) = mean * (1.0 - u);
                table.expected_share_ci_high(r, k) = std::min(top, mean + (top - mean) * u);
            }
        }
    }
    if (!plan.places) return table;

    const auto& presence = g.presence_stores();
    const std::size_t places = plan.entry_count + plan.slot_count;
    auto add_row = [&](PlaceExposure& out, std::size_t i, ClassIndex d, std::int32_t place, std::size_t index) {
        const std::uint64_t hits = all_counts[i * plan.stride + plan.level_count + index];
        const std::uint8_t known = plan.place_known[i * places + index];
        double low, high;
        probability_interval(known, hits, worlds, z, low, high);
        out.adversary_row.push_back(static_cast<std::int32_t>(i));
        out.class_index.push_back(d);
        out.place.push_back(place);
        out.probability.push_back((known & kAlways) ? 1.0 : worlds ? static_cast<double>(hits) / n : 0.0);
        out.ci_low.push_back(low);
        out.ci_high.push_back(high);
    };
    for (std::size_t i = 0; i < rows; ++i) {
        for (ClassIndex d = 0; d < static_cast<ClassIndex>(classes); ++d) {
            if (g.is_composite(d)) continue;
            for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e)
                add_row(table.by_store, i, d, presence.values[e], static_cast<std::size_t>(e));
            for (auto s = plan.region_slot_begin[d]; s < plan.region_slot_begin[d + 1]; ++s)
                add_row(table.by_region, i, d, plan.slot_region[s], plan.entry_count + static_cast<std::size_t>(s));
        }
    }
    return table;
}

}  // namespace datareach::monte_carlo::detail
