// The paired Monte Carlo comparison: exact zeros for identical views, monotone variants on
// common random numbers, coverage of known differences (against the exact engine), paired
// against unpaired widths, determinism, agreement with monte_carlo_exposure, Tango's interval,
// tolerance, progress, cancellation and argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "datareach/comparison.hpp"
#include "datareach/errors.hpp"
#include "datareach/exact.hpp"
#include "datareach/monte_carlo.hpp"
#include "table_checks.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::expect_comparisons_identical;
using datareach::testing::expect_tables_identical;
using datareach::testing::ModelBuilder;
namespace mc = datareach::monte_carlo;

namespace {

MonteCarloOptions options(std::uint64_t samples, std::uint64_t seed = 1, unsigned threads = 1) {
    MonteCarloOptions o;
    o.samples = samples;
    o.seed = seed;
    o.threads = threads;
    o.places = false;
    return o;
}

// Explicit stable keys (as the Python layer gives them): an arc keeps its coins in a variant
// that adds or removes other arcs.
void key_rows(ModelData& m) {
    m.arc_key.resize(m.arc_count());
    for (std::size_t a = 0; a < m.arc_count(); ++a) m.arc_key[a] = 1000 + a;
}

ComparisonTable compare(const std::vector<const CompiledGraph*>& graphs, const std::vector<NodeIndex>& adversaries,
                        const MonteCarloOptions& o) {
    return monte_carlo_compare(graphs, std::vector<std::vector<NodeIndex>>(graphs.size(), adversaries), o);
}

// A small random model with events, filters, flows with shares, a composite and a
// jurisdiction rule; node 0 and 1 are roles (the adversaries).
ModelData random_model(std::mt19937_64& rng) {
    ModelBuilder b;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto pick = [&](int n) { return static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(n)); };
    const char* regions[] = {"US", "US/VA", "CN/Beijing", "SG"};
    std::vector<std::int32_t> nodes, stores;
    for (int r = 0; r < 2 + pick(3); ++r) nodes.push_back(b.role(regions[pick(4)]));
    for (int s = 0; s < 2 + pick(3); ++s) {
        stores.push_back(b.store(regions[pick(4)]));
        nodes.push_back(stores.back());
    }
    const int atoms = 1 + pick(3);
    for (int c = 0; c < atoms; ++c) b.atomic_class();
    if (atoms >= 2) b.composite_class({0, 1});
    const double shares[] = {1.0, 0.5, 0.25, 0.6};
    for (int k = 0; k < 2 + pick(3); ++k)
        b.place(pick(atoms), stores[pick(static_cast<int>(stores.size()))], shares[pick(4)]);
    if (pick(2)) b.flow(stores[0], stores[1], shares[pick(4)]);
    const int events = pick(3);
    for (int e = 0; e < events; ++e) b.event(0.2 + 0.7 * unit(rng));
    const double ps[] = {1.0, 0.5, 0.3, 0.8, 0.9, 0.15};
    for (int k = 0; k < 4 + pick(8); ++k) {
        std::vector<std::int32_t> filter, req;
        if (pick(4) == 0) filter.push_back(pick(atoms));
        if (events && pick(2)) req.push_back(pick(events));
        b.arc(pick(3) ? nodes[pick(2)] : nodes[pick(static_cast<int>(nodes.size()))],
              nodes[pick(static_cast<int>(nodes.size()))], ps[pick(6)], filter, req);
    }
    if (pick(2)) b.jurisdiction("CN", 0.4);
    key_rows(b.data);
    return b.data;
}

// 300 nodes, 1500 arcs with filters and events, a composite and a jurisdiction rule.
ModelData medium_model() {
    ModelData data = datareach::testing::medium_model(0.01, 0.2);
    key_rows(data);
    return data;
}

// A larger model where one arc on the way to the data changes.
ModelData chain_model(double p_changed) {
    ModelBuilder b;
    const auto adv = b.role(), mid = b.role(), side = b.role(), s = b.store(), t = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.place(d, s);
    b.place(e, t, 0.5);
    b.arc(adv, mid, 0.7);
    b.arc(mid, s, p_changed);
    b.arc(adv, side, 0.6);
    b.arc(side, s, 0.3);
    b.arc(side, t, 0.4);
    key_rows(b.data);
    return b.data;
}

}  // namespace

