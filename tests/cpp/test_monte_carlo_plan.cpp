// The plan of a Monte Carlo run (cpp/src/monte_carlo/plan.hpp): the same bytes whatever the
// number of threads that build it, and swept nodes exactly those some adversary reaches and
// from which a store holding data is reached, in a topological order of their components.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/monte_carlo.hpp"
#include "monte_carlo/plan.hpp"
#include "test_models.hpp"

using namespace datareach;
using datareach::testing::ModelBuilder;
using datareach::testing::random_sweep_model;
using datareach::testing::reached_over_possible_arcs;
namespace detail = datareach::monte_carlo::detail;

namespace {

MonteCarloOptions threads(unsigned n) {
    MonteCarloOptions o;
    o.seed = 11;
    o.threads = n;
    return o;
}

void expect_same_plan(const detail::Plan& a, const detail::Plan& b) {
    EXPECT_EQ(a.swept, b.swept);
    EXPECT_EQ(a.swept_nodes, b.swept_nodes);
    EXPECT_EQ(a.adversary_rows, b.adversary_rows);
    EXPECT_EQ(a.entry_node, b.entry_node);
    EXPECT_EQ(a.in_start, b.in_start);
    EXPECT_EQ(a.arc_hot, b.arc_hot);
    EXPECT_EQ(a.arc_original, b.arc_original);
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.arc_stream, b.arc_stream);
    EXPECT_EQ(a.arc_mantissa, b.arc_mantissa);
    EXPECT_EQ(a.arc_zero_bits, b.arc_zero_bits);
    EXPECT_EQ(a.arc_events_begin, b.arc_events_begin);
    EXPECT_EQ(a.arc_events, b.arc_events);
    EXPECT_EQ(a.draws.coin_arcs, b.draws.coin_arcs);
    EXPECT_EQ(a.draws.event_arcs, b.draws.event_arcs);
    EXPECT_EQ(a.draws.event_coin_arcs, b.draws.event_coin_arcs);
    EXPECT_EQ(a.drawn_events, b.drawn_events);
    EXPECT_EQ(a.group_admits, b.group_admits);
    EXPECT_EQ(a.admit_words, b.admit_words);
    EXPECT_EQ(a.class_known, b.class_known);
    EXPECT_EQ(a.class_top, b.class_top);
    EXPECT_EQ(a.place_known, b.place_known);
    EXPECT_EQ(a.stride, b.stride);
}

// Model node id -> internal id (kNotSwept for a node never swept), from the plan's swept
// nodes; every swept node once.
std::vector<NodeIndex> ranks_of(const detail::Plan& plan, std::size_t nodes) {
    std::vector<NodeIndex> rank(nodes, detail::kNotSwept);
    EXPECT_EQ(plan.swept_nodes.size(), plan.swept);
    for (std::size_t i = 0; i < plan.swept_nodes.size(); ++i) {
        EXPECT_EQ(rank[plan.swept_nodes[i]], detail::kNotSwept) << "node " << plan.swept_nodes[i] << " swept twice";
        rank[plan.swept_nodes[i]] = static_cast<NodeIndex>(i);
    }
    return rank;
}

}  // namespace

TEST(MonteCarloPlan, SameForEveryThreadCount) {
    std::mt19937_64 rng(5);
    // Large enough that the per-node and per-arc loops are split (more than 2^14 swept nodes,
    // 2^16 plan arcs), with several adversaries for the deterministic reach.
    const ModelData data = random_sweep_model(rng, 60000, 300000, 4000);
    const auto g = CompiledGraph::compile(data);
    const std::vector<NodeIndex> adversaries = {0, 1, 2, 5, 9};
    const detail::Plan one = detail::build_plan(g, adversaries, threads(1));
    ASSERT_GT(one.swept, std::size_t{1} << 15);
    ASSERT_GT(one.arc_count(), std::size_t{1} << 17);
    for (unsigned n : {2u, 3u, 8u}) {
        SCOPED_TRACE(n);
        expect_same_plan(one, detail::build_plan(g, adversaries, threads(n)));
    }
}

