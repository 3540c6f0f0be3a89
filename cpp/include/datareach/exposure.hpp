// Exposure scores (docs/design.md §2.4-2.5): for every adversary and class, the probability that the
// adversary reaches some share of the class, the expected exposed share, and per store the
// probability that the store is reached while holding the class. Two engines fill the same
// table: exact (exact.hpp) and Monte Carlo (monte_carlo.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "datareach/compiled_graph.hpp"

namespace datareach {

// Row-major so that a NumPy view of (adversaries x classes) is C-contiguous.
using ScoreMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Long-format rows for a place: a store (node index) or a region (region index, counting a
// store for its region and every ancestor: US/VA counts for US/VA and US). The probability is
// P(some store of the place is reached while it holds the class).
struct PlaceExposure {
    std::vector<std::int32_t> adversary_row;  // index into ExposureTable::adversaries
    std::vector<ClassIndex> class_index;      // atomic classes only
    std::vector<std::int32_t> place;
    std::vector<double> probability;
    std::vector<double> ci_low;  // equal to probability for exact results
    std::vector<double> ci_high;
};

struct ExposureTable {
    std::vector<NodeIndex> adversaries;
    // adversaries x classes, composite classes included.
    ScoreMatrix probability;  // P(X > 0)
    ScoreMatrix ci_low;       // Wilson interval (exact: equal to probability)
    ScoreMatrix ci_high;
    ScoreMatrix expected_share;         // E[X]
    ScoreMatrix expected_share_ci_low;  // interval for E[X] (exact: equal to E[X])
    ScoreMatrix expected_share_ci_high;
    // Rows for every (adversary, atomic class, place holding the class with share > 0),
    // sorted by adversary row, class, place; probability 0 included.
    PlaceExposure by_store;
    PlaceExposure by_region;
    std::string method;         // "exact" or "monte_carlo"
    std::uint64_t samples = 0;  // worlds drawn (Monte Carlo) or 0
    std::uint64_t seed = 0;
    double max_half_width = 0.0;  // widest probability interval half-width (0 for exact)
};

// Called from the computing thread with (done, total) work units; returning false stops the
// run early (the table then covers the worlds drawn so far). Must be thread-safe.
using ProgressCallback = std::function<bool(std::uint64_t done, std::uint64_t total)>;

}  // namespace datareach
