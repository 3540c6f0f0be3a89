// Importance (Birnbaum) on small hand-made graphs: exact against brute-force enumeration of
// the model conditioned up and down, Monte Carlo against exact, and the requests refused.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "brute_force.hpp"
#include "datareach/errors.hpp"
#include "datareach/importance.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::brute_force;
using datareach::testing::ModelBuilder;

namespace {

// P(exposed) of class d for adversary a, by enumeration, with one p of the model replaced.
double enumerated(ModelData data, NodeIndex a, ClassIndex d, ArcIndex arc_row, std::int32_t event, double p) {
    if (arc_row >= 0) data.arc_p[arc_row] = p;
    if (event >= 0) data.event_p[event] = p;
    return brute_force(CompiledGraph::compile(data), {a}).probability[0][d];
}

// Every row of exact importance against enumeration; arcs are explicit here, so the compiled
// arc's origin is its access row.
void expect_matches_enumeration(const ModelBuilder& b, NodeIndex a, ClassIndex d) {
    const auto g = b.compile();
    const Importance imp = exact_importance(g, a, d);
    EXPECT_NEAR(imp.exposure, brute_force(g, {a}).probability[0][d], 1e-12);
    for (std::size_t k = 0; k < imp.size(); ++k) {
        const ArcIndex row = imp.arc[k] >= 0 ? g.arc_origin(imp.arc[k]) : -1;
        const double up = enumerated(b.data, a, d, row, imp.event[k], 1.0);
        const double down = enumerated(b.data, a, d, row, imp.event[k], 0.0);
        EXPECT_NEAR(imp.importance[k], up - down, 1e-12) << "row " << k;
        EXPECT_NEAR(imp.removed[k], down, 1e-12) << "row " << k;
    }
}

void expect_monte_carlo_covers_exact(const ModelBuilder& b, NodeIndex a, ClassIndex d, unsigned threads = 1) {
    const auto g = b.compile();
    const Importance exact = exact_importance(g, a, d);
    MonteCarloOptions options;
    options.samples = 40000;
    options.seed = 3;
    options.threads = threads;
    options.confidence = 1 - 1e-7;
    const Importance mc = monte_carlo_importance(g, a, d, options);
    ASSERT_EQ(mc.arc, exact.arc);
    ASSERT_EQ(mc.event, exact.event);
    for (std::size_t k = 0; k < mc.size(); ++k) {
        EXPECT_LE(mc.importance_low[k], exact.importance[k] + 1e-12) << "row " << k;
        EXPECT_GE(mc.importance_high[k], exact.importance[k] - 1e-12) << "row " << k;
        EXPECT_LE(mc.removed_low[k], exact.removed[k] + 1e-12) << "row " << k;
        EXPECT_GE(mc.removed_high[k], exact.removed[k] - 1e-12) << "row " << k;
    }
    EXPECT_LE(mc.exposure_low, exact.exposure + 1e-12);
    EXPECT_GE(mc.exposure_high, exact.exposure - 1e-12);
}

// The row of the coin of access row `row` (explicit arcs only), or -1.
std::ptrdiff_t row_of(const CompiledGraph& g, const Importance& imp, ArcIndex row) {
    for (std::size_t k = 0; k < imp.size(); ++k)
        if (imp.arc[k] >= 0 && g.arc_origin(imp.arc[k]) == row) return static_cast<std::ptrdiff_t>(k);
    return -1;
}

}  // namespace

// a -> b (0.5) -> s (0.8): each coin's importance is the other's p; a parallel a -> s (0.3)
// lowers both by its own failure probability.
TEST(Importance, SeriesAndParallel) {
    ModelBuilder b;
    const auto a = b.role(), m = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    b.arc(a, m, 0.5);
    b.arc(m, s, 0.8);
    auto g = b.compile();
    auto imp = exact_importance(g, a, d);
    ASSERT_EQ(imp.size(), 2u);
    EXPECT_NEAR(imp.importance[row_of(g, imp, 0)], 0.8, 1e-15);
    EXPECT_NEAR(imp.importance[row_of(g, imp, 1)], 0.5, 1e-15);
    EXPECT_NEAR(imp.removed[row_of(g, imp, 0)], 0.0, 1e-15);
    b.arc(a, s, 0.3);
    g = b.compile();
    imp = exact_importance(g, a, d);
    ASSERT_EQ(imp.size(), 3u);
    EXPECT_NEAR(imp.importance[row_of(g, imp, 0)], 0.8 * 0.7, 1e-15);
    EXPECT_NEAR(imp.importance[row_of(g, imp, 1)], 0.5 * 0.7, 1e-15);
    EXPECT_NEAR(imp.importance[row_of(g, imp, 2)], 1 - 0.4, 1e-15);
    EXPECT_NEAR(imp.removed[row_of(g, imp, 2)], 0.4, 1e-15);
    expect_matches_enumeration(b, a, d);
    expect_monte_carlo_covers_exact(b, a, d);
}

