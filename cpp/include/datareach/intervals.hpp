// Interval statistics of the sampling engines: Wilson intervals for a probability (sensible
// at 0 and 1 hits, unlike the Wald interval) and Tango's score interval for a paired
// difference of probabilities, with the normal quantile they share.
#pragma once

#include <cstdint>

namespace datareach::stats {

// Inverse of the standard normal distribution function, for 0 < q < 1.
double normal_quantile(double q);

// Wilson score interval for `successes` out of `n` at two-sided z; n == 0 gives [0, 1].
void wilson_interval(std::uint64_t successes, std::uint64_t n, double z, double& low, double& high);

// Tango's asymptotic score interval for the paired difference d = (n01 - n10) / n at two-sided
// z: the d0 in [-1, 1] with |T(d0)| <= z. n == 0 gives [-1, 1].
void paired_difference_interval(std::uint64_t n01, std::uint64_t n10, std::uint64_t n, double z, double& low,
                                double& high);

}  // namespace datareach::stats
