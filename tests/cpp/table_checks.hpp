// Assertions on whole exposure and comparison tables, shared by the Monte Carlo, comparison
// and sampler tests.
#pragma once

#include <gtest/gtest.h>

#include "datareach/comparison.hpp"
#include "datareach/exposure.hpp"

namespace datareach::testing {

// The same run twice (other threads, block sizes, row keys ...): every number identical.
inline void expect_tables_identical(const ExposureTable& a, const ExposureTable& b) {
    EXPECT_EQ(a.samples, b.samples);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_TRUE(a.probability == b.probability);
    EXPECT_TRUE(a.ci_low == b.ci_low);
    EXPECT_TRUE(a.ci_high == b.ci_high);
    EXPECT_TRUE(a.expected_share == b.expected_share);
    EXPECT_TRUE(a.expected_share_ci_low == b.expected_share_ci_low);
    EXPECT_TRUE(a.expected_share_ci_high == b.expected_share_ci_high);
    EXPECT_EQ(a.by_store.probability, b.by_store.probability);
    EXPECT_EQ(a.by_store.place, b.by_store.place);
    EXPECT_EQ(a.by_region.probability, b.by_region.probability);
    EXPECT_EQ(a.by_region.place, b.by_region.place);
    EXPECT_EQ(a.by_region.ci_high, b.by_region.ci_high);
    EXPECT_EQ(a.max_half_width, b.max_half_width);
}

// The same comparison twice: every table and every difference identical.
inline void expect_comparisons_identical(const ComparisonTable& a, const ComparisonTable& b) {
    ASSERT_EQ(a.tables.size(), b.tables.size());
    for (std::size_t g = 0; g < a.tables.size(); ++g) expect_tables_identical(a.tables[g], b.tables[g]);
    EXPECT_EQ(a.samples, b.samples);
    EXPECT_EQ(a.probability_difference, b.probability_difference);
    EXPECT_EQ(a.probability_difference_ci_low, b.probability_difference_ci_low);
    EXPECT_EQ(a.probability_difference_ci_high, b.probability_difference_ci_high);
    EXPECT_EQ(a.expected_share_difference, b.expected_share_difference);
    EXPECT_EQ(a.expected_share_difference_ci_low, b.expected_share_difference_ci_low);
    EXPECT_EQ(a.expected_share_difference_ci_high, b.expected_share_difference_ci_high);
    EXPECT_EQ(a.base_only, b.base_only);
    EXPECT_EQ(a.variant_only, b.variant_only);
    EXPECT_EQ(a.max_half_width, b.max_half_width);
}

}  // namespace datareach::testing
