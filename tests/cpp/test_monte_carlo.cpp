// The bit-parallel Monte Carlo engine: its Bernoulli words, hand-computable models, agreement
// with exhaustive enumeration on random small models, determinism, stopping and cancelling.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "brute_force.hpp"
#include "datareach/errors.hpp"
#include "datareach/monte_carlo.hpp"
#include "table_checks.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::bridge;
using datareach::testing::BruteForce;
using datareach::testing::expect_tables_identical;
using datareach::testing::grid;
using datareach::testing::ModelBuilder;
namespace mc = datareach::monte_carlo;

namespace {

MonteCarloOptions options(std::uint64_t samples, std::uint64_t seed = 1, unsigned threads = 1) {
    MonteCarloOptions o;
    o.samples = samples;
    o.seed = seed;
    o.threads = threads;
    return o;
}

ExposureTable run(const ModelData& data, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& o) {
    const auto g = CompiledGraph::compile(data);
    return monte_carlo_exposure(g, adversaries, o);
}

// |estimate - exact| within k standard errors of a proportion (plus a hair for p in {0, 1}).
void expect_close(double estimate, double exact, std::uint64_t n, double k = 5.0) {
    const double sd = std::sqrt(std::max(exact * (1.0 - exact), 1e-12) / static_cast<double>(n));
    EXPECT_NEAR(estimate, exact, k * sd + 1e-12) << "exact " << exact;
}

// A random small model using events, filters, flows with shares, composites and windows.
ModelData random_model(std::mt19937_64& rng) {
    ModelBuilder b;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto pick = [&](int n) { return static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(n)); };
    const char* regions[] = {"US", "US/VA", "US/TX", "CN/Beijing", "SG"};
    const int roles = 2 + pick(3), stores = 2 + pick(3);
    std::vector<std::int32_t> node_ids, store_ids;
    for (int r = 0; r < roles; ++r) node_ids.push_back(b.role(regions[pick(5)]));
    for (int s = 0; s < stores; ++s) {
        store_ids.push_back(b.store(regions[pick(5)]));
        node_ids.push_back(store_ids.back());
    }
    const int atoms = 1 + pick(3);
    std::vector<std::int32_t> classes;
    for (int c = 0; c < atoms; ++c) classes.push_back(b.atomic_class());
    if (atoms >= 2) b.composite_class({0, 1});
    const double shares[] = {1.0, 0.5, 0.25, 0.6};
    for (int k = 0; k < 2 + pick(4); ++k) b.place(classes[pick(atoms)], store_ids[pick(stores)], shares[pick(4)]);
    for (int k = 0; k < pick(3); ++k)
        b.flow(store_ids[pick(stores)], store_ids[pick(stores)], shares[pick(4)],
               pick(2) ? std::vector<std::int32_t>{} : std::vector<std::int32_t>{classes[pick(atoms)]});
    const int events = pick(3);
    for (int e = 0; e < events; ++e) b.event(pick(4) == 0 ? 1.0 : 0.2 + 0.7 * unit(rng));
    const int arcs = 3 + pick(8);
    const double ps[] = {1.0, 0.0, 0.5, 0.3, 0.8, 0.9};
    for (int k = 0; k < arcs; ++k) {
        std::vector<std::int32_t> filter, req;
        if (pick(3) == 0) filter.push_back(classes[pick(atoms)]);
        if (events && pick(2)) req.push_back(pick(events));
        Window w;
        if (pick(6) == 0) w.start = 100;  // absent at day 50
        b.arc(pick(2) ? 0 : node_ids[pick(static_cast<int>(node_ids.size()))],
              node_ids[pick(static_cast<int>(node_ids.size()))], ps[pick(6)], filter, req, w);
    }
    return b.data;
}

}  // namespace

// ------------------------------------------------------------------------ Bernoulli words

