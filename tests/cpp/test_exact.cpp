// The exact exposure engine against hand-computed values, published network reliabilities
// and a brute-force enumeration of all worlds written straight from docs/design.md §2.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "brute_force.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/errors.hpp"
#include "datareach/exact.hpp"
#include "test_models.hpp"

namespace dr = datareach;

namespace {

using datareach::testing::bridge;
using datareach::testing::grid;
using datareach::testing::ModelBuilder;

// Both methods of the engine: the default (frontier where it applies) and factoring alone.
void expect_matches_brute(const dr::CompiledGraph& g, const std::vector<dr::NodeIndex>& adversaries,
                          const std::string& what, bool factoring);

void expect_matches_brute(const dr::CompiledGraph& g, const std::vector<dr::NodeIndex>& adversaries,
                          const std::string& what) {
    expect_matches_brute(g, adversaries, what, false);
    expect_matches_brute(g, adversaries, what + " (factoring)", true);
}

void expect_matches_brute(const dr::CompiledGraph& g, const std::vector<dr::NodeIndex>& adversaries,
                          const std::string& what, bool factoring) {
    dr::ExactOptions options;
    if (factoring) options.max_frontier_width = 0;
    const auto table = dr::exact_exposure(g, adversaries, options);
    const auto brute = dr::testing::brute_force(g, adversaries);
    const std::size_t C = g.class_count();
    ASSERT_EQ(table.method, "exact");
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        for (std::size_t c = 0; c < C; ++c) {
            EXPECT_NEAR(table.probability(i, c), brute.probability[i][c], 1e-12)
                << what << " adversary " << i << " class " << c;
            EXPECT_NEAR(table.expected_share(i, c), brute.expected_share[i][c], 1e-12)
                << what << " adversary " << i << " class " << c;
            EXPECT_EQ(table.ci_low(i, c), table.probability(i, c));
            EXPECT_EQ(table.ci_high(i, c), table.probability(i, c));
            EXPECT_EQ(table.expected_share_ci_low(i, c), table.expected_share(i, c));
        }
    // Places: same rows in the same order.
    std::size_t expected_rows = 0, expected_regions = 0;
    for (std::size_t i = 0; i < adversaries.size(); ++i) {
        expected_rows += brute.store[i].size();
        expected_regions += brute.region[i].size();
    }
    ASSERT_EQ(table.by_store.probability.size(), expected_rows) << what;
    ASSERT_EQ(table.by_region.probability.size(), expected_regions) << what;
    std::size_t row = 0;
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        for (const auto& [k, v] : brute.store[i]) {
            EXPECT_EQ(table.by_store.adversary_row[row], static_cast<int>(i));
            EXPECT_EQ(table.by_store.class_index[row], k.first);
            EXPECT_EQ(table.by_store.place[row], k.second);
            EXPECT_NEAR(table.by_store.probability[row], v, 1e-12) << what << " store row " << row;
            EXPECT_EQ(table.by_store.ci_low[row], table.by_store.probability[row]);
            ++row;
        }
    row = 0;
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        for (const auto& [k, v] : brute.region[i]) {
            EXPECT_EQ(table.by_region.adversary_row[row], static_cast<int>(i));
            EXPECT_EQ(table.by_region.class_index[row], k.first);
            EXPECT_EQ(table.by_region.place[row], k.second);
            EXPECT_NEAR(table.by_region.probability[row], v, 1e-12) << what << " region row " << row;
            ++row;
        }
}

double bridge_value(double p) { return 2 * p * p + 2 * p * p * p - 5 * std::pow(p, 4) + 2 * std::pow(p, 5); }

}  // namespace

TEST(Exact, SingleArc) {
    ModelBuilder b;
    const int adv = b.role(), s = b.store();
    const int d = b.atomic_class();
    b.place(d, s, 0.5);
    b.arc(adv, s, 0.3);
    const auto g = b.compile();
    const auto t = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(t.probability(0, d), 0.3, 1e-15);
    EXPECT_NEAR(t.expected_share(0, d), 0.15, 1e-15);
    ASSERT_EQ(t.by_store.probability.size(), 1u);
    EXPECT_NEAR(t.by_store.probability[0], 0.3, 1e-15);
    EXPECT_EQ(t.by_store.place[0], s);
    EXPECT_EQ(t.samples, 0u);
    EXPECT_EQ(t.method, "exact");
}

