// Brute-force enumeration of every world of a small compiled model, written straight from
// docs/design.md §2: the reference the exact and Monte Carlo engines are checked against.
//
// Every assignment of the random events and arc coins (those with 0 < p < 1; p = 0 is
// always down and p = 1 always up) is one world, weighted by the product of its p and
// 1 - p. An arc is live iff its coin and every event it requires are up. For each
// adversary and atomic class d, Reach_d is the set of nodes reachable from the adversary
// (itself included) over live arcs whose filter admits d; X_d = max share_d(s) over the
// stores s in Reach_d (0 if none); a composite class has X_c = min X_d over its atomic
// components in the same world. Per store: P(s in Reach_d and share_d(s) > 0); per region:
// P(some such store lies in the region or below it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::testing {

struct BruteForce {
    // [adversary][class]: P(X_c > 0) and E[X_c], composite classes included.
    std::vector<std::vector<double>> probability, expected_share;
    // [adversary]: (atomic class, store) -> probability, one entry for every store holding
    // the class (share > 0), reached or not.
    std::vector<std::map<std::pair<ClassIndex, NodeIndex>, double>> store;
    // [adversary]: (atomic class, region) -> probability, one entry for every region that
    // holds (directly or below it) a store holding the class.
    std::vector<std::map<std::pair<ClassIndex, std::int32_t>, double>> region;
};

// Worlds with more random variables than this are refused (a test failure, zero tables).
inline constexpr int kBruteForceMaxVariables = 22;

inline BruteForce brute_force(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries) {
    const int E = static_cast<int>(g.event_count()), M = static_cast<int>(g.arc_count());
    const int N = static_cast<int>(g.node_count()), C = static_cast<int>(g.class_count());
    const std::size_t A = adversaries.size();

    // The random variables: events, then arc coins, with 0 < p < 1.
    std::vector<int> open_events, open_arcs;
    for (int e = 0; e < E; ++e)
        if (g.event_p(e) > 0 && g.event_p(e) < 1) open_events.push_back(e);
    for (int a = 0; a < M; ++a)
        if (g.arc_p(a) > 0 && g.arc_p(a) < 1) open_arcs.push_back(a);
    const int V = static_cast<int>(open_events.size() + open_arcs.size());

    std::vector<std::vector<long double>> P(A, std::vector<long double>(C, 0)), X(A, std::vector<long double>(C, 0));
    std::vector<std::map<std::pair<ClassIndex, NodeIndex>, long double>> S(A);
    std::vector<std::map<std::pair<ClassIndex, std::int32_t>, long double>> R(A);
    // Every store holding a class, and every region above it, has a row, probability 0 included.
    for (std::size_t i = 0; i < A; ++i)
        for (ClassIndex d = 0; d < C; ++d)
            for (auto it = g.presence_stores().begin(d); it != g.presence_stores().end(d); ++it) {
                S[i][{d, *it}] += 0;
                for (int r = g.node_region(*it); r != -1; r = g.region_parent()[r]) R[i][{d, r}] += 0;
            }

    const bool enumerate = V <= kBruteForceMaxVariables;
    if (!enumerate)
        ADD_FAILURE() << "brute force too large: " << V << " random variables (limit " << kBruteForceMaxVariables
                      << ")";
    std::vector<char> event_up(E), coin(M), arc_live(M), reached(N);
    std::vector<double> x(C);
    std::vector<NodeIndex> stack;
    std::set<std::int32_t> regions_hit;
    const std::uint64_t worlds = enumerate ? std::uint64_t{1} << V : 0;
    for (std::uint64_t w = 0; w < worlds; ++w) {
        // docs/design.md §2.2: the world and its weight.
        long double weight = 1;
        for (int e = 0; e < E; ++e) event_up[e] = g.event_p(e) == 1.0;
        for (int a = 0; a < M; ++a) coin[a] = g.arc_p(a) == 1.0;
        int bit = 0;
        for (int e : open_events) {
            const bool up = (w >> bit++) & 1;
            event_up[e] = up;
            weight *= up ? g.event_p(e) : 1 - g.event_p(e);
        }
        for (int a : open_arcs) {
            const bool up = (w >> bit++) & 1;
            coin[a] = up;
            weight *= up ? g.arc_p(a) : 1 - g.arc_p(a);
        }
        for (int a = 0; a < M; ++a) {
            bool live = coin[a];
            for (auto it = g.arc_requires().begin(a); it != g.arc_requires().end(a); ++it) live = live && event_up[*it];
            arc_live[a] = live;
        }
        for (std::size_t i = 0; i < A; ++i) {
            std::fill(x.begin(), x.end(), 0.0);
            for (ClassIndex d = 0; d < C; ++d) {
                if (g.is_composite(d)) continue;
                // docs/design.md §2.3: reach over live arcs that admit d.
                std::fill(reached.begin(), reached.end(), 0);
                stack.assign(1, adversaries[i]);
                reached[adversaries[i]] = 1;
                while (!stack.empty()) {
                    const NodeIndex v = stack.back();
                    stack.pop_back();
                    for (ArcIndex a = g.out_begin(v); a < g.out_end(v); ++a)
                        if (arc_live[a] && g.admits(a, d) && !reached[g.arc_target(a)]) {
                            reached[g.arc_target(a)] = 1;
                            stack.push_back(g.arc_target(a));
                        }
                }
                // docs/design.md §2.4 and §2.5: the exposed share and the stores and regions reached.
                regions_hit.clear();
                for (auto it = g.presence_stores().begin(d); it != g.presence_stores().end(d); ++it) {
                    if (!reached[*it]) continue;
                    x[d] = std::max(x[d], g.presence_share(d, *it));
                    S[i][{d, *it}] += weight;
                    for (int r = g.node_region(*it); r != -1; r = g.region_parent()[r]) regions_hit.insert(r);
                }
                for (int r : regions_hit) R[i][{d, r}] += weight;
            }
            for (ClassIndex c = 0; c < C; ++c) {
                double v = x[c];
                if (g.is_composite(c)) {  // the mosaic: every part in the same world
                    v = g.class_atoms().size(c) ? std::numeric_limits<double>::infinity() : 0.0;
                    for (auto it = g.class_atoms().begin(c); it != g.class_atoms().end(c); ++it)
                        v = std::min(v, x[*it]);
                }
                if (v > 0) P[i][c] += weight;
                X[i][c] += weight * v;
            }
        }
    }

    BruteForce out;
    out.probability.assign(A, std::vector<double>(C, 0.0));
    out.expected_share.assign(A, std::vector<double>(C, 0.0));
    out.store.resize(A);
    out.region.resize(A);
    for (std::size_t i = 0; i < A; ++i) {
        for (ClassIndex c = 0; c < C; ++c) {
            out.probability[i][c] = static_cast<double>(P[i][c]);
            out.expected_share[i][c] = static_cast<double>(X[i][c]);
        }
        for (const auto& [k, v] : S[i]) out.store[i][k] = static_cast<double>(v);
        for (const auto& [k, v] : R[i]) out.region[i][k] = static_cast<double>(v);
    }
    return out;
}

}  // namespace datareach::testing
