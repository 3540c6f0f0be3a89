// The samplers (datareach/samplers.hpp): the counts of world ranges, summed, equal the counts
// of the whole run for any split, block size and thread count; the table of summed counts is
// monte_carlo_exposure's (monte_carlo_compare's); a coordinator that runs the checkpoint
// segments and asks converged() stops where the threaded run with a tolerance stops; bad
// ranges and counts are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "datareach/comparison.hpp"
#include "datareach/errors.hpp"
#include "datareach/monte_carlo.hpp"
#include "datareach/samplers.hpp"
#include "table_checks.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::expect_comparisons_identical;
using datareach::testing::expect_tables_identical;

namespace {

MonteCarloOptions options(std::uint64_t samples, std::uint64_t seed, unsigned threads = 1) {
    MonteCarloOptions o;
    o.samples = samples;
    o.seed = seed;
    o.threads = threads;
    return o;
}

// 300 nodes, 1500 arcs with filters, events, a composite and a jurisdiction rule; stable keys.
ModelData medium_model() {
    ModelData data = datareach::testing::medium_model(0.01, 0.2);
    data.arc_key.resize(data.arc_count());
    for (std::size_t a = 0; a < data.arc_count(); ++a) data.arc_key[a] = 1000 + a;
    return data;
}

// `parts` ranges covering [0, quanta): cut at distinct random points (fixed seed).
std::vector<std::uint64_t> random_cuts(std::uint64_t quanta, std::size_t parts, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint64_t> cuts{0, quanta};
    while (cuts.size() < parts + 1 && cuts.size() < quanta + 1) {
        const std::uint64_t cut = rng() % quanta;
        if (std::find(cuts.begin(), cuts.end(), cut) == cuts.end()) cuts.push_back(cut);
    }
    std::sort(cuts.begin(), cuts.end());
    return cuts;
}

template <class Sampler>
std::vector<std::uint64_t> summed(const Sampler& sampler, const std::vector<std::uint64_t>& cuts) {
    std::vector<std::uint64_t> total(sampler.counts_size(), 0);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k)
        sampler.add(total.data(), total.size(), sampler.count(cuts[k], cuts[k + 1]));
    return total;
}

// What a coordinator does with a tolerance: the segments in turn, split into ranges, the
// stopping test between them.
template <class Sampler>
std::vector<std::uint64_t> coordinated(const Sampler& sampler, std::size_t parts) {
    std::vector<std::uint64_t> total(sampler.counts_size(), 0);
    std::uint64_t start = 0;
    for (std::uint64_t end : sampler.checkpoints()) {
        std::vector<std::uint64_t> cuts = random_cuts(end - start, parts, end);
        for (std::size_t k = 0; k + 1 < cuts.size(); ++k)
            sampler.add(total.data(), total.size(), sampler.count(start + cuts[k], start + cuts[k + 1]));
        start = end;
        if (end < sampler.quanta() && sampler.converged(total)) break;
    }
    return total;
}

}  // namespace

TEST(ExposureSampler, RangesSummedAreTheWholeRun) {
    const auto g = CompiledGraph::compile(medium_model());
    const std::vector<NodeIndex> adversaries{0, 1, 2, 3};
    const MonteCarloOptions o = options(30000, 17);
    const ExposureSampler sampler(g, adversaries, o);
    ASSERT_EQ(sampler.quanta(), 59u);  // 30000 worlds rounded up to 59 x 512
    const std::vector<std::uint64_t> whole = sampler.count(0, sampler.quanta());
    EXPECT_EQ(whole[0], 59u * 512u);
    std::uint64_t hits = 0;
    for (std::size_t k = 1; k < whole.size(); ++k) hits += whole[k];
    EXPECT_GT(hits, 1000u);  // the counts are not all zero: the comparison below means something
    for (std::size_t parts : {2u, 3u, 7u, 59u})
        EXPECT_EQ(summed(sampler, random_cuts(sampler.quanta(), parts, parts)), whole) << parts << " ranges";

    // Whatever the block size and thread count of the sampler.
    for (unsigned words : {1u, 2u, 4u}) {
        MonteCarloOptions other = o;
        other.block_words = words;
        other.threads = words + 1;
        const ExposureSampler small_blocks(g, adversaries, other);
        EXPECT_EQ(summed(small_blocks, random_cuts(sampler.quanta(), 5, words)), whole) << words << " words";
    }

    // The table of summed counts is the threaded run's, for any of its thread counts.
    const ExposureTable table = sampler.table(summed(sampler, random_cuts(sampler.quanta(), 4, 1)));
    for (unsigned threads : {1u, 2u, 3u}) {
        MonteCarloOptions run = o;
        run.threads = threads;
        expect_tables_identical(table, monte_carlo_exposure(g, adversaries, run));
    }
    EXPECT_EQ(table.samples, 59u * 512u);
}

TEST(ExposureSampler, ToleranceStopsAtTheThreadedRunsCheckpoint) {
    const auto g = CompiledGraph::compile(medium_model());
    const std::vector<NodeIndex> adversaries{0, 1, 2};
    for (double tolerance : {0.03, 0.01, 0.004}) {
        MonteCarloOptions o = options(2000000, 5, 2);
        o.tolerance = tolerance;
        const ExposureTable reference = monte_carlo_exposure(g, adversaries, o);
        const ExposureSampler sampler(g, adversaries, o);
        EXPECT_EQ(sampler.checkpoints().back(), sampler.quanta());
        for (std::size_t parts : {1u, 3u}) {
            const std::vector<std::uint64_t> total = coordinated(sampler, parts);
            EXPECT_EQ(total[0], reference.samples) << tolerance;
            expect_tables_identical(sampler.table(total), reference);
            EXPECT_EQ(sampler.converged(total), reference.max_half_width <= tolerance);
            EXPECT_EQ(sampler.max_half_width(total), reference.max_half_width);
        }
        EXPECT_LT(reference.samples, o.samples);  // it did stop early
    }
    // Without a tolerance: one segment, never converged.
    const ExposureSampler plain(g, adversaries, options(5000, 5));
    EXPECT_EQ(plain.checkpoints(), std::vector<std::uint64_t>{10});
    EXPECT_FALSE(plain.converged(plain.count(0, 10)));
}