TEST(Exact, SharedEventAndMaxShare) {
    ModelBuilder b;
    const int adv = b.role(), s1 = b.store(), s2 = b.store();
    const int d = b.atomic_class();
    const int e = b.event(0.5);
    b.place(d, s1, 1.0);
    b.place(d, s2, 0.4);
    b.arc(adv, s1, 0.8, {}, {e});
    b.arc(adv, s2, 0.5, {}, {e});
    const auto g = b.compile();
    const auto t = dr::exact_exposure(g, {adv});
    // X = 1 if arc1 live (0.4); else 0.4 if arc2 live (0.5 * 0.5 * 0.2 = 0.05).
    EXPECT_NEAR(t.probability(0, d), 0.45, 1e-15);
    EXPECT_NEAR(t.expected_share(0, d), 0.4 + 0.4 * 0.05, 1e-15);
    expect_matches_brute(g, {adv}, "shared event");
}

TEST(Exact, CompositeNeedsSameWorld) {
    ModelBuilder b;
    const int adv = b.role(), s1 = b.store(), s2 = b.store();
    const int a = b.atomic_class(), c = b.atomic_class();
    const int comp = b.composite_class({a, c});
    b.place(a, s1, 0.6);
    b.place(c, s2, 0.9);
    const int e = b.event(0.5);
    b.arc(adv, s1, 1.0, {}, {e});
    b.arc(adv, s2, 0.5, {}, {e});
    const auto g = b.compile();
    const auto t = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(t.probability(0, comp), 0.25, 1e-15);  // not 0.5 * 0.25
    EXPECT_NEAR(t.expected_share(0, comp), 0.25 * 0.6, 1e-15);
    expect_matches_brute(g, {adv}, "composite");
}

TEST(Exact, FiltersAndAdversaryStore) {
    ModelBuilder b;
    const int adv = b.store(), mid = b.role(), s = b.store();
    const int a = b.atomic_class(), c = b.atomic_class();
    b.place(a, adv, 0.2);  // the adversary itself holds a share of a
    b.place(a, s, 0.7);
    b.place(c, s, 1.0);
    b.arc(adv, mid, 0.5);
    b.arc(mid, s, 0.5, {c});  // admits c only
    b.arc(adv, s, 0.1, {a});
    const auto g = b.compile();
    const auto t = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(t.probability(0, a), 1.0, 1e-15);
    EXPECT_NEAR(t.expected_share(0, a), 0.2 + 0.1 * 0.5, 1e-15);
    EXPECT_NEAR(t.probability(0, c), 0.25, 1e-15);
    expect_matches_brute(g, {adv, mid, s}, "filters");
}

TEST(Exact, RegionsCountForAncestors) {
    ModelBuilder b;
    const int us = b.region("US");
    const int adv = b.role(), s1 = b.store("US/VA"), s2 = b.store("US/TX");
    const int d = b.atomic_class();
    b.place(d, s1);
    b.place(d, s2);
    b.arc(adv, s1, 0.5);
    b.arc(adv, s2, 0.5);
    const auto g = b.compile();
    const auto t = dr::exact_exposure(g, {adv});
    ASSERT_EQ(t.by_region.place.size(), 3u);
    EXPECT_EQ(t.by_region.place[0], us);
    EXPECT_NEAR(t.by_region.probability[0], 0.75, 1e-15);
    EXPECT_NEAR(t.by_region.probability[1], 0.5, 1e-15);
    EXPECT_NEAR(t.by_region.probability[2], 0.5, 1e-15);
    expect_matches_brute(g, {adv}, "regions");
}

TEST(Exact, JurisdictionRulesAndWindows) {
    ModelBuilder b;
    const int j = b.jurisdiction("CN", 0.9, "CN");
    const int admin = b.role("CN/Beijing");
    const int va = b.store("US"), tx = b.store("US");
    const int d = b.atomic_class();
    b.place(d, va);
    b.place(d, tx, 1.0, {100, 200});
    b.arc(admin, va, 0.95, {}, {}, {0, 50});
    b.arc(admin, tx, 0.5);
    const auto g0 = b.compile(10);
    const auto t0 = dr::exact_exposure(g0, {j});
    EXPECT_NEAR(t0.probability(0, d), 0.9 * 0.95, 1e-15);
    const auto g1 = b.compile(150);
    const auto t1 = dr::exact_exposure(g1, {j});
    EXPECT_NEAR(t1.probability(0, d), 0.9 * 0.5, 1e-15);
    expect_matches_brute(b.compile(), {j, admin}, "rules, no date");
}