TEST(MonteCarloBernoulli, ExactForZeroOneAndOneWordForOneHalf) {
    unsigned used = 99;
    EXPECT_EQ(mc::bernoulli_word(mc::BernoulliP::of(0.0), 123, &used), 0u);
    EXPECT_EQ(used, 0u);
    EXPECT_EQ(mc::bernoulli_word(mc::BernoulliP::of(1.0), 123, &used), ~std::uint64_t{0});
    EXPECT_EQ(used, 0u);
    for (std::uint64_t base = 0; base < 100; ++base) {
        mc::bernoulli_word(mc::BernoulliP::of(0.5), base, &used);
        EXPECT_EQ(used, 1u);
        mc::bernoulli_word(mc::BernoulliP::of(0.25), base, &used);
        EXPECT_LE(used, 2u);
    }
    // p = 1/2 is exactly the complement of the first uniform bit word.
    EXPECT_EQ(mc::bernoulli_word(mc::BernoulliP::of(0.5), 7), ~mc::mix64(7 + mc::kGolden));
}

TEST(MonteCarloBernoulli, FrequenciesMatchPWithFewWords) {
    for (double p : {0.9, 0.3, 0.01, 1.0 / 3.0, 0.999}) {
        std::uint64_t ones = 0, words = 0;
        const std::uint64_t trials = 1 << 15;
        for (std::uint64_t t = 0; t < trials; ++t) {
            unsigned used = 0;
            ones += static_cast<std::uint64_t>(
                __builtin_popcountll(mc::bernoulli_word(mc::BernoulliP::of(p), mc::mix64(t), &used)));
            words += used;
        }
        expect_close(static_cast<double>(ones) / (64.0 * trials), p, 64 * trials, 5.0);
        EXPECT_LT(static_cast<double>(words) / trials, 10.0) << "p = " << p;  // ~log2(64) + 2
    }
    // A tiny p terminates after a handful of words and is (almost surely) all zeros.
    unsigned used = 0;
    EXPECT_EQ(mc::bernoulli_word(mc::BernoulliP::of(1e-300), 5, &used), 0u);
    EXPECT_LT(used, 40u);
}

TEST(MonteCarloBernoulli, LanesAreMonotoneInP) {
    const double ps[] = {0.0, 0.05, 0.3, 0.3000001, 0.5, 0.77, 0.99, 1.0};
    for (std::uint64_t base = 0; base < 2000; ++base) {
        std::uint64_t previous = 0;
        for (double p : ps) {
            const std::uint64_t m = mc::bernoulli_word(mc::BernoulliP::of(p), mc::mix64(base));
            EXPECT_EQ(previous & ~m, 0u);
            previous = m;
        }
    }
}

TEST(MonteCarloBernoulli, NormalQuantileAndWilson) {
    EXPECT_NEAR(stats::normal_quantile(0.975), 1.959963984540054, 1e-12);
    EXPECT_NEAR(stats::normal_quantile(0.5), 0.0, 1e-15);
    EXPECT_NEAR(stats::normal_quantile(0.995), 2.5758293035489004, 1e-12);
    EXPECT_NEAR(stats::normal_quantile(1e-10), -6.361340902404056, 1e-9);
    double lo, hi;
    stats::wilson_interval(0, 100, 1.96, lo, hi);
    EXPECT_EQ(lo, 0.0);
    EXPECT_NEAR(hi, 0.036994, 1e-5);
    stats::wilson_interval(100, 100, 1.96, lo, hi);
    EXPECT_EQ(hi, 1.0);
    stats::wilson_interval(50, 100, 1.96, lo, hi);
    EXPECT_NEAR(lo, 0.403832, 1e-5);
    EXPECT_NEAR(hi, 0.596168, 1e-5);
}

// ------------------------------------------------------------------ hand-computable models