// ------------------------------------------------------------------ Tango's interval

TEST(PairedInterval, NoDiscordantWorldsGiveTheScoreBound) {
    const double z = 1.959963984540054;
    for (std::uint64_t n : {10ull, 1000ull, 100000ull}) {
        double low, high;
        stats::paired_difference_interval(0, 0, n, z, low, high);
        const double bound = z * z / (static_cast<double>(n) + z * z);
        EXPECT_NEAR(high, bound, 1e-12 * bound + 1e-15);
        EXPECT_NEAR(low, -bound, 1e-12 * bound + 1e-15);
    }
    double low, high;
    stats::paired_difference_interval(0, 0, 0, z, low, high);
    EXPECT_EQ(low, -1.0);
    EXPECT_EQ(high, 1.0);
    stats::paired_difference_interval(50, 0, 50, z, low, high);  // every world variant-only
    EXPECT_EQ(high, 1.0);
    EXPECT_GT(low, 0.8);
    stats::paired_difference_interval(0, 50, 50, z, low, high);
    EXPECT_EQ(low, -1.0);
    EXPECT_LT(high, -0.8);
}

TEST(PairedInterval, EndpointsSolveTheScoreEquation) {
    // An independent evaluation of Tango's statistic: the restricted maximum-likelihood
    // P(base only) found by golden-section search on the profile log-likelihood.
    auto statistic = [](double b, double c, double n, double d0) {
        const double m = n - b - c;
        auto loglik = [&](double q) {
            double l = 0;
            if (b > 0) l += b * std::log(q + d0);
            if (c > 0) l += c * std::log(q);
            if (m > 0) l += m * std::log(1 - 2 * q - d0);
            return l;
        };
        double lo = std::max(0.0, -d0), hi = (1 - d0) / 2;  // q >= 0, q + d0 >= 0, 2q + d0 <= 1
        const double g = (std::sqrt(5.0) - 1) / 2;
        for (int k = 0; k < 200; ++k) {
            const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
            if (loglik(x1) < loglik(x2))
                lo = x1;
            else
                hi = x2;
        }
        const double q = (lo + hi) / 2;
        return (b - c - n * d0) / std::sqrt(n * (2 * q + d0 * (1 - d0)));
    };
    const double z = 1.959963984540054;
    const std::uint64_t cases[][3] = {{1, 7, 21},  {7, 1, 21},     {30, 12, 1000},
                                      {0, 5, 400}, {3, 0, 100000}, {250, 260, 5000}};
    for (const auto& k : cases) {
        double low, high;
        stats::paired_difference_interval(k[0], k[1], k[2], z, low, high);
        const double b = static_cast<double>(k[0]), c = static_cast<double>(k[1]), n = static_cast<double>(k[2]);
        EXPECT_LT(low, (b - c) / n);
        EXPECT_GT(high, (b - c) / n);
        EXPECT_NEAR(statistic(b, c, n, low), z, 1e-5) << k[0] << " " << k[1] << " " << k[2];
        EXPECT_NEAR(statistic(b, c, n, high), -z, 1e-5) << k[0] << " " << k[1] << " " << k[2];
    }
}

TEST(PairedInterval, CoversAtTheStatedRate) {
    // Multinomial draws of (variant only, base only, agree) including rare discordance.
    std::mt19937_64 rng(11);
    const double z = 1.959963984540054;
    const double settings[][3] = {
        {0.002, 0.0, 5000}, {0.01, 0.004, 2000}, {0.2, 0.15, 200}, {0.0005, 0.0002, 20000}, {0.3, 0.0, 100}};
    for (const auto& s : settings) {
        const double q01 = s[0], q10 = s[1];
        const auto n = static_cast<std::uint64_t>(s[2]);
        const int reps = 2000;
        int covered = 0;
        for (int r = 0; r < reps; ++r) {
            std::binomial_distribution<std::uint64_t> first(n, q01);
            const std::uint64_t b = first(rng);
            std::binomial_distribution<std::uint64_t> second(n - b, q10 / (1 - q01));
            const std::uint64_t c = second(rng);
            double low, high;
            stats::paired_difference_interval(b, c, n, z, low, high);
            covered += low <= q01 - q10 && q01 - q10 <= high;
        }
        EXPECT_GE(covered, reps * 93 / 100) << q01 << " " << q10 << " " << n;
    }
}