TEST(Exact, ProbabilityZeroAndOne) {
    ModelBuilder b;
    const int adv = b.role(), mid = b.role(), s = b.store();
    const int d = b.atomic_class();
    const int never = b.event(0.0), always = b.event(1.0);
    b.place(d, s);
    b.arc(adv, mid, 1.0, {}, {always});
    b.arc(mid, s, 0.7, {}, {never});
    b.arc(mid, s, 0.4);
    const auto g = b.compile();
    const auto c = dr::exact_complexity(g, {adv});
    EXPECT_EQ(c.variables[0], 1);  // only the 0.4 coin
    const auto t = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(t.probability(0, d), 0.4, 1e-15);
}

TEST(Exact, SeriesParallelReductions) {
    // adversary -> a -> b -> s (three coins in series), plus two parallel coins a -> b and a
    // filtered arc a -> b that only one class passes; b is not a store, s is.
    ModelBuilder b;
    const int adv = b.role(), na = b.role(), nb = b.role(), s = b.store();
    const int d = b.atomic_class(), other = b.atomic_class();
    b.place(d, s);
    b.place(other, s, 0.5);
    b.arc(adv, na, 0.9);
    b.arc(na, nb, 0.5);
    b.arc(na, nb, 0.4);
    b.arc(na, nb, 0.3, {other});
    b.arc(nb, s, 0.8);
    const auto g = b.compile();
    const auto c = dr::exact_complexity(g, {adv});
    // The filter gives the two classes different filter groups, hence a run each; in each run the
    // parallel arcs and then the chain reduce to a single coin.
    EXPECT_EQ(c.max_run_variables[0], 1);
    const auto t = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(t.probability(0, d), 0.9 * (1 - 0.5 * 0.6) * 0.8, 1e-15);
    EXPECT_NEAR(t.probability(0, other), 0.9 * (1 - 0.5 * 0.6 * 0.7) * 0.8, 1e-15);
    expect_matches_brute(g, {adv, na}, "series-parallel");
}

TEST(Exact, BridgeNetwork) {
    for (double p : {0.9, 0.5, 0.1}) {
        int s = 0, target = 0;
        const auto g = bridge(p, s, target).compile();
        const int d = 0;
        const auto t = dr::exact_exposure(g, {s});
        EXPECT_NEAR(t.probability(0, d), bridge_value(p), 1e-12) << p;
        if (p == 0.9) {
            EXPECT_NEAR(t.probability(0, d), 0.97848, 5e-6);
        }
        expect_matches_brute(g, {s}, "bridge");
    }
}

TEST(Exact, Grid5x5HardyLucetLimnios) {
    int s = 0, t = 0;
    const auto b = grid(5, 5, 0.9, s, t);
    const auto g = b.compile();
    const auto c = dr::exact_complexity(g, {s});
    EXPECT_EQ(c.variables[0], 40);
    const auto start = std::chrono::steady_clock::now();
    const auto table = dr::exact_exposure(g, {s});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ exact ] 5x5 grid corner to corner: %.10f in %.3f s\n", table.probability(0, 0), seconds);
    EXPECT_NEAR(table.probability(0, 0), 0.9755566, 5e-8);
    EXPECT_LT(seconds, 10.0);
}

TEST(Exact, LimitsAndCancel) {
    int s = 0, t = 0;
    const auto g = grid(5, 5, 0.9, s, t).compile();
    dr::ExactOptions small;  // factoring alone (the frontier method has no variable limit)
    small.max_frontier_width = 0;
    small.max_variables = 30;
    try {
        dr::exact_exposure(g, {s}, small);
        FAIL() << "expected ModelError";
    } catch (const dr::ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("40 random variables remain after pruning for adversary #0 (limit 30)"),
                  std::string::npos)
            << e.what();
    }
    dr::ExactOptions steps;
    steps.max_frontier_width = 0;
    steps.max_steps = 100;
    EXPECT_THROW(dr::exact_exposure(g, {s}, steps), dr::ModelError);
    std::atomic<bool> stop{true};
    dr::ExactOptions cancel;
    cancel.cancel = &stop;
    EXPECT_THROW(dr::exact_exposure(g, {s}, cancel), dr::ExactCancelled);
    dr::ExactOptions refuse;
    refuse.progress = [](std::uint64_t, std::uint64_t) { return false; };
    EXPECT_THROW(dr::exact_exposure(g, {s}, refuse), dr::ExactCancelled);
    EXPECT_THROW(dr::exact_exposure(g, {static_cast<dr::NodeIndex>(g.node_count())}), dr::ModelError);
    EXPECT_THROW(dr::exact_complexity(g, {-1}), dr::ModelError);
}