// A plan numbers its nodes in an array the graph lends and takes back reset (NodeNumbers):
// plans built one after another, or at once from several threads, on one graph are those
// of a graph compiled afresh for each.
TEST(MonteCarloPlan, RepeatedAndConcurrentBuildsOnOneGraphAgree) {
    std::mt19937_64 rng(31);
    const ModelData data = random_sweep_model(rng, 4000, 16000, 60);
    const auto shared = CompiledGraph::compile(data);
    std::vector<std::vector<NodeIndex>> sets;
    for (int k = 0; k < 8; ++k) sets.push_back({static_cast<NodeIndex>(rng() % 4000), static_cast<NodeIndex>(k)});
    std::vector<detail::Plan> fresh;
    for (const auto& adversaries : sets) {
        const auto own = CompiledGraph::compile(data);
        fresh.push_back(detail::build_plan(own, adversaries, threads(1)));
    }
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t k = 0; k < sets.size(); ++k) {
            SCOPED_TRACE(k);
            expect_same_plan(fresh[k], detail::build_plan(shared, sets[k], threads(1 + k % 2)));
        }
    std::vector<detail::Plan> built(sets.size());
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < 4; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t k = t; k < sets.size(); k += 4) built[k] = detail::build_plan(shared, sets[k], threads(1));
        });
    for (auto& thread : pool) thread.join();
    for (std::size_t k = 0; k < sets.size(); ++k) {
        SCOPED_TRACE(k);
        expect_same_plan(fresh[k], built[k]);
    }
}

TEST(MonteCarloPlan, SweptNodesAreThoseBetweenAnAdversaryAndData) {
    std::mt19937_64 rng(17);
    for (int trial = 0; trial < 60; ++trial) {
        SCOPED_TRACE(trial);
        const int nodes = 7 + static_cast<int>(rng() % 60);  // one store at least
        const ModelData data = random_sweep_model(rng, nodes, static_cast<int>(rng() % (3 * nodes)), 1 + trial % 4);
        const auto g = CompiledGraph::compile(data);
        std::vector<NodeIndex> adversaries = {static_cast<NodeIndex>(rng() % nodes)};
        if (trial % 2) adversaries.push_back(static_cast<NodeIndex>(rng() % nodes));
        const auto& presence = g.presence_stores();
        const auto from = reached_over_possible_arcs(g, adversaries, true);
        const auto to = reached_over_possible_arcs(g, {presence.values.begin(), presence.values.end()}, false);
        const detail::Plan plan = detail::build_plan(g, adversaries, threads(1 + trial % 3));
        const std::vector<NodeIndex> rank = ranks_of(plan, g.node_count());
        std::size_t swept = 0;
        for (std::size_t v = 0; v < g.node_count(); ++v) {
            const bool expected = from[v] && to[v];
            swept += expected;
            EXPECT_EQ(static_cast<std::size_t>(rank[v]) < plan.swept, expected) << "node " << v;
        }
        EXPECT_EQ(plan.swept, swept);
        // Every plan arc is a possible arc between swept nodes, into the node whose range holds
        // it, from an earlier node unless both lie in one cyclic component; and every such arc
        // (other than a loop) is a plan arc.
        std::size_t expected_arcs = 0;
        for (std::size_t a = 0; a < g.arc_count(); ++a) {
            const auto arc = static_cast<ArcIndex>(a);
            const auto s = g.arc_source(arc), t = g.arc_target(arc);
            expected_arcs += g.arc_possible(arc) && s != t && from[s] && to[s] && from[t] && to[t];
        }
        ASSERT_EQ(plan.arc_count(), expected_arcs);
        for (std::size_t i = 0; i < plan.swept; ++i)
            for (auto k = plan.in_start[i]; k < plan.in_start[i + 1]; ++k) {
                const auto arc = static_cast<ArcIndex>(plan.arc_original[k]);
                EXPECT_TRUE(g.arc_possible(arc));
                EXPECT_EQ(static_cast<std::size_t>(rank[g.arc_target(arc)]), i);
                const std::uint32_t source = plan.arc_hot[k] & detail::kNodeMask;
                EXPECT_EQ(source, static_cast<std::uint32_t>(rank[g.arc_source(arc)]));
                if (k > plan.in_start[i]) {
                    EXPECT_LE(plan.arc_hot[k - 1] & detail::kNodeMask, source);
                }
                if (source >= i) {
                    bool same_cycle = false;
                    for (const auto& [first, last] : plan.cycles)
                        same_cycle = same_cycle || (first <= source && source < last && first <= i && i < last);
                    EXPECT_TRUE(same_cycle) << "arc " << arc << " runs backward outside a cycle";
                }
            }
    }
}