TEST(MonteCarlo, SeriesAndParallel) {
    ModelBuilder b;
    const auto adv = b.role(), mid = b.role(), other = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(adv, mid, 0.8);
    b.arc(mid, s, 0.6);  // series: 0.48
    const std::uint64_t n = 1 << 17;
    auto t = run(b.data, {adv}, options(n));
    EXPECT_EQ(t.samples, n);
    EXPECT_EQ(t.method, "monte_carlo");
    expect_close(t.probability(0, d), 0.48, n);
    EXPECT_LE(t.ci_low(0, d), t.probability(0, d));
    EXPECT_GE(t.ci_high(0, d), t.probability(0, d));
    b.arc(adv, other, 0.5);
    b.arc(other, s, 0.5);  // parallel: 1 - (1 - 0.48)(1 - 0.25)
    t = run(b.data, {adv}, options(n));
    expect_close(t.probability(0, d), 1 - 0.52 * 0.75, n);
    expect_close(t.expected_share(0, d), 1 - 0.52 * 0.75, n);
}

TEST(MonteCarlo, SharedEventIsDrawnOncePerWorld) {
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    const auto e = b.event(0.5);
    b.arc(adv, s, 0.5, {}, {e});
    b.arc(adv, s, 0.5, {}, {e});
    // Independent events would give 1 - (1 - .25)^2 = 0.4375; one shared event gives .5 * .75.
    const std::uint64_t n = 1 << 17;
    const auto t = run(b.data, {adv}, options(n));
    expect_close(t.probability(0, d), 0.375, n);
}

TEST(MonteCarlo, UndirectedLinkIsOneVariable) {
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.link(adv, s, 0.3);
    const std::uint64_t n = 1 << 16;
    expect_close(run(b.data, {adv}, options(n)).probability(0, d), 0.3, n);
}

TEST(MonteCarlo, ClassFiltersSplitPropagations) {
    ModelBuilder b;
    const auto adv = b.role(), hub = b.role(), s = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class(), f = b.atomic_class();
    for (auto c : {d, e, f}) b.place(c, s);
    b.arc(adv, hub, 0.5);
    b.arc(hub, s, 0.4, {d});     // d only
    b.arc(hub, s, 0.7, {d, e});  // d and e
    b.arc(adv, s, 0.1);          // everything
    const std::uint64_t n = 1 << 17;
    const auto t = run(b.data, {adv}, options(n));
    expect_close(t.probability(0, d), 1 - 0.9 * (1 - 0.5 * (1 - 0.6 * 0.3)), n);
    expect_close(t.probability(0, e), 1 - 0.9 * (1 - 0.5 * 0.7), n);
    expect_close(t.probability(0, f), 0.1, n);
}

TEST(MonteCarlo, SharesAndExpectedShare) {
    ModelBuilder b;
    const auto adv = b.role(), big = b.store(), small = b.store();
    const auto d = b.atomic_class();
    b.place(d, big, 0.6);
    b.place(d, small, 0.3);
    b.arc(adv, big, 0.5);
    b.arc(adv, small, 0.5);
    const std::uint64_t n = 1 << 18;
    const auto t = run(b.data, {adv}, options(n));
    expect_close(t.probability(0, d), 0.75, n);
    const double mean = 0.5 * 0.6 + 0.25 * 0.3;
    const double variance = 0.5 * 0.36 + 0.25 * 0.09 - mean * mean;
    EXPECT_NEAR(t.expected_share(0, d), mean, 5 * std::sqrt(variance / n));
    EXPECT_LT(t.expected_share_ci_low(0, d), t.expected_share(0, d));
    EXPECT_NEAR(t.expected_share_ci_high(0, d) - t.expected_share(0, d), 1.96 * std::sqrt(variance / n), 2e-4);
    // by_store rows: every store holding the class, sorted by store.
    ASSERT_EQ(t.by_store.place.size(), 2u);
    EXPECT_EQ(t.by_store.place[0], big);
    expect_close(t.by_store.probability[0], 0.5, n);
    expect_close(t.by_store.probability[1], 0.5, n);
}