// ------------------------------------------------------------------ comparisons

TEST(Comparison, IdenticalGraphsGiveExactZeros) {
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        const ModelData m = random_model(rng);
        const auto g = CompiledGraph::compile(m);
        const auto copy = CompiledGraph::compile(m);
        // The same graph twice, and a separately compiled copy.
        const auto t = compare({&g, &g, &copy}, {0, 1}, options(4096, static_cast<std::uint64_t>(trial)));
        EXPECT_EQ(t.variants, 2u);
        for (std::size_t k = 0; k < t.probability_difference.size(); ++k) {
            EXPECT_EQ(t.identical[k], 1);
            EXPECT_EQ(t.probability_difference[k], 0.0);
            EXPECT_EQ(t.probability_difference_ci_low[k], 0.0);
            EXPECT_EQ(t.probability_difference_ci_high[k], 0.0);
            EXPECT_EQ(t.expected_share_difference[k], 0.0);
            EXPECT_EQ(t.expected_share_difference_ci_low[k], 0.0);
            EXPECT_EQ(t.expected_share_difference_ci_high[k], 0.0);
            EXPECT_EQ(t.base_only[k], 0u);
            EXPECT_EQ(t.variant_only[k], 0u);
        }
        EXPECT_EQ(t.max_half_width, 0.0);
        expect_tables_identical(t.tables[0], t.tables[1]);
        expect_tables_identical(t.tables[0], t.tables[2]);
    }
}

TEST(Comparison, ChangesOutOfTheAdversarysViewAreExactZeros) {
    // An arc from another role changes; the adversary cannot reach that role.
    ModelBuilder b;
    const auto adv = b.role(), other = b.role(), s = b.store(), t = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.place(d, s);
    b.place(e, t);
    b.arc(adv, s, 0.5, {d});
    b.arc(other, t, 0.5);
    b.arc(adv, t, 0.5, {e});
    key_rows(b.data);
    ModelData variant = b.data;
    variant.arc_p[1] = 0.9;  // other -> t: out of adv's view
    variant.arc_p[2] = 0.7;  // adv -> t for e only: d's view unchanged
    const auto g0 = CompiledGraph::compile(b.data), g1 = CompiledGraph::compile(variant);
    const auto r = compare({&g0, &g1}, {adv, other}, options(8192));
    EXPECT_EQ(r.identical[r.index(0, 0, d)], 1);
    EXPECT_EQ(r.identical[r.index(0, 0, e)], 0);
    EXPECT_EQ(r.identical[r.index(0, 1, d)], 1);  // other never reaches d
    EXPECT_EQ(r.identical[r.index(0, 1, e)], 0);
    EXPECT_EQ(r.probability_difference_ci_high[r.index(0, 0, d)], 0.0);
    EXPECT_GT(r.probability_difference[r.index(0, 0, e)], 0.15);
    EXPECT_GT(r.probability_difference[r.index(0, 1, e)], 0.15);
}