// The plan arcs of every swept node are exactly its possible in-arcs from other swept nodes,
// sorted by (source's internal id, compiled arc), each with its source, flags, coin and
// stream as the compiled arc gives them; the draw lists name the random ones in order.
TEST(MonteCarloPlan, InArcsAreTheSortedPossibleInArcsWithTheirCoins) {
    std::mt19937_64 rng(23);
    for (int trial = 0; trial < 8; ++trial) {
        SCOPED_TRACE(trial);
        // Parallel arcs (few nodes, many arcs) and, in the later trials, enough sources to cut
        // into parts.
        const int nodes = trial < 4 ? 30 : 40000;
        const ModelData data = random_sweep_model(rng, nodes, nodes * (trial < 4 ? 8 : 5), 6 + nodes / 50);
        const auto g = CompiledGraph::compile(data);
        const detail::Plan plan = detail::build_plan(g, {0, 1, 2}, threads(1 + trial % 3));
        const std::vector<NodeIndex> rank = ranks_of(plan, g.node_count());
        const MonteCarloOptions o = threads(1);
        std::vector<std::uint32_t> coin, event, event_coin;
        std::vector<NodeIndex> node_of(plan.swept, -1);
        for (std::size_t v = 0; v < g.node_count(); ++v) {
            const auto r = static_cast<std::size_t>(rank[v]);
            if (r < plan.swept) {
                EXPECT_EQ(node_of[r], -1) << "two nodes ranked " << r;
                node_of[r] = static_cast<NodeIndex>(v);
            } else {
                EXPECT_EQ(rank[v], detail::kNotSwept) << "node " << v;
            }
        }
        for (std::size_t i = 0; i < plan.swept; ++i) {
            std::vector<std::pair<std::uint32_t, std::uint32_t>> expected;  // (source id, arc)
            const NodeIndex v = node_of[i];
            for (ArcIndex j = g.in_begin(v); j < g.in_end(v); ++j) {
                const ArcIndex arc = g.in_arc(j);
                const auto source = static_cast<std::size_t>(rank[g.arc_source(arc)]);
                if (source < plan.swept && source != i && g.arc_possible(arc))
                    expected.emplace_back(static_cast<std::uint32_t>(source), static_cast<std::uint32_t>(arc));
            }
            std::sort(expected.begin(), expected.end());
            ASSERT_EQ(plan.in_start[i + 1] - plan.in_start[i], expected.size()) << "node " << i;
            for (std::size_t e = 0; e < expected.size(); ++e) {
                const std::size_t k = plan.in_start[i] + e;
                const auto [source, arc] = expected[e];
                ASSERT_EQ(plan.arc_original[k], arc);
                EXPECT_EQ(plan.arc_hot[k] & detail::kNodeMask, source);
                const auto a = static_cast<ArcIndex>(arc);
                EXPECT_EQ((plan.arc_hot[k] & detail::kFiltered) != 0, g.arc_classes().size(arc) != 0);
                EXPECT_EQ(plan.arc_stream[k], monte_carlo::arc_stream_key(o.seed, g.arc_key(a)));
                const auto p = monte_carlo::BernoulliP::of(g.arc_p(a));
                EXPECT_EQ(plan.arc_zero_bits[k], p.one ? detail::kNoCoin : p.zero_bits);
                std::vector<std::int32_t> random_events;
                for (auto it = g.arc_requires().begin(arc); it != g.arc_requires().end(arc); ++it)
                    if (g.event_p(*it) < 1.0 &&
                        std::find(random_events.begin(), random_events.end(), *it) == random_events.end())
                        random_events.push_back(*it);
                EXPECT_EQ(std::vector<std::int32_t>(plan.arc_events.begin() + plan.arc_events_begin[k],
                                                    plan.arc_events.begin() + plan.arc_events_begin[k + 1]),
                          random_events);
                EXPECT_EQ((plan.arc_hot[k] & detail::kRandom) != 0, !p.one || !random_events.empty());
                const auto k32 = static_cast<std::uint32_t>(k);
                if (random_events.empty()) {
                    if (!p.one) coin.push_back(k32);
                } else {
                    event.push_back(k32);
                    if (!p.one) event_coin.push_back(k32);
                }
            }
        }
        EXPECT_EQ(plan.draws.coin_arcs, coin);
        EXPECT_EQ(plan.draws.event_arcs, event);
        EXPECT_EQ(plan.draws.event_coin_arcs, event_coin);
        // A block draws exactly the events some plan arc requires.
        std::vector<std::int32_t> required(plan.arc_events.begin(), plan.arc_events.end());
        std::sort(required.begin(), required.end());
        required.erase(std::unique(required.begin(), required.end()), required.end());
        EXPECT_EQ(plan.drawn_events, required);
    }
}