TEST(MonteCarlo, CompositeNeedsEveryPartInTheSameWorld) {
    ModelBuilder b;
    const auto adv = b.role(), s1 = b.store(), s2 = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    const auto c = b.composite_class({d, e});
    b.place(d, s1, 0.8);
    b.place(d, s2, 0.4);
    b.place(e, s2, 0.5);
    b.arc(adv, s1, 0.5);
    b.arc(adv, s2, 0.6);
    const std::uint64_t n = 1 << 18;
    const auto t = run(b.data, {adv}, options(n));
    // X_c > 0 iff s2 is reached (e lives only there): 0.6. X_c = min(X_d, X_e):
    // s1 and s2: min(0.8, 0.5) = 0.5; s2 only: min(0.4, 0.5) = 0.4.
    expect_close(t.probability(0, c), 0.6, n);
    EXPECT_NEAR(t.expected_share(0, c), 0.3 * 0.5 + 0.3 * 0.4, 5 * std::sqrt(0.25 * 0.6 / n));
    // Composite rows are not listed per store.
    for (auto k : t.by_store.class_index) EXPECT_NE(k, c);
}

TEST(MonteCarlo, WindowsAndDates) {
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(adv, s, 1.0, {}, {}, Window{100, 200});
    const auto before = CompiledGraph::compile(b.data, Day{50});
    const auto during = CompiledGraph::compile(b.data, Day{150});
    EXPECT_EQ(monte_carlo_exposure(before, {adv}, options(256)).probability(0, d), 0.0);
    EXPECT_EQ(monte_carlo_exposure(during, {adv}, options(256)).probability(0, d), 1.0);
}

TEST(MonteCarlo, CertainAndImpossibleAreExact) {
    ModelBuilder b;
    const auto adv = b.role(), s = b.store(), t2 = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.place(d, s, 0.7);
    b.place(e, t2);
    const auto sure = b.event(1.0);
    b.arc(adv, s, 1.0, {}, {sure});
    b.arc(adv, t2, 0.0);
    const auto never = b.event(0.0);
    b.arc(adv, t2, 1.0, {}, {never});
    const auto t = run(b.data, {adv}, options(1000));
    EXPECT_EQ(t.samples, 1024u);  // rounded up to a multiple of 512
    EXPECT_EQ(t.probability(0, d), 1.0);
    EXPECT_EQ(t.ci_high(0, d), 1.0);
    EXPECT_EQ(t.expected_share(0, d), 0.7);
    EXPECT_EQ(t.expected_share_ci_low(0, d), 0.7);
    EXPECT_EQ(t.probability(0, e), 0.0);
    EXPECT_EQ(t.ci_low(0, e), 0.0);
    EXPECT_EQ(t.expected_share(0, e), 0.0);
}

TEST(MonteCarlo, DeterministicReachGivesExactIntervals) {
    ModelBuilder b;
    const auto adv = b.role(), far = b.role(), s1 = b.store("US/VA"), s2 = b.store("US/TX"), s3 = b.store("SG");
    const auto d = b.atomic_class(), e = b.atomic_class(), lost = b.atomic_class();
    const auto both = b.composite_class({d, e});
    b.place(d, s1, 0.5);
    b.place(d, s2, 1.0);
    b.place(e, s2);
    b.place(lost, s3);
    b.arc(adv, s1);       // certain: d has X >= 0.5 in every world
    b.arc(adv, s2, 0.3);  // random: X_d is 1 or 0.5, X_e is 1 or 0
    b.arc(far, s3);       // s3 is out of reach
    const auto t = run(b.data, {adv}, options(4096));
    EXPECT_EQ(t.probability(0, d), 1.0);
    EXPECT_EQ(t.ci_low(0, d), 1.0);
    EXPECT_LT(t.expected_share_ci_low(0, d), t.expected_share(0, d));  // X_d itself is random
    EXPECT_EQ(t.probability(0, lost), 0.0);
    EXPECT_EQ(t.ci_high(0, lost), 0.0);
    EXPECT_EQ(t.expected_share_ci_high(0, lost), 0.0);
    EXPECT_GT(t.ci_high(0, e), t.ci_low(0, e));
    EXPECT_LE(t.ci_high(0, both), 1.0);
    for (std::size_t k = 0; k < t.by_store.place.size(); ++k) {
        const auto place = t.by_store.place[k];
        if (place == s1) {
            EXPECT_EQ(t.by_store.ci_low[k], 1.0);
        } else if (place == s3) {
            EXPECT_EQ(t.by_store.ci_high[k], 0.0);
        } else {
            EXPECT_LT(t.by_store.ci_low[k], t.by_store.ci_high[k]);
        }
    }
    for (std::size_t k = 0; k < t.by_region.place.size(); ++k) {
        const auto& name = b.data.region_names[t.by_region.place[k]];
        const auto cls = t.by_region.class_index[k];
        if (cls == d && (name == "US" || name == "US/VA")) {
            EXPECT_EQ(t.by_region.ci_low[k], 1.0);
        } else if (cls == lost) {
            EXPECT_EQ(t.by_region.ci_high[k], 0.0);
        } else {
            EXPECT_LT(t.by_region.ci_low[k], t.by_region.ci_high[k]) << name;
        }
    }
    // Only the random entries count towards the widest half-width.
    EXPECT_GT(t.max_half_width, 0.0);
    EXPECT_NEAR(t.max_half_width,
                std::max((t.ci_high(0, e) - t.ci_low(0, e)) / 2, (t.ci_high(0, both) - t.ci_low(0, both)) / 2), 1e-15);
}