TEST(ExposureSampler, RefusesBadRangesAndCounts) {
    const auto g = CompiledGraph::compile(medium_model());
    const ExposureSampler sampler(g, {0}, options(4096, 1));
    EXPECT_THROW(sampler.count(0, 9), ModelError);
    EXPECT_THROW(sampler.count(5, 4), ModelError);
    EXPECT_EQ(sampler.count(3, 3), std::vector<std::uint64_t>(sampler.counts_size(), 0));
    std::vector<std::uint64_t> total(sampler.counts_size(), 0), short_counts(3, 0);
    EXPECT_THROW(sampler.add(total.data(), total.size(), short_counts), ModelError);
    EXPECT_THROW(sampler.add(short_counts.data(), short_counts.size(), total), ModelError);
    EXPECT_THROW(sampler.table(short_counts), ModelError);
    EXPECT_THROW(sampler.converged(short_counts), ModelError);
    EXPECT_THROW(ExposureSampler(g, {100000}, options(4096, 1)), ModelError);
    EXPECT_THROW(ExposureSampler(g, {0}, options(0, 1)), ModelError);
}

TEST(ComparisonSampler, RangesSummedAreTheWholeRun) {
    const ModelData m = medium_model();
    ModelData v = m, w = m;
    for (std::size_t a = 0; a < v.arc_count(); a += 5) v.arc_p[a] = std::min(1.0, v.arc_p[a] + 0.1);
    for (std::size_t a = 0; a < w.arc_count(); a += 7) w.arc_p[a] /= 2;
    w.event_p[0] = 0.9;
    const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(v), g2 = CompiledGraph::compile(w);
    const std::vector<const CompiledGraph*> graphs{&g0, &g1, &g2};
    const std::vector<std::vector<NodeIndex>> adversaries(3, {0, 1, 2});
    MonteCarloOptions o = options(20000, 99);
    o.places = true;
    const ComparisonSampler sampler(graphs, adversaries, o);
    const std::vector<std::uint64_t> whole = sampler.count(0, sampler.quanta());
    for (std::size_t parts : {2u, 5u, 40u})
        EXPECT_EQ(summed(sampler, random_cuts(sampler.quanta(), parts, parts)), whole) << parts << " ranges";
    const ComparisonTable table = sampler.table(whole);
    std::uint64_t discordant = 0;
    for (std::size_t k = 0; k < table.base_only.size(); ++k) discordant += table.base_only[k] + table.variant_only[k];
    EXPECT_GT(discordant, 1000u);
    for (unsigned threads : {1u, 3u}) {
        o.threads = threads;
        expect_comparisons_identical(table, monte_carlo_compare(graphs, adversaries, o));
    }
    o.block_words = 2;
    const ComparisonSampler small_blocks(graphs, adversaries, o);
    EXPECT_EQ(summed(small_blocks, random_cuts(sampler.quanta(), 6, 3)), whole);
}

TEST(ComparisonSampler, ToleranceStopsAtTheThreadedRunsCheckpoint) {
    const ModelData m = medium_model();
    ModelData v = m;
    for (std::size_t a = 0; a < v.arc_count(); a += 3) v.arc_p[a] = std::min(1.0, v.arc_p[a] + 0.05);
    const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(v);
    const std::vector<const CompiledGraph*> graphs{&g0, &g1};
    const std::vector<std::vector<NodeIndex>> adversaries(2, {0, 1});
    for (double tolerance : {0.02, 0.005}) {
        MonteCarloOptions o = options(4000000, 3, 2);
        o.tolerance = tolerance;
        o.places = false;
        const ComparisonTable reference = monte_carlo_compare(graphs, adversaries, o);
        const ComparisonSampler sampler(graphs, adversaries, o);
        const std::vector<std::uint64_t> total = coordinated(sampler, 4);
        EXPECT_EQ(total[0], reference.samples) << tolerance;
        expect_comparisons_identical(sampler.table(total), reference);
        EXPECT_LT(reference.samples, o.samples);
    }
}

TEST(ComparisonSampler, AddCarriesThe128BitSums) {
    const auto g0 = CompiledGraph::compile(medium_model());
    const ComparisonSampler sampler({&g0, &g0}, {{0}, {0}}, options(4096, 1));
    // The paired sums close the array, eight words per entry: n10, n01, then the low and
    // high words of the sums of max(D, 0), max(-D, 0) and D^2.
    std::vector<std::uint64_t> total(sampler.counts_size(), 0), part(sampler.counts_size(), 0);
    const std::size_t positive_low = sampler.counts_size() - 8 + 2;
    part[positive_low] = ~std::uint64_t{0};
    sampler.add(total.data(), total.size(), part);
    sampler.add(total.data(), total.size(), part);
    EXPECT_EQ(total[positive_low], ~std::uint64_t{0} - 1);
    EXPECT_EQ(total[positive_low + 1], 1u);  // the carry
    EXPECT_THROW(ComparisonSampler({&g0}, {{0}, {0}}, options(4096, 1)), ModelError);
}