namespace {

// Whether arc a is live in some world / in every world, from its p and events (the definition,
// not the compiled graph's own flags).
bool live_in(const CompiledGraph& g, ArcIndex a, bool every_world) {
    bool live = every_world ? g.arc_p(a) == 1.0 : g.arc_p(a) > 0.0;
    for (auto it = g.arc_requires().begin(a); it != g.arc_requires().end(a); ++it)
        live = live && (every_world ? g.event_p(*it) == 1.0 : g.event_p(*it) > 0.0);
    return live;
}

// The nodes the adversary reaches with class d along arcs live in some (every) world.
std::vector<bool> reached_with(const CompiledGraph& g, NodeIndex adversary, ClassIndex d, bool every_world) {
    std::vector<bool> seen(g.node_count(), false);
    std::vector<NodeIndex> stack = {adversary};
    seen[adversary] = true;
    while (!stack.empty()) {
        const NodeIndex v = stack.back();
        stack.pop_back();
        for (ArcIndex a = g.out_begin(v); a < g.out_end(v); ++a) {
            const NodeIndex t = g.arc_target(a);
            if (seen[t] || !g.admits(a, d) || !live_in(g, a, every_world)) continue;
            seen[t] = true;
            stack.push_back(t);
        }
    }
    return seen;
}

}  // namespace

// What the plan settles before sampling (settle.cpp: one sweep of the two extreme worlds) is
// what a search per adversary, class and extreme world over the whole graph gives.
TEST(MonteCarloPlan, SettledValuesAreThoseOfBothExtremeWorlds) {
    std::mt19937_64 rng(29);
    std::size_t seen_known[3] = {0, 0, 0};  // places never, sometimes, always reached: all occur
    for (int trial = 0; trial < 80; ++trial) {
        SCOPED_TRACE(trial);
        const int nodes = 7 + static_cast<int>(rng() % 50);
        const ModelData data = random_sweep_model(rng, nodes, static_cast<int>(rng() % (3 * nodes)), 1 + trial % 5);
        const auto g = CompiledGraph::compile(data);
        std::vector<NodeIndex> adversaries;
        for (int k = 0; k <= trial % 3; ++k) adversaries.push_back(static_cast<NodeIndex>(rng() % nodes));
        const detail::Plan plan = detail::build_plan(g, adversaries, threads(1 + trial % 2));
        const auto& presence = g.presence_stores();
        const auto& shares = g.presence_shares();
        const std::size_t classes = g.class_count(), places = plan.entry_count + plan.slot_count;
        ASSERT_EQ(plan.entry_count, presence.values.size());
        for (std::size_t i = 0; i < adversaries.size(); ++i) {
            std::vector<double> top[2] = {std::vector<double>(classes, 0.0), std::vector<double>(classes, 0.0)};
            std::vector<std::uint8_t> place(places, detail::kNever);
            for (std::size_t d = 0; d < classes; ++d) {
                if (g.is_composite(static_cast<ClassIndex>(d))) continue;
                for (int every = 0; every < 2; ++every) {
                    const auto seen = reached_with(g, adversaries[i], static_cast<ClassIndex>(d), every);
                    for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e) {
                        if (!seen[presence.values[e]]) continue;
                        top[every][d] = std::max(top[every][d], shares[e]);
                        // The world where every possible arc is live comes first: only its
                        // pass writes 0, and an entry or slot reached in both ends kAlways.
                        const std::uint8_t known = every ? detail::kAlways : 0;
                        place[e] = known;
                        for (auto s = plan.entry_slots.begin(e); s != plan.entry_slots.end(e); ++s)
                            place[plan.entry_count + static_cast<std::size_t>(*s)] = known;
                    }
                }
            }
            for (std::size_t c = 0; c < classes; ++c) {
                const auto& atoms = g.class_atoms();
                bool never = atoms.size(c) == 0, always = true, fixed = true;
                double highest = 1e300;
                for (auto it = atoms.begin(c); it != atoms.end(c); ++it) {
                    never = never || top[0][*it] == 0.0;
                    always = always && top[1][*it] > 0.0;
                    fixed = fixed && top[0][*it] == top[1][*it];
                    highest = std::min(highest, top[0][*it]);
                }
                std::uint8_t known = never ? detail::kNever : always ? detail::kAlways : 0;
                if (never || fixed) known |= detail::kFixedShare;
                EXPECT_EQ(plan.class_known[i * classes + c], known) << "adversary " << i << " class " << c;
                EXPECT_EQ(plan.class_top[i * classes + c], never ? 0.0 : highest)
                    << "adversary " << i << " class " << c;
            }
            for (std::size_t k = 0; k < places; ++k) {
                EXPECT_EQ(plan.place_known[i * places + k], place[k]) << "adversary " << i << " place " << k;
                ++seen_known[place[k] == detail::kNever ? 0 : place[k] == 0 ? 1 : 2];
            }
        }
    }
    for (std::size_t count : seen_known) EXPECT_GT(count, 10u);
}