TEST(MonteCarlo, RareExposureStillGetsAnExpectedShareInterval) {
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s, 0.8);
    b.arc(adv, s, 1e-9);
    const auto t = run(b.data, {adv}, options(1024));
    EXPECT_EQ(t.probability(0, d), 0.0);
    EXPECT_GT(t.ci_high(0, d), 0.0);
    EXPECT_EQ(t.expected_share(0, d), 0.0);
    EXPECT_GT(t.expected_share_ci_high(0, d), 0.0);  // not the degenerate [0, 0]
    EXPECT_LE(t.expected_share_ci_high(0, d), 0.8 * t.ci_high(0, d) + 1e-15);
}

TEST(MonteCarlo, AdversaryReachesItselfAndJurisdictionRules) {
    ModelBuilder b;
    const auto cn = b.jurisdiction("CN", 0.9);
    const auto s = b.store("CN/Beijing"), own = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.place(d, s);
    b.place(e, own);
    const std::uint64_t n = 1 << 16;
    const auto t = run(b.data, {cn, own}, options(n));
    expect_close(t.probability(0, d), 0.9, n);
    EXPECT_EQ(t.probability(1, e), 1.0);  // a store adversary holds its own data
    EXPECT_EQ(t.probability(1, d), 0.0);
    EXPECT_EQ(t.adversaries, (std::vector<NodeIndex>{cn, own}));
}

TEST(MonteCarlo, ByRegionCountsEveryAncestor) {
    ModelBuilder b;
    const auto adv = b.role(), va = b.store("US/VA"), tx = b.store("US/TX"), sg = b.store("SG");
    const auto d = b.atomic_class();
    b.place(d, va);
    b.place(d, tx);
    b.place(d, sg);
    b.arc(adv, va, 0.5);
    b.arc(adv, tx, 0.5);
    b.arc(adv, sg, 0.2);
    const std::uint64_t n = 1 << 17;
    const auto t = run(b.data, {adv}, options(n));
    const auto& names = b.data.region_names;
    ASSERT_EQ(t.by_region.place.size(), 4u);  // US, US/VA, US/TX, SG
    EXPECT_TRUE(std::is_sorted(t.by_region.place.begin(), t.by_region.place.end()));
    for (std::size_t k = 0; k < t.by_region.place.size(); ++k) {
        const auto& name = names[t.by_region.place[k]];
        const double exact = name == "US" ? 0.75 : name == "SG" ? 0.2 : 0.5;
        expect_close(t.by_region.probability[k], exact, n);
        EXPECT_LE(t.by_region.ci_low[k], t.by_region.probability[k]);
        EXPECT_GE(t.by_region.ci_high[k], t.by_region.probability[k]);
    }
    MonteCarloOptions o = options(n);
    o.places = false;
    const auto bare = run(b.data, {adv}, o);
    EXPECT_TRUE(bare.by_store.place.empty());
    EXPECT_TRUE(bare.by_region.place.empty());
    EXPECT_EQ(bare.probability(0, d), t.probability(0, d));
}

