// Assertions of the exact engine's tables against the brute-force enumeration, and the
// options that force one method, shared by the frontier method's tests.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "brute_force.hpp"
#include "datareach/exact.hpp"
#include "datareach/exposure.hpp"

namespace datareach::testing {

// Exact options that take every run of width up to the limit by the frontier method.
inline ExactOptions frontier_only() {
    ExactOptions opt;
    opt.max_frontier_width = kMaxFrontierWidth;
    return opt;
}

// The same, with `bytes` for the frontier's states and the counts reported into `stats`.
inline ExactOptions frontier_only(std::size_t bytes, ExactStats* stats) {
    ExactOptions opt = frontier_only();
    opt.frontier_bytes = bytes;
    opt.stats = stats;
    return opt;
}

// Exact options that factor every run (the frontier method off).
inline ExactOptions factoring_only() {
    ExactOptions opt;
    opt.max_frontier_width = 0;
    return opt;
}

// Every score of `table` equals the enumeration's.
inline void expect_matches(const ExposureTable& table, const BruteForce& brute, std::size_t adversaries,
                           std::size_t classes, const std::string& what) {
    for (std::size_t i = 0; i < adversaries; ++i)
        for (std::size_t c = 0; c < classes; ++c) {
            EXPECT_NEAR(table.probability(i, c), brute.probability[i][c], 1e-12)
                << what << " adversary " << i << " class " << c;
            EXPECT_NEAR(table.expected_share(i, c), brute.expected_share[i][c], 1e-12)
                << what << " adversary " << i << " class " << c;
        }
    std::size_t row = 0;
    for (std::size_t i = 0; i < adversaries; ++i)
        for (const auto& [k, v] : brute.store[i]) {
            ASSERT_LT(row, table.by_store.probability.size()) << what;
            EXPECT_EQ(table.by_store.adversary_row[row], static_cast<int>(i)) << what;
            EXPECT_EQ(table.by_store.class_index[row], k.first) << what;
            EXPECT_EQ(table.by_store.place[row], k.second) << what;
            EXPECT_NEAR(table.by_store.probability[row], v, 1e-12) << what << " store row " << row;
            ++row;
        }
    EXPECT_EQ(row, table.by_store.probability.size()) << what;
    row = 0;
    for (std::size_t i = 0; i < adversaries; ++i)
        for (const auto& [k, v] : brute.region[i]) {
            ASSERT_LT(row, table.by_region.probability.size()) << what;
            EXPECT_EQ(table.by_region.class_index[row], k.first) << what;
            EXPECT_EQ(table.by_region.place[row], k.second) << what;
            EXPECT_NEAR(table.by_region.probability[row], v, 1e-12) << what << " region row " << row;
            ++row;
        }
    EXPECT_EQ(row, table.by_region.probability.size()) << what;
}

}  // namespace datareach::testing