TEST(Comparison, RevokingAnArcNeverAddsExposure) {
    std::mt19937_64 rng(5);
    int changed = 0;
    for (int trial = 0; trial < 40; ++trial) {
        const ModelData m = random_model(rng);
        ModelData revoked = m;  // drop one arc row (keys keep the others' coins)
        const std::size_t drop = rng() % m.arc_count();
        for (auto* column : {&revoked.arc_from, &revoked.arc_to})
            column->erase(column->begin() + static_cast<std::ptrdiff_t>(drop));
        revoked.arc_p.erase(revoked.arc_p.begin() + static_cast<std::ptrdiff_t>(drop));
        revoked.arc_cost.erase(revoked.arc_cost.begin() + static_cast<std::ptrdiff_t>(drop));
        revoked.arc_window.erase(revoked.arc_window.begin() + static_cast<std::ptrdiff_t>(drop));
        revoked.arc_key.erase(revoked.arc_key.begin() + static_cast<std::ptrdiff_t>(drop));
        for (RaggedColumn* ragged : {&revoked.arc_classes, &revoked.arc_requires}) {
            RaggedColumn kept;
            for (std::size_t a = 0; a < m.arc_count(); ++a)
                if (a != drop) kept.push_row(std::vector<std::int32_t>(ragged->begin(a), ragged->end(a)));
            *ragged = kept;
        }
        const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(revoked);
        for (std::uint64_t samples : {512ull, 4096ull}) {
            const auto t = compare({&g0, &g1}, {0, 1}, options(samples, static_cast<std::uint64_t>(trial)));
            for (std::size_t k = 0; k < t.probability_difference.size(); ++k) {
                EXPECT_EQ(t.variant_only[k], 0u);
                EXPECT_LE(t.probability_difference[k], 0.0);
                EXPECT_LE(t.expected_share_difference[k], 0.0);
                changed += t.base_only[k] > 0;
            }
        }
    }
    EXPECT_GT(changed, 10);
}

TEST(Comparison, KnownDifferenceIsCovered) {
    // One arc: p 0.5 -> 0.6, so P(exposed) rises by exactly 0.1 and E[X] by 0.1 * 0.5.
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s, 0.5);
    b.arc(adv, s, 0.5);
    ModelData raised = b.data;
    raised.arc_p[0] = 0.6;
    const auto g0 = CompiledGraph::compile(b.data), g1 = CompiledGraph::compile(raised);
    int covered = 0, share_covered = 0;
    const int seeds = 300;
    for (int seed = 0; seed < seeds; ++seed) {
        const auto t = compare({&g0, &g1}, {adv}, options(2048, static_cast<std::uint64_t>(seed)));
        EXPECT_EQ(t.base_only[0], 0u);  // common random numbers: raising p only adds worlds
        covered += t.probability_difference_ci_low[0] <= 0.1 && 0.1 <= t.probability_difference_ci_high[0];
        share_covered +=
            t.expected_share_difference_ci_low[0] <= 0.05 && 0.05 <= t.expected_share_difference_ci_high[0];
    }
    EXPECT_GE(covered, seeds * 92 / 100);
    EXPECT_GE(share_covered, seeds * 92 / 100);
    const auto big = compare({&g0, &g1}, {adv}, options(100000, 1));
    EXPECT_NEAR(big.probability_difference[0], 0.1, 0.006);
    EXPECT_LE(big.probability_difference_ci_low[0], 0.1);
    EXPECT_GE(big.probability_difference_ci_high[0], 0.1);
}

TEST(Comparison, CoversExactDifferencesOnRandomModels) {
    std::mt19937_64 rng(17);
    int entries = 0, covered = 0, share_covered = 0;
    for (int trial = 0; trial < 150; ++trial) {
        const ModelData m = random_model(rng);
        ModelData v = m;
        for (std::size_t a = 0; a < v.arc_count(); ++a)
            if (rng() % 3 == 0) v.arc_p[a] = std::clamp(v.arc_p[a] + (rng() % 2 ? 0.2 : -0.2), 0.0, 1.0);
        const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(v);
        const std::vector<NodeIndex> adversaries{0, 1};
        ExactOptions eo;
        eo.places = false;
        const auto e0 = exact_exposure(g0, adversaries, eo), e1 = exact_exposure(g1, adversaries, eo);
        const auto t = compare({&g0, &g1}, adversaries, options(4096, static_cast<std::uint64_t>(trial)));
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t c = 0; c < t.classes; ++c) {
                const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
                const std::size_t at = t.index(0, i, c);
                const double dp = e1.probability(r, k) - e0.probability(r, k);
                const double ds = e1.expected_share(r, k) - e0.expected_share(r, k);
                if (t.identical[at]) {
                    EXPECT_NEAR(dp, 0.0, 1e-12);
                    EXPECT_NEAR(ds, 0.0, 1e-12);
                    continue;
                }
                ++entries;
                covered += t.probability_difference_ci_low[at] - 1e-12 <= dp &&
                           dp <= t.probability_difference_ci_high[at] + 1e-12;
                share_covered += t.expected_share_difference_ci_low[at] - 1e-12 <= ds &&
                                 ds <= t.expected_share_difference_ci_high[at] + 1e-12;
            }
    }
    EXPECT_GT(entries, 100);
    EXPECT_GE(covered, entries * 90 / 100) << covered << " of " << entries;
    EXPECT_GE(share_covered, entries * 90 / 100) << share_covered << " of " << entries;
}