TEST(Exact, ComplexityCap) {
    int s = 0, t = 0;
    const auto g = grid(5, 5, 0.9, s, t).compile();
    const auto full = dr::exact_complexity(g, {s, t});
    EXPECT_EQ(full.variables, (std::vector<std::int64_t>{40, 0}));  // the store itself: nothing random
    EXPECT_EQ(full.capped, (std::vector<std::uint8_t>{0, 0}));
    EXPECT_GT(full.work, 1e12);
    const auto capped = dr::exact_complexity(g, {s, t}, 10);
    EXPECT_EQ(capped.capped, (std::vector<std::uint8_t>{1, 0}));
    EXPECT_GT(capped.variables[0], 10);
    EXPECT_LE(capped.variables[0], 40);
}

// A star of independent arcs to many stores: thousands of variables, each settled by one
// branch, so the recursion is deep but narrow.
TEST(Exact, WideStar) {
    const int stores = 1000;
    ModelBuilder b;
    const int adv = b.role();
    const int d = b.atomic_class();
    for (int i = 0; i < stores; ++i) {
        const int s = b.store();
        b.place(d, s, i == 0 ? 1.0 : 0.5);
        b.arc(adv, s, 0.5);
    }
    const auto g = b.compile();
    dr::ExactOptions factoring;
    factoring.max_frontier_width = 0;
    try {
        dr::exact_exposure(g, {adv}, factoring);  // default limit 128
        FAIL() << "expected ModelError";
    } catch (const dr::ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("random variables remain after pruning"), std::string::npos) << e.what();
    }
    dr::ExactOptions opt = factoring;
    opt.max_variables = 5000;
    const auto start = std::chrono::steady_clock::now();
    const auto t = dr::exact_exposure(g, {adv}, opt);
    // The frontier method (width 2) needs no limit and agrees.
    const auto by_frontier = dr::exact_exposure(g, {adv});
    EXPECT_NEAR(by_frontier.expected_share(0, d), 0.5 * 1.0 + 0.5 * 0.5, 1e-12);
    ASSERT_EQ(by_frontier.by_store.probability.size(), static_cast<std::size_t>(stores));
    for (double p : by_frontier.by_store.probability) EXPECT_NEAR(p, 0.5, 1e-12);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ exact ] star of %d stores: %.3f s\n", stores, seconds);
    EXPECT_NEAR(t.probability(0, d), 1.0, 1e-12);
    EXPECT_NEAR(t.expected_share(0, d), 0.5 * 1.0 + 0.5 * 0.5, 1e-12);
    ASSERT_EQ(t.by_store.probability.size(), static_cast<std::size_t>(stores));
    for (double p : t.by_store.probability) EXPECT_NEAR(p, 0.5, 1e-12);
}

TEST(Exact, SmallMemoRestartsAndStaysExact) {
    int s = 0, t = 0;
    const auto g = grid(4, 4, 0.7, s, t).compile();
    dr::ExactOptions small;
    small.max_frontier_width = 0;  // the factoring memo
    small.memo_bytes = 8 << 10;
    dr::ExactStats stats;
    small.stats = &stats;
    const auto a = dr::exact_exposure(g, {s}, small);
    const auto b = dr::exact_exposure(g, {s});
    EXPECT_GT(stats.memo_restarts, 0u);
    EXPECT_NEAR(a.probability(0, 0), b.probability(0, 0), 1e-14);
    EXPECT_NEAR(a.by_store.probability[0], b.by_store.probability[0], 1e-14);
}

TEST(Exact, WithoutPlaces) {
    int s = 0, t = 0;
    const auto g = grid(4, 4, 0.7, s, t).compile();
    dr::ExactOptions opt;
    opt.places = false;
    const auto a = dr::exact_exposure(g, {s}, opt);
    const auto b = dr::exact_exposure(g, {s});
    EXPECT_TRUE(a.by_store.probability.empty());
    EXPECT_TRUE(a.by_region.probability.empty());
    EXPECT_NEAR(a.probability(0, 0), b.probability(0, 0), 1e-14);
    EXPECT_NEAR(a.expected_share(0, 0), b.expected_share(0, 0), 1e-14);
}