// -------------------------------------------------------------- published reliabilities

TEST(MonteCarlo, BridgeNetworkReliability) {
    std::int32_t source = 0, target = 0;
    const auto b = bridge(0.9, source, target);
    const ClassIndex d = 0;
    const std::uint64_t n = 1 << 20;
    MonteCarloOptions o = options(n, 3, 2);
    const auto t = run(b.data, {source}, o);
    expect_close(t.probability(0, d), 0.97848, n, 4.5);
    EXPECT_LE(t.ci_low(0, d), 0.97848 + 1e-3);
}

TEST(MonteCarlo, GridReliability) {
    std::int32_t source = 0, target = 0;
    const auto b = grid(5, 5, 0.9, source, target);
    const ClassIndex d = 0;
    const std::uint64_t n = 1 << 20;
    const auto t = run(b.data, {source}, options(n, 11, 2));
    expect_close(t.probability(0, d), 0.9755566, n, 4.5);
}

// A directed ring entered half-way round: the kernel sweeps nodes in id order and iterates a
// cycle to its fixpoint, so worlds must travel the whole way round, past the node they
// entered by. A store hanging off ring node (k + j) mod n is reached iff the j ring arcs from
// the entry are live: 0.6^j; an inner cycle on node 1 offers node 3 a second way in.
TEST(MonteCarlo, WorldsTravelRoundCycles) {
    ModelBuilder b;
    const std::int32_t adversary = b.role();
    const int n = 7, entry = 4;
    std::vector<std::int32_t> ring, inner, classes;
    for (int i = 0; i < n; ++i) ring.push_back(b.role());
    for (int i = 0; i < n; ++i) b.arc(ring[i], ring[(i + 1) % n], 0.6);
    for (int i = 0; i < 3; ++i) inner.push_back(b.role());
    b.arc(ring[1], inner[0], 0.5);
    b.arc(inner[0], inner[1], 0.5);
    b.arc(inner[1], inner[2], 0.5);
    b.arc(inner[2], ring[1], 0.5);
    b.arc(inner[1], ring[3], 1.0);  // a way back into the outer ring
    b.arc(adversary, ring[entry], 1.0);
    for (int i = 0; i < n; ++i) {
        const auto store = b.store();
        b.arc(ring[i], store, 1.0);
        classes.push_back(b.atomic_class());
        b.place(classes.back(), store);
    }
    const auto data = b.data;
    const std::uint64_t samples = 1 << 17;
    for (unsigned words : {1u, 8u}) {
        MonteCarloOptions o = options(samples, 5, 2);
        o.block_words = words;
        const auto t = run(data, {adversary}, o);
        for (int i = 0; i < n; ++i) {
            const int j = (i - entry + n) % n;  // ring arcs from the entry to node i
            // Node 3 is reached from node 1 (0.6^4) along the ring (0.6^2) or through inner[0]
            // and inner[1] (0.5^2): 0.6^4 (1 - (1 - 0.36)(1 - 0.25)).
            const double want = i == 3 ? std::pow(0.6, 4) * (1.0 - 0.64 * 0.75) : std::pow(0.6, j);
            SCOPED_TRACE("ring node " + std::to_string(i) + ", block words " + std::to_string(words));
            expect_close(t.probability(0, classes[i]), want, samples);
        }
    }
}

// -------------------------------------------------- agreement with exhaustive enumeration