TEST(Comparison, PairedIntervalIsMuchNarrowerThanUnpaired) {
    // A small change (p 0.5 -> 0.52 on one of several routes): independent runs would give
    // each value a Wilson interval; the difference of two independent estimates has a
    // half-width of about sqrt(h_base^2 + h_variant^2).
    const auto g0 = CompiledGraph::compile(chain_model(0.5)), g1 = CompiledGraph::compile(chain_model(0.52));
    const auto t = compare({&g0, &g1}, {0}, options(100000, 3));
    const auto& b = t.tables[0];
    const auto& v = t.tables[1];
    const double hb = (b.ci_high(0, 0) - b.ci_low(0, 0)) / 2, hv = (v.ci_high(0, 0) - v.ci_low(0, 0)) / 2;
    const double unpaired = std::sqrt(hb * hb + hv * hv);
    const double paired = (t.probability_difference_ci_high[0] - t.probability_difference_ci_low[0]) / 2;
    EXPECT_GT(paired, 0.0);
    EXPECT_GT(unpaired / paired, 4.0) << "paired " << paired << " unpaired " << unpaired;
    const double exact = 0.7 * 0.02 * (1 - 0.6 * 0.3);  // the changed arc matters when the side route fails
    EXPECT_LE(t.probability_difference_ci_low[0], exact);
    EXPECT_GE(t.probability_difference_ci_high[0], exact);
    // The expected share likewise.
    const double sb = (b.expected_share_ci_high(0, 0) - b.expected_share_ci_low(0, 0)) / 2;
    const double sv = (v.expected_share_ci_high(0, 0) - v.expected_share_ci_low(0, 0)) / 2;
    const double share_paired = (t.expected_share_difference_ci_high[0] - t.expected_share_difference_ci_low[0]) / 2;
    EXPECT_GT(std::sqrt(sb * sb + sv * sv) / share_paired, 4.0);
    // Class e (at t, reached only over the side route) is out of the change's reach.
    EXPECT_EQ(t.identical[t.index(0, 0, 1)], 1);
}

TEST(Comparison, TablesEqualMonteCarloExposure) {
    std::mt19937_64 rng(23);
    for (int trial = 0; trial < 10; ++trial) {
        const ModelData m = random_model(rng);
        ModelData v = m;
        v.arc_p[0] = v.arc_p[0] > 0.5 ? 0.2 : 0.9;
        const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(v);
        for (bool places : {false, true}) {
            MonteCarloOptions o = options(5000, 40 + static_cast<std::uint64_t>(trial), 2);
            o.places = places;
            const auto t = compare({&g0, &g1, &g0}, {0, 1}, o);
            EXPECT_EQ(t.samples, 5120u);
            expect_tables_identical(t.tables[0], monte_carlo_exposure(g0, {0, 1}, o));
            expect_tables_identical(t.tables[1], monte_carlo_exposure(g1, {0, 1}, o));
            expect_tables_identical(t.tables[2], t.tables[0]);
            // The point differences are the differences of the tables.
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t c = 0; c < t.classes; ++c) {
                    const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
                    EXPECT_NEAR(t.probability_difference[t.index(0, i, c)],
                                t.tables[1].probability(r, k) - t.tables[0].probability(r, k), 1e-12);
                    EXPECT_NEAR(t.expected_share_difference[t.index(0, i, c)],
                                t.tables[1].expected_share(r, k) - t.tables[0].expected_share(r, k), 1e-12);
                }
        }
    }
}

