// From summed counts to the common exposure table: intervals, settled values and the place
// rows. Shared by Monte Carlo exposure and by every graph of a comparison.
#pragma once

#include <cstdint>

#include "datareach/exposure.hpp"
#include "driver.hpp"
#include "plan.hpp"

namespace datareach::monte_carlo::detail {

// A probability's interval: exact where deterministic reach settles it, Wilson otherwise.
void probability_interval(std::uint8_t known, std::uint64_t hits, std::uint64_t worlds, double z, double& low,
                          double& high);

// The table of one graph from its summed counts (adversaries x plan.stride, Tally::counts).
ExposureTable make_table(const CompiledGraph& g, const Plan& plan, const std::uint64_t* counts, std::uint64_t worlds,
                         const MonteCarloOptions& options, double z);

// The widest class-level probability half-width (the stopping rule of a run with a tolerance).
double class_max_half_width(const CompiledGraph& g, const Plan& plan, const std::uint64_t* counts, std::uint64_t worlds,
                            double z);

}  // namespace datareach::monte_carlo::detail