// Random small models with events, filters, flows with shares, composites, rules and
// windows, checked against brute force.
TEST(Exact, RandomModelsMatchBruteForce) {
    std::mt19937_64 rng(20240611);
    auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    auto prob = [&]() {
        const int k = pick(10);
        if (k == 0) return 0.0;
        if (k == 1) return 1.0;
        return std::round(uniform(0.05, 0.95) * 100) / 100;
    };
    int checked = 0;
    for (int model = 0; model < 400; ++model) {
        ModelBuilder b;
        for (const char* path : {"A", "A/x", "B"}) b.region(path);  // region rows 0, 1, 2
        const char* regions[] = {"", "A", "A/x", "B"};              // "": no region
        const int nodes = 2 + pick(6);
        std::vector<int> stores;
        for (int v = 0; v < nodes; ++v) {
            if (v > 0 && pick(2) == 0)
                stores.push_back(b.store(regions[pick(4)]));
            else if (pick(8) == 0)
                b.jurisdiction(regions[1 + pick(3)], prob(), regions[pick(4)]);
            else
                b.role(regions[pick(4)]);
        }
        if (stores.empty()) stores.push_back(b.store(regions[pick(4)]));
        const int n = static_cast<int>(b.data.node_count());
        const int atoms = 1 + pick(3);
        for (int c = 0; c < atoms; ++c) {
            const double sensitivity = pick(5), records = 1 + pick(100);  // drawn in this order
            b.atomic_class(sensitivity, records);
        }
        if (atoms >= 2 && pick(2) == 0) b.composite_class({0, 1}, 2, 10);
        if (atoms >= 3 && pick(3) == 0) b.composite_class({0, 1, 2}, 2, 10);
        const int events = pick(4);
        for (int e = 0; e < events; ++e) b.event(prob());
        for (int i = 0, k = 1 + pick(4); i < k; ++i)
            b.place(pick(atoms), stores[pick(static_cast<int>(stores.size()))],
                    pick(3) == 0 ? 1.0 : std::round(uniform(0.1, 1.0) * 10) / 10,
                    pick(5) == 0 ? dr::Window{0, 10} : dr::Window{});
        for (int i = 0, k = pick(3); i < k && stores.size() > 1; ++i) {
            std::vector<int> cls;
            if (pick(2) == 0) cls.push_back(pick(atoms));
            b.flow(stores[pick(static_cast<int>(stores.size()))], stores[pick(static_cast<int>(stores.size()))],
                   std::round(uniform(0.1, 1.0) * 10) / 10, cls, pick(5) == 0 ? dr::Window{5, 20} : dr::Window{});
        }
        const int arcs = 1 + pick(9);
        for (int i = 0; i < arcs; ++i) {
            std::vector<int> req, cls;
            for (int e = 0; e < events; ++e)
                if (pick(3) == 0) req.push_back(e);
            if (pick(3) == 0) {
                cls.push_back(pick(static_cast<int>(b.data.class_count())));  // may name a composite
                if (pick(3) == 0) cls.push_back(pick(atoms));
            }
            b.arc(pick(n), pick(n), prob(), cls, req, pick(6) == 0 ? dr::Window{3, 8} : dr::Window{});
        }
        for (std::optional<dr::Day> at : {std::optional<dr::Day>{}, std::optional<dr::Day>{4}}) {
            const auto g = b.compile(at);
            std::vector<dr::NodeIndex> adversaries{0};
            if (n > 2) adversaries.push_back(static_cast<dr::NodeIndex>(1 + pick(n - 1)));
            expect_matches_brute(g, adversaries, "random model " + std::to_string(model));
            ++checked;
            if (HasFailure()) return;
        }
    }
    EXPECT_EQ(checked, 800);
}