TEST(Comparison, AdversaryIndicesMayDifferBetweenGraphs) {
    // The variant lists its nodes in another order: the same adversary has another index.
    ModelBuilder b;
    const auto adv = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(adv, s, 0.5);
    key_rows(b.data);
    ModelBuilder r;
    const auto s2 = r.store(), adv2 = r.role();
    r.atomic_class();
    r.place(d, s2);
    r.arc(adv2, s2, 0.5);
    key_rows(r.data);
    const auto g0 = CompiledGraph::compile(b.data), g1 = CompiledGraph::compile(r.data);
    const auto t = monte_carlo_compare({&g0, &g1}, {{adv}, {adv2}}, options(4096));
    EXPECT_EQ(t.identical[0], 1);
    EXPECT_EQ(t.probability_difference_ci_high[0], 0.0);
    expect_tables_identical(t.tables[0], t.tables[1]);
}

TEST(Comparison, IdenticalForAnyThreadCountAndBlockSize) {
    const ModelData m = medium_model();
    ModelData v = m, w = m;
    for (std::size_t a = 0; a < v.arc_count(); a += 5) v.arc_p[a] = std::min(1.0, v.arc_p[a] + 0.1);
    for (std::size_t a = 0; a < w.arc_count(); a += 7) w.arc_p[a] /= 2;
    w.event_p[0] = 0.9;
    const auto g0 = CompiledGraph::compile(m), g1 = CompiledGraph::compile(v), g2 = CompiledGraph::compile(w);
    const std::vector<NodeIndex> adversaries{0, 1, 2};
    MonteCarloOptions o = options(20000, 99, 1);
    o.places = true;
    const auto reference = compare({&g0, &g1, &g2}, adversaries, o);
    EXPECT_EQ(reference.samples, 20480u);
    std::uint64_t discordant = 0;
    for (std::size_t k = 0; k < reference.base_only.size(); ++k)
        discordant += reference.base_only[k] + reference.variant_only[k];
    EXPECT_GT(discordant, 1000u);
    for (unsigned threads : {2u, 3u, 8u}) {
        o.threads = threads;
        expect_comparisons_identical(reference, compare({&g0, &g1, &g2}, adversaries, o));
    }
    for (unsigned words : {1u, 2u, 4u}) {
        o.block_words = words;
        o.threads = words + 1;
        expect_comparisons_identical(reference, compare({&g0, &g1, &g2}, adversaries, o));
    }
    o.seed = 100;
    EXPECT_NE(compare({&g0, &g1, &g2}, adversaries, o).probability_difference, reference.probability_difference);
}

TEST(Comparison, SettledPairsAreExact) {
    // Certain in both (share 1 -> 0.5 by a flow), never in one: exact differences.
    ModelBuilder b;
    const auto adv = b.role(), s = b.store(), t = b.store();
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.place(d, s);
    b.place(e, t);
    b.arc(adv, s, 1.0);
    b.arc(adv, t, 1.0, {e});
    key_rows(b.data);
    ModelData v = b.data;
    v.placement_share[0] = 0.5;
    v.arc_p[1] = 0.0;  // e never reached
    const auto g0 = CompiledGraph::compile(b.data), g1 = CompiledGraph::compile(v);
    const auto r = compare({&g0, &g1}, {adv}, options(1024));
    EXPECT_EQ(r.probability_difference[r.index(0, 0, d)], 0.0);
    EXPECT_EQ(r.probability_difference_ci_low[r.index(0, 0, d)], 0.0);
    EXPECT_EQ(r.expected_share_difference[r.index(0, 0, d)], -0.5);
    EXPECT_EQ(r.expected_share_difference_ci_low[r.index(0, 0, d)], -0.5);
    EXPECT_EQ(r.expected_share_difference_ci_high[r.index(0, 0, d)], -0.5);
    EXPECT_EQ(r.probability_difference[r.index(0, 0, e)], -1.0);
    EXPECT_EQ(r.probability_difference_ci_high[r.index(0, 0, e)], -1.0);
    EXPECT_EQ(r.expected_share_difference_ci_low[r.index(0, 0, e)], -1.0);
}