TEST(MonteCarlo, AgreesWithEnumerationOnRandomModels) {
    std::mt19937_64 rng(20240601);
    const std::uint64_t n = 1 << 16;
    int checked = 0;
    for (int model = 0; model < 60; ++model) {
        const ModelData data = random_model(rng);
        const auto g = CompiledGraph::compile(data, Day{50});
        std::vector<NodeIndex> adversaries{0, 1};
        const BruteForce exact = datareach::testing::brute_force(g, adversaries);
        MonteCarloOptions o = options(n, static_cast<std::uint64_t>(model), 2);
        const auto t = monte_carlo_exposure(g, adversaries, o);
        for (std::size_t i = 0; i < adversaries.size(); ++i)
            for (std::size_t c = 0; c < g.class_count(); ++c) {
                SCOPED_TRACE("model " + std::to_string(model) + " adversary " + std::to_string(i) + " class " +
                             std::to_string(c));
                expect_close(t.probability(i, c), exact.probability[i][c], n);
                EXPECT_NEAR(t.expected_share(i, c), exact.expected_share[i][c], 5 * std::sqrt(0.25 / n) + 1e-12);
                ++checked;
            }
        for (std::size_t k = 0; k < t.by_store.place.size(); ++k) {
            const auto& stores = exact.store[t.by_store.adversary_row[k]];
            const auto found = stores.find({t.by_store.class_index[k], t.by_store.place[k]});
            const double want = found == stores.end() ? 0.0 : found->second;  // not holding the class: never
            expect_close(t.by_store.probability[k], want, n);
        }
    }
    EXPECT_GT(checked, 100);
}

TEST(MonteCarlo, IntervalsCoverAtTheStatedRate) {
    ModelBuilder b;
    const auto adv = b.role(), mid = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    const auto e = b.event(0.7);
    b.arc(adv, mid, 0.6, {}, {e});
    b.arc(mid, s, 0.5);
    b.arc(adv, s, 0.2, {}, {e});
    const double exact = 0.7 * (1 - (1 - 0.3) * 0.8);
    const auto g = CompiledGraph::compile(b.data);
    int covered = 0;
    const int seeds = 300;
    for (int seed = 0; seed < seeds; ++seed) {
        const auto t = monte_carlo_exposure(g, {adv}, options(2048, static_cast<std::uint64_t>(seed)));
        covered += t.ci_low(0, d) <= exact && exact <= t.ci_high(0, d);
    }
    EXPECT_GE(covered, static_cast<int>(0.92 * seeds));
    EXPECT_LE(covered, static_cast<int>(0.985 * seeds));
}

// ----------------------------------------------------------------------------- determinism

namespace {
// Arcs with p in [0.05, 0.95).
ModelData medium_model() { return datareach::testing::medium_model(0.05, 0.9); }
}  // namespace

TEST(MonteCarlo, IdenticalForAnyThreadCountAndBlockSize) {
    const auto g = CompiledGraph::compile(medium_model());
    const std::vector<NodeIndex> adversaries{0, 1, 2, static_cast<NodeIndex>(g.node_count() - 1)};
    MonteCarloOptions o = options(20000, 99, 1);  // rounded up to 20480 whatever the block size
    const auto reference = monte_carlo_exposure(g, adversaries, o);
    EXPECT_GT(reference.probability.sum(), 0.0);
    EXPECT_EQ(reference.samples, 20480u);
    for (unsigned threads : {2u, 3u, 8u}) {
        o.threads = threads;
        expect_tables_identical(reference, monte_carlo_exposure(g, adversaries, o));
    }
    for (unsigned words : {1u, 2u, 4u}) {
        o.block_words = words;
        o.threads = words;
        expect_tables_identical(reference, monte_carlo_exposure(g, adversaries, o));
    }
    o.seed = 100;
    o.block_words = 4;
    EXPECT_FALSE(monte_carlo_exposure(g, adversaries, o).probability == reference.probability);
}

TEST(MonteCarlo, CommonRandomNumbersAcrossVariants) {
    // Same arc keys, one p raised: in every world the variant reaches at least as much, so
    // its estimates are never lower; an unrelated arc removed changes nothing else.
    ModelData base = medium_model();
    ModelData raised = base;
    for (std::size_t a = 0; a < raised.arc_count(); a += 7) raised.arc_p[a] = std::min(1.0, raised.arc_p[a] + 0.2);
    const MonteCarloOptions o = options(8192, 5, 2);
    const auto t0 = run(base, {0, 1}, o), t1 = run(raised, {0, 1}, o);
    EXPECT_TRUE((t1.probability.array() >= t0.probability.array()).all());
    EXPECT_TRUE((t1.expected_share.array() >= t0.expected_share.array()).all());
    EXPECT_FALSE(t1.probability == t0.probability);
    // Without keys the row index is the key: reordering rows with explicit keys keeps worlds.
    ModelData keyed = base;
    keyed.arc_key.resize(keyed.arc_count());
    for (std::size_t a = 0; a < keyed.arc_count(); ++a) keyed.arc_key[a] = a;
    expect_tables_identical(t0, run(keyed, {0, 1}, o));
}

