// Interval statistics (datareach/intervals.hpp). Accuracy matters more than speed here: they
// run once per score, not per world.
#include "datareach/intervals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datareach/errors.hpp"

namespace datareach::stats {

double normal_quantile(double q) {
    if (!(q > 0.0 && q < 1.0)) throw ModelError("confidence: must lie in (0, 1)");
    // Acklam's rational approximation, then one Halley step against erfc.
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                               1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double low = 0.02425;
    double x;
    if (q < low) {
        const double s = std::sqrt(-2.0 * std::log(q));
        x = (((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) /
            ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1.0);
    } else if (q <= 1.0 - low) {
        const double s = q - 0.5;
        const double r = s * s;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * s /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        const double s = std::sqrt(-2.0 * std::log1p(-q));
        x = -(((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) /
            ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1.0);
    }
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - q;
    const double u = e * 2.5066282746310002 /* sqrt(2 pi) */ * std::exp(x * x / 2.0);
    return x - u / (1.0 + x * u / 2.0);
}

void wilson_interval(std::uint64_t successes, std::uint64_t n, double z, double& low, double& high) {
    if (n == 0) {
        low = 0.0;
        high = 1.0;
        return;
    }
    const double total = static_cast<double>(n);
    const double p = static_cast<double>(successes) / total;
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / total;
    const double center = (p + z2 / (2.0 * total)) / denominator;
    const double half = z / denominator * std::sqrt(std::max(0.0, p * (1.0 - p) / total + z2 / (4.0 * total * total)));
    low = successes == 0 ? 0.0 : std::clamp(center - half, 0.0, p);
    high = successes == n ? 1.0 : std::clamp(center + half, p, 1.0);
}

namespace {

// Tango's score statistic for H0: d = d0, with b = n01 (variant only), c = n10 (base only).
long double tango_statistic(long double b, long double c, long double n, long double d0) {
    // Restricted MLE of q = P(base only) under d = d0: the root of
    // 2 n q^2 + w q - c d0 (1 - d0) = 0 with w = -(b + c) + d0 (2 n - b + c).
    const long double w = -(b + c) + d0 * (2.0L * n - b + c);
    const long double k = 8.0L * n * c * d0 * (1.0L - d0);
    const long double root = std::sqrt(std::max(0.0L, w * w + k));
    long double q;
    if (w > 0)
        q = 2.0L * c * d0 * (1.0L - d0) / (root + w);  // the same root, without cancellation
    else
        q = (root - w) / (4.0L * n);
    const long double variance = n * (2.0L * q + d0 * (1.0L - d0));
    const long double numerator = b - c - n * d0;
    if (!(variance > 0))
        return numerator == 0  ? 0.0L
               : numerator > 0 ? std::numeric_limits<long double>::infinity()
                               : -std::numeric_limits<long double>::infinity();
    return numerator / std::sqrt(variance);
}

}  // namespace

void paired_difference_interval(std::uint64_t n01, std::uint64_t n10, std::uint64_t n, double z, double& low,
                                double& high) {
    if (n == 0) {
        low = -1.0;
        high = 1.0;
        return;
    }
    const long double b = static_cast<long double>(n01), c = static_cast<long double>(n10);
    const long double total = static_cast<long double>(n);
    const long double estimate = (b - c) / total;
    const long double zz = z;
    // T decreases from +inf (d0 = -1) through 0 (the estimate) to -inf (d0 = 1): bisect for
    // T = z below the estimate and T = -z above it, keeping the outer point.
    auto solve = [&](long double inside, long double outside, bool lower) {
        for (int k = 0; k < 200; ++k) {
            const long double mid = (inside + outside) / 2.0L;
            if (mid == inside || mid == outside) break;
            const long double t = tango_statistic(b, c, total, mid);
            if (lower ? t > zz : t < -zz)
                outside = mid;
            else
                inside = mid;
        }
        return outside;
    };
    low = estimate <= -1.0L ? -1.0 : static_cast<double>(solve(estimate, -1.0L, true));
    high = estimate >= 1.0L ? 1.0 : static_cast<double>(solve(estimate, 1.0L, false));
    low = std::min(low, static_cast<double>(estimate));
    high = std::max(high, static_cast<double>(estimate));
}

}  // namespace datareach::stats
