// Pruning one exact run (see pruning.hpp): a forward search from the adversary and a
// reverse search from the stores of each filter group keep the arcs that can matter; the
// kept arcs are reduced, renumbered locally and given their variables in branching order.
#include "pruning.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

#include "series_parallel.hpp"

namespace datareach::exact {

PruningScratch::PruningScratch(const CompiledGraph& graph)
    : forward(graph.node_count()),
      backward(graph.node_count()),
      node_local(graph.node_count(), -1),
      event_local(graph.event_count(), -1) {
    live.resize(graph.arc_count());
    for (std::size_t a = 0; a < graph.arc_count(); ++a) live[a] = graph.arc_live_probability(static_cast<ArcIndex>(a));
}

std::uint32_t PruningScratch::next_count_stamp() {
    if (arc_counted.empty()) {
        arc_counted.assign(live.size(), 0);
        event_counted.assign(event_local.size(), 0);
    }
    if (++count_stamp == 0) {
        std::fill(arc_counted.begin(), arc_counted.end(), 0);
        std::fill(event_counted.begin(), event_counted.end(), 0);
        count_stamp = 1;
    }
    return count_stamp;
}

PrunedRun prune_run(const CompiledGraph& graph, const RunPlan& plan, PruningScratch& scratch, NodeIndex adversary,
                    int run_index, std::int64_t stop_above) {
    const auto& groups = plan.groups[run_index];
    const auto& stores = graph.presence_stores();
    std::vector<std::pair<ArcIndex, int>> relevant;  // (compiled arc, local group)
    const std::uint32_t count_stamp = scratch.next_count_stamp();
    std::int64_t counted = 0;
    auto count_arc = [&](ArcIndex a) {
        if (scratch.arc_counted[a] == count_stamp) return;
        scratch.arc_counted[a] = count_stamp;
        if (is_random(graph.arc_p(a))) ++counted;
        for (std::int32_t e : graph.arc_requires().row(a))
            if (is_random(graph.event_p(e)) && scratch.event_counted[e] != count_stamp) {
                scratch.event_counted[e] = count_stamp;
                ++counted;
            }
    };

    for (int group = 0; group < static_cast<int>(groups.size()); ++group) {
        const ClassIndex representative = graph.group_representative(groups[group]);
        auto usable = [&](ArcIndex a) { return scratch.live[a] > 0.0 && graph.admits(a, representative); };
        // Forward: possibly reachable from the adversary.
        NodeSearch& forward = scratch.forward;
        forward.restart();
        forward.seed(adversary);
        forward.run(graph, Direction::forward, ArcsAsked::to_unreached,
                    [&](NodeIndex, ArcIndex a, NodeIndex) { return usable(a) ? Step::take : Step::skip; });
        // Backward from the stores of the group's classes, within the forward set; arcs into
        // the adversary never matter (it is reached already).
        NodeSearch& backward = scratch.backward;
        backward.restart();
        for (ClassIndex d : graph.filter_groups().row(groups[group]))
            for (NodeIndex store : stores.row(d))
                if (forward.reached(store)) backward.seed(store);
        const bool complete =
            backward.run(graph, Direction::reverse, ArcsAsked::all, [&](NodeIndex v, ArcIndex a, NodeIndex u) {
                if (v == adversary || !forward.reached(u) || !usable(a)) return Step::skip;
                relevant.emplace_back(a, group);
                if (stop_above >= 0) {
                    count_arc(a);
                    if (counted > stop_above) return Step::stop;
                }
                return Step::take;
            });
        if (!complete) {
            PrunedRun stub;
            stub.truncated = true;
            stub.counted = counted;
            return stub;
        }
    }

    PrunedRun run;
    run.groups = static_cast<int>(groups.size());
    const int group_count = run.groups;
    run.node_global.push_back(adversary);
    scratch.node_local[adversary] = 0;
    auto& arc_global = run.arc_global;

    // The relevant arcs as working arcs, to be reduced before factoring.
    std::vector<WorkArc> work;
    std::vector<std::uint8_t> admits;  // work arcs x groups
    std::sort(relevant.begin(), relevant.end());
    for (const auto& [a, group] : relevant) {
        if (arc_global.empty() || arc_global.back() != a) {
            arc_global.push_back(a);
            for (NodeIndex v : {graph.arc_source(a), graph.arc_target(a)})
                if (scratch.node_local[v] < 0) {
                    scratch.node_local[v] = static_cast<int>(run.node_global.size());
                    run.node_global.push_back(v);
                }
            bool pure = true;
            for (auto it = graph.arc_requires().begin(a); it != graph.arc_requires().end(a); ++it)
                pure = pure && !is_random(graph.event_p(*it));
            const int from = scratch.node_local[graph.arc_source(a)], to = scratch.node_local[graph.arc_target(a)];
            work.push_back({from, to, graph.arc_p(a), a, pure, from != to});  // a loop never matters
            admits.resize(admits.size() + static_cast<std::size_t>(group_count), 0);
        }
        admits[(work.size() - 1) * static_cast<std::size_t>(group_count) + static_cast<std::size_t>(group)] = 1;
    }
    const int n = static_cast<int>(run.node_global.size());
    // Nodes that hold a class of the run: their own reach matters, so no series reduction.
    std::vector<std::uint8_t> holds(n, 0);
    for (ClassIndex d : plan.classes[run_index])
        for (auto it = stores.begin(d); it != stores.end(d); ++it)
            if (scratch.node_local[*it] >= 0) holds[scratch.node_local[*it]] = 1;
    reduce_series_parallel(work, admits, group_count, holds);

    // Compact the surviving arcs.
    std::vector<int> work_of;
    for (int w = 0; w < static_cast<int>(work.size()); ++w)
        if (work[w].alive) work_of.push_back(w);
    const int m = static_cast<int>(work_of.size());
    run.admits.assign(static_cast<std::size_t>(group_count) * m, 0);
    for (int a = 0; a < m; ++a) {
        const auto& w = work[work_of[a]];
        run.source.push_back(w.source);
        run.target.push_back(w.target);
        for (int group = 0; group < group_count; ++group)
            run.admits[static_cast<std::size_t>(group) * m + a] =
                admits[static_cast<std::size_t>(work_of[a]) * group_count + group];
    }

    // CSR both ways.
    run.out_offsets.assign(n + 1, 0);
    run.in_offsets.assign(n + 1, 0);
    for (int a = 0; a < m; ++a) {
        ++run.out_offsets[run.source[a] + 1];
        ++run.in_offsets[run.target[a] + 1];
    }
    std::partial_sum(run.out_offsets.begin(), run.out_offsets.end(), run.out_offsets.begin());
    std::partial_sum(run.in_offsets.begin(), run.in_offsets.end(), run.in_offsets.begin());
    run.out_arcs.resize(m);
    run.in_arcs.resize(m);
    {
        auto oc = run.out_offsets, ic = run.in_offsets;
        for (int a = 0; a < m; ++a) {
            run.out_arcs[oc[run.source[a]]++] = a;
            run.in_arcs[ic[run.target[a]]++] = a;
        }
    }

    // Variables in the order they are branched on: per arc its events, then its coin.
    std::vector<std::vector<int>> vars_of_arc(m);
    auto add_var = [&](double p, std::int64_t global) {
        run.var_p.push_back(p);
        run.var_global.push_back(global);
        return static_cast<int>(run.var_p.size()) - 1;
    };
    std::vector<std::uint8_t> seen(n, 0), arc_done(m, 0);
    std::vector<int> bfs{0};
    seen[0] = 1;
    std::int64_t made = 0;  // arcs made by reductions get their own (negative) identities
    auto visit_arc = [&](int a) {
        if (arc_done[a]) return;
        arc_done[a] = 1;
        const auto& w = work[work_of[a]];
        if (!w.pure) {
            const auto& req = graph.arc_requires();
            for (auto it = req.begin(w.origin); it != req.end(w.origin); ++it) {
                const int e = *it;
                if (!is_random(graph.event_p(e))) continue;
                if (scratch.event_local[e] < 0) scratch.event_local[e] = add_var(graph.event_p(e), e);
                vars_of_arc[a].push_back(scratch.event_local[e]);
            }
        }
        if (is_random(w.p))
            vars_of_arc[a].push_back(
                add_var(w.p, w.origin >= 0 ? static_cast<std::int64_t>(graph.event_count()) + w.origin : -1 - made++));
    };
    // Nodes ranked breadth-first from the adversary; an arc is decided when the later of its
    // two ends comes up, so that both arcs between two nodes are decided together and a node
    // leaves the frontier of the recursion as soon as possible.
    std::vector<int> rank(n, n);
    rank[0] = 0;
    for (std::size_t head = 0; head < bfs.size(); ++head) {
        const int v = bfs[head];
        for (int i = run.out_offsets[v]; i < run.out_offsets[v + 1]; ++i) {
            const int t = run.target[run.out_arcs[i]];
            if (!seen[t]) {
                seen[t] = 1;
                rank[t] = static_cast<int>(bfs.size());
                bfs.push_back(t);
            }
        }
    }
    std::vector<int> arc_order(m);
    std::iota(arc_order.begin(), arc_order.end(), 0);
    std::sort(arc_order.begin(), arc_order.end(), [&](int a, int b) {
        const int ha = std::max(rank[run.source[a]], rank[run.target[a]]),
                  hb = std::max(rank[run.source[b]], rank[run.target[b]]);
        if (ha != hb) return ha < hb;
        const int la = std::min(rank[run.source[a]], rank[run.target[a]]),
                  lb = std::min(rank[run.source[b]], rank[run.target[b]]);
        return la != lb ? la < lb : a < b;
    });
    for (int a : arc_order) visit_arc(a);
    run.arc_var_offsets.assign(m + 1, 0);
    for (int a = 0; a < m; ++a) {
        auto& vs = vars_of_arc[a];
        std::sort(vs.begin(), vs.end());
        vs.erase(std::unique(vs.begin(), vs.end()), vs.end());  // an event listed twice
        run.arc_var_offsets[a + 1] = run.arc_var_offsets[a] + static_cast<int>(vs.size());
        run.arc_vars.insert(run.arc_vars.end(), vs.begin(), vs.end());
    }
    const int nv = static_cast<int>(run.var_p.size());
    run.var_arc_offsets.assign(nv + 1, 0);
    for (int x : run.arc_vars) ++run.var_arc_offsets[x + 1];
    std::partial_sum(run.var_arc_offsets.begin(), run.var_arc_offsets.end(), run.var_arc_offsets.begin());
    run.var_arcs.resize(run.arc_vars.size());
    {
        auto vc = run.var_arc_offsets;
        for (int a = 0; a < m; ++a)
            for (int i = run.arc_var_offsets[a]; i < run.arc_var_offsets[a + 1]; ++i)
                run.var_arcs[vc[run.arc_vars[i]]++] = a;
    }

    // Reset the global scratch.
    for (NodeIndex v : run.node_global) scratch.node_local[v] = -1;
    for (std::int64_t x : run.var_global)
        if (x >= 0 && x < static_cast<std::int64_t>(graph.event_count())) scratch.event_local[x] = -1;
    return run;
}

}  // namespace datareach::exact