// --------------------------------------------------------------- tolerance, progress, cancel

TEST(MonteCarlo, ToleranceStopsAtACheckpointIndependentOfThreads) {
    const auto g = CompiledGraph::compile(medium_model());
    MonteCarloOptions o = options(1 << 22, 4, 1);
    o.tolerance = 0.01;
    const auto one = monte_carlo_exposure(g, {0, 1}, o);
    EXPECT_LT(one.samples, std::uint64_t{1} << 22);
    EXPECT_LE(one.max_half_width, 0.01);
    EXPECT_EQ(one.samples % 4096, 0u);
    o.threads = 2;
    expect_tables_identical(one, monte_carlo_exposure(g, {0, 1}, o));
    o.tolerance = 0.0;
    o.samples = one.samples;
    expect_tables_identical(one, monte_carlo_exposure(g, {0, 1}, o));
}

TEST(MonteCarlo, ProgressAndCancel) {
    const auto g = CompiledGraph::compile(medium_model());
    MonteCarloOptions o = options(1 << 30, 4, 2);
    std::atomic<int> calls{0};
    std::uint64_t last_done = 0, last_total = 0;
    o.progress = [&](std::uint64_t done, std::uint64_t total) {
        last_done = done;
        last_total = total;
        return ++calls < 3;  // stop at the third report
    };
    const auto t = monte_carlo_exposure(g, {0}, o);
    EXPECT_GE(calls.load(), 3);
    EXPECT_EQ(last_total, std::uint64_t{1} << 30);
    EXPECT_LT(t.samples, std::uint64_t{1} << 30);
    EXPECT_EQ(last_done, t.samples);
    EXPECT_GT(t.samples, 0u);
    EXPECT_TRUE((t.probability.array() >= 0).all());

    std::atomic<bool> cancel{true};
    o.progress = nullptr;
    o.cancel = &cancel;
    const auto none = monte_carlo_exposure(g, {0}, o);
    EXPECT_LT(none.samples, std::uint64_t{1} << 30);

    o.cancel = nullptr;
    o.progress = [](std::uint64_t, std::uint64_t) -> bool { throw std::runtime_error("boom"); };
    EXPECT_THROW(monte_carlo_exposure(g, {0}, o), std::runtime_error);
}

TEST(MonteCarlo, InvalidArgumentsAreModelErrors) {
    ModelBuilder b;
    const auto adv = b.role();
    b.atomic_class();
    const auto g = CompiledGraph::compile(b.data);
    MonteCarloOptions o = options(0);
    EXPECT_THROW(monte_carlo_exposure(g, {adv}, o), ModelError);
    o.samples = 10;
    o.tolerance = -1;
    EXPECT_THROW(monte_carlo_exposure(g, {adv}, o), ModelError);
    o.tolerance = std::nan("");
    EXPECT_THROW(monte_carlo_exposure(g, {adv}, o), ModelError);
    o.tolerance = 0;
    o.confidence = 1.0;
    EXPECT_THROW(monte_carlo_exposure(g, {adv}, o), ModelError);
    o.confidence = 0.95;
    o.block_words = 3;
    EXPECT_THROW(monte_carlo_exposure(g, {adv}, o), ModelError);
    o.block_words = 4;
    EXPECT_THROW(monte_carlo_exposure(g, {5}, o), ModelError);
    EXPECT_THROW(monte_carlo_exposure(g, {-1}, o), ModelError);
    const auto empty = monte_carlo_exposure(g, {}, o);
    EXPECT_EQ(empty.probability.rows(), 0);
    EXPECT_EQ(empty.probability.cols(), 1);
}