// Denser random graphs (cycles, undirected links, several stores per class) where the
// memo is exercised; 13 random variables so that brute force stays quick.
TEST(Exact, DenseRandomModelsMatchBruteForce) {
    std::mt19937_64 rng(7);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    std::uint64_t hits = 0;
    int checked = 0;
    for (int model = 0; model < 150; ++model) {
        ModelBuilder b;
        b.region("A/x");  // region rows 0 ("A") and 1 ("A/x")
        const int n = 5 + pick(4);
        std::vector<int> stores;
        for (int v = 0; v < n; ++v) {
            if (v > 0 && pick(3) == 0)
                stores.push_back(b.store(pick(2) ? "A/x" : "A"));
            else
                b.role();
        }
        if (stores.empty()) stores.push_back(b.store("A/x"));
        const int atoms = 1 + pick(3);
        for (int c = 0; c < atoms; ++c) b.atomic_class();
        if (atoms >= 2) b.composite_class({0, atoms - 1});
        for (int c = 0; c < atoms; ++c)
            for (int s : stores)
                if (pick(2) == 0) b.place(c, s, 0.1 * (1 + pick(10)));
        int vars = 0;
        while (vars < 13) {
            const int kind = pick(3), u = pick(n), v = pick(n);
            std::vector<int> cls;
            if (pick(4) == 0) cls.push_back(pick(atoms));
            if (kind == 0) {
                b.link(u, v, 0.1 * (1 + pick(9)));
            } else if (kind == 1 && b.data.event_count() > 0) {
                b.arc(u, v, pick(2) ? 1.0 : 0.5, cls, {pick(static_cast<int>(b.data.event_count()))});
                if (b.data.arc_p.back() == 1.0) continue;
            } else {
                b.arc(u, v, 0.1 * (1 + pick(9)), cls);
            }
            ++vars;
        }
        const auto g = b.compile();
        dr::ExactOptions opt;
        opt.max_frontier_width = 0;
        dr::ExactStats stats;
        opt.stats = &stats;
        dr::exact_exposure(g, {0}, opt);
        hits += stats.memo_hits;
        expect_matches_brute(g, {0, 1}, "dense model " + std::to_string(model));
        ++checked;
        if (HasFailure()) return;
    }
    EXPECT_EQ(checked, 150);
    EXPECT_GT(hits, 0u);
}

TEST(Exact, GridScaling) {
    // Not a check of values beyond the brute-force-free reference: prints how far factoring
    // with memoisation goes on square grids of shared-event links, corner to corner.
    for (int k : {3, 4, 5, 6, 7}) {
        int s = 0, t = 0;
        const auto g = grid(k, k, 0.9, s, t).compile();
        const auto start = std::chrono::steady_clock::now();
        dr::ExactOptions opt;
        opt.max_frontier_width = 0;  // factoring (test_frontier.cpp has the frontier method's)
        opt.max_variables = 1000;
        dr::ExactStats stats;
        opt.stats = &stats;
        const auto table = dr::exact_exposure(g, {s}, opt);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[ exact ] %dx%d grid (%d links): %.10f in %.3f s, %llu steps, %llu memo entries, %llu hits\n", k,
                    k, 2 * k * (k - 1), table.probability(0, 0), seconds, static_cast<unsigned long long>(stats.steps),
                    static_cast<unsigned long long>(stats.memo_entries),
                    static_cast<unsigned long long>(stats.memo_hits));
        std::fflush(stdout);
    }
}

// Tiny probabilities stay tiny through the series-parallel reduction: parallel arcs whose p
// are below 2^-54 (each 1 - p rounds to 1) and series arcs whose product underflows must not
// merge into an arc of p = 0, which pruning would read as certain.
TEST(Exact, TinyProbabilitiesAreNotRoundedIntoCertainty) {
    ModelBuilder parallel;
    const auto a = parallel.role(), s = parallel.store();
    const auto d = parallel.atomic_class();
    parallel.place(d, s);
    parallel.arc(a, s, 1e-200);
    parallel.arc(a, s, 1e-200);
    parallel.arc(a, s, std::ldexp(1.0, -55));
    const auto p = exact_exposure(parallel.compile(), {a}).probability(0, d);
    EXPECT_NEAR(p, std::ldexp(1.0, -55), 1e-30);
    EXPECT_GT(p, 0.0);

    ModelBuilder series;
    const auto x = series.role(), m = series.role(), t = series.store();
    const auto c = series.atomic_class();
    series.place(c, t);
    series.arc(x, m, 1e-200);
    series.arc(m, t, 1e-200);
    EXPECT_LT(exact_exposure(series.compile(), {x}).probability(0, c), 1e-300);
}