TEST(Comparison, ToleranceStopsOnTheDifferences) {
    const auto g0 = CompiledGraph::compile(chain_model(0.5)), g1 = CompiledGraph::compile(chain_model(0.3));
    MonteCarloOptions o = options(1 << 22, 4, 1);
    o.tolerance = 0.005;
    const auto one = compare({&g0, &g1}, {0}, o);
    EXPECT_LT(one.samples, std::uint64_t{1} << 22);
    EXPECT_LE(one.max_half_width, 0.005);
    EXPECT_EQ(one.samples % 4096, 0u);
    // The values themselves are known less precisely than their difference.
    EXPECT_GT(one.tables[0].max_half_width, 0.005);
    o.threads = 2;
    expect_comparisons_identical(one, compare({&g0, &g1}, {0}, o));
    o.tolerance = 0.0;
    o.samples = one.samples;
    expect_comparisons_identical(one, compare({&g0, &g1}, {0}, o));
}

TEST(Comparison, ProgressAndCancel) {
    const auto g0 = CompiledGraph::compile(chain_model(0.5)), g1 = CompiledGraph::compile(chain_model(0.3));
    MonteCarloOptions o = options(std::uint64_t{1} << 34, 4, 2);
    std::atomic<int> calls{0};
    std::uint64_t last_done = 0, last_total = 0;
    o.progress = [&](std::uint64_t done, std::uint64_t total) {
        last_done = done;
        last_total = total;
        return ++calls < 3;
    };
    const auto t = compare({&g0, &g1}, {0}, o);
    EXPECT_GE(calls.load(), 3);
    EXPECT_EQ(last_total, std::uint64_t{1} << 34);
    EXPECT_EQ(last_done, t.samples);
    EXPECT_GT(t.samples, 0u);
    EXPECT_EQ(t.tables[0].samples, t.samples);
    EXPECT_EQ(t.tables[1].samples, t.samples);
    EXPECT_LE(t.probability_difference_ci_low[0], t.probability_difference[0]);

    std::atomic<bool> cancel{true};
    o.progress = nullptr;
    o.cancel = &cancel;
    const auto none = compare({&g0, &g1}, {0}, o);
    EXPECT_LT(none.samples, std::uint64_t{1} << 34);
    for (std::size_t k = 0; k < none.probability_difference.size(); ++k) {
        EXPECT_LE(none.probability_difference_ci_low[k], none.probability_difference[k]);
        EXPECT_GE(none.probability_difference_ci_high[k], none.probability_difference[k]);
    }

    o.cancel = nullptr;
    o.progress = [](std::uint64_t, std::uint64_t) -> bool { throw std::runtime_error("boom"); };
    EXPECT_THROW(compare({&g0, &g1}, {0}, o), std::runtime_error);
}

TEST(Comparison, InvalidArgumentsAreModelErrors) {
    const auto g0 = CompiledGraph::compile(chain_model(0.5));
    ModelBuilder b;
    b.role();
    b.atomic_class();
    const auto one_class = CompiledGraph::compile(b.data);
    const MonteCarloOptions o = options(1000);
    EXPECT_THROW(monte_carlo_compare({}, {}, o), ModelError);
    EXPECT_THROW(monte_carlo_compare({&g0, nullptr}, {{0}, {0}}, o), ModelError);
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}}, o), ModelError);
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}, {0, 1}}, o), ModelError);
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}, {99}}, o), ModelError);
    EXPECT_THROW(monte_carlo_compare({&g0, &one_class}, {{0}, {0}}, o), ModelError);
    MonteCarloOptions bad = o;
    bad.samples = 0;
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}, {0}}, bad), ModelError);
    bad = o;
    bad.confidence = 0.0;
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}, {0}}, bad), ModelError);
    bad = o;
    bad.block_words = 3;
    EXPECT_THROW(monte_carlo_compare({&g0, &g0}, {{0}, {0}}, bad), ModelError);
    // No adversaries: empty differences; a lone base: no variants.
    const auto empty = monte_carlo_compare({&g0, &g0}, {{}, {}}, o);
    EXPECT_TRUE(empty.probability_difference.empty());
    EXPECT_EQ(empty.tables.size(), 2u);
    const auto alone = monte_carlo_compare({&g0}, {{0}}, o);
    EXPECT_EQ(alone.variants, 0u);
    expect_tables_identical(alone.tables[0], monte_carlo_exposure(g0, {0}, o));
}