// An event shared by a chain of arcs with an uncertain arc between them: raising the event
// must open both of its arcs at once (the incremental propagation of the Monte Carlo pass).
TEST(Importance, EventOpeningAChain) {
    ModelBuilder b;
    const auto a = b.role(), m1 = b.role(), m2 = b.role(), s = b.store();
    const auto d = b.atomic_class();
    b.place(d, s);
    const auto e = b.event(0.4);
    b.arc(a, m1, 1.0, {}, {e});
    b.arc(m1, m2, 0.5);
    b.arc(m2, s, 0.9, {}, {e});
    b.arc(a, s, 0.2);
    expect_matches_enumeration(b, a, d);
    expect_monte_carlo_covers_exact(b, a, d);
    expect_monte_carlo_covers_exact(b, a, d, 2);
}

// The bridge network of undirected links (events), and a grid: every event's importance.
TEST(Importance, BridgeAndGridAgainstEnumeration) {
    NodeIndex source = 0, target = 0;
    const ModelBuilder bridge = datareach::testing::bridge(0.6, source, target);
    expect_matches_enumeration(bridge, source, 0);
    expect_monte_carlo_covers_exact(bridge, source, 0);
    const ModelBuilder grid = datareach::testing::grid(3, 3, 0.7, source, target);
    expect_matches_enumeration(grid, source, 0);
    expect_monte_carlo_covers_exact(grid, source, 0, 2);
}

// Random small models with shared events, filters and cycles.
TEST(Importance, RandomModelsAgainstEnumeration) {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 40; ++trial) {
        ModelBuilder b;
        const int n = 3 + static_cast<int>(rng() % 4);
        std::vector<std::int32_t> nodes;
        for (int v = 0; v < n; ++v) nodes.push_back(v == 1 || v == n - 1 || rng() % 4 == 0 ? b.store() : b.role());
        const auto d = b.atomic_class(), other = b.atomic_class();
        b.place(d, nodes.back());
        b.place(other, nodes[1]);
        const auto e0 = b.event(0.3), e1 = b.event(0.75);
        const int arcs = 3 + static_cast<int>(rng() % 6);
        for (int k = 0; k < arcs; ++k) {
            const auto u = nodes[rng() % n], v = nodes[rng() % n];
            const double p = std::vector<double>{0.2, 0.5, 0.9, 1.0}[rng() % 4];
            std::vector<std::int32_t> events;
            if (rng() % 3 == 0) events.push_back(e0);
            if (rng() % 3 == 0) events.push_back(e1);
            std::vector<std::int32_t> classes;
            if (rng() % 4 == 0) classes.push_back(other);
            b.arc(u, v, p, classes, events);
        }
        SCOPED_TRACE("trial " + std::to_string(trial));
        expect_matches_enumeration(b, nodes[0], d);
        expect_monte_carlo_covers_exact(b, nodes[0], d);
    }
}

TEST(Importance, SameSeedSameWorldsWhateverTheThreads) {
    NodeIndex source = 0, target = 0;
    const auto g = datareach::testing::grid(4, 4, 0.6, source, target).compile();
    MonteCarloOptions options;
    options.samples = 20000;
    options.seed = 9;
    options.threads = 1;
    const auto one = monte_carlo_importance(g, source, 0, options);
    options.threads = 2;
    const auto two = monte_carlo_importance(g, source, 0, options);
    EXPECT_EQ(one.importance, two.importance);
    EXPECT_EQ(one.removed, two.removed);
    EXPECT_EQ(one.exposure, two.exposure);
    EXPECT_EQ(one.samples, 20480u);
}

TEST(Importance, RequestsAreChecked) {
    ModelBuilder b;
    const auto a = b.role(), s = b.store();
    const auto d = b.atomic_class();
    const auto mosaic = b.composite_class({d});
    b.place(d, s);
    b.arc(a, s, 0.5);
    const auto g = b.compile();
    EXPECT_THROW(exact_importance(g, a, mosaic), ModelError);
    EXPECT_THROW(exact_importance(g, 7, d), ModelError);
    MonteCarloOptions options;
    options.samples = 0;
    EXPECT_THROW(monte_carlo_importance(g, a, d, options), ModelError);
    // The adversary holds the class: exposed in every world, nothing to rank.
    const auto held = exact_importance(g, s, d);
    EXPECT_EQ(held.size(), 0u);
    EXPECT_EQ(held.exposure, 1.0);
}
