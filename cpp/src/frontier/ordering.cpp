// The frontier order and its width (see ordering.hpp).
#include "ordering.hpp"

#include <algorithm>
#include <numeric>

namespace datareach::frontier {

std::vector<int> arc_order(const exact::PrunedRun& run) {
    const int n = static_cast<int>(run.node_count()), m = static_cast<int>(run.arc_count());
    // Breadth-first ranks from the adversary (local node 0) over the run's arcs.
    std::vector<int> rank(n, n);
    std::vector<int> queue;
    queue.reserve(n);
    if (n > 0) {
        rank[0] = 0;
        queue.push_back(0);
    }
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const int v = queue[head];
        for (int i = run.out_offsets[v]; i < run.out_offsets[v + 1]; ++i) {
            const int t = run.target[run.out_arcs[i]];
            if (rank[t] == n) {
                rank[t] = static_cast<int>(queue.size());
                queue.push_back(t);
            }
        }
    }
    std::vector<int> order(m);
    std::iota(order.begin(), order.end(), 0);
    auto later = [&](int a) { return std::max(rank[run.source[a]], rank[run.target[a]]); };
    auto earlier = [&](int a) { return std::min(rank[run.source[a]], rank[run.target[a]]); };
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        if (later(a) != later(b)) return later(a) < later(b);
        if (earlier(a) != earlier(b)) return earlier(a) < earlier(b);
        return a < b;
    });
    return order;
}

ArcSpans arc_spans(const exact::PrunedRun& run, const std::vector<int>& order) {
    const std::size_t n = run.node_count(), nv = run.var_count();
    ArcSpans spans{std::vector<int>(n, -1), std::vector<int>(n, -1), std::vector<int>(nv, -1), std::vector<int>(nv, -1),
                   std::vector<int>(nv, 0)};
    for (int i = 0; i < static_cast<int>(order.size()); ++i) {
        const int a = order[i];
        for (int v : {run.source[a], run.target[a]}) {
            if (spans.node_first[v] < 0) spans.node_first[v] = i;
            spans.node_last[v] = i;
        }
        for (int j = run.arc_var_offsets[a]; j < run.arc_var_offsets[a + 1]; ++j) {
            const int x = run.arc_vars[j];
            if (spans.var_first[x] < 0) spans.var_first[x] = i;
            spans.var_last[x] = i;
            ++spans.var_uses[x];
        }
    }
    return spans;
}

FrontierShape frontier_shape(const exact::PrunedRun& run, const std::vector<int>& order,
                             const std::vector<std::vector<std::vector<int>>>& families) {
    const int n = static_cast<int>(run.node_count()), nv = static_cast<int>(run.var_count());
    const int m = static_cast<int>(order.size());
    const ArcSpans spans = arc_spans(run, order);
    const std::vector<int>&node_first = spans.node_first, &node_last = spans.node_last;
    const std::vector<int>&var_first = spans.var_first, &var_last = spans.var_last, &var_uses = spans.var_uses;
    // Sweep: +1 at the first step, -1 after the last.
    std::vector<int> nodes_delta(m + 1, 0), events_delta(m + 1, 0);
    for (int v = 0; v < n; ++v)
        if (node_first[v] >= 0) {
            ++nodes_delta[node_first[v]];
            --nodes_delta[node_last[v] + 1];
        }
    for (int x = 0; x < nv; ++x)
        if (var_uses[x] >= 2) {
            ++events_delta[var_first[x]];
            --events_delta[var_last[x] + 1];
        }
    // Per family, the open atoms at each step.
    std::vector<int> open(m, 0);
    for (const auto& family : families) {
        std::vector<int> delta(m + 1, 0);
        for (const auto& atom : family) {
            int first = m, last = -1;
            for (int v : atom)
                if (v >= 0 && node_first[v] >= 0) {
                    first = std::min(first, node_first[v]);
                    last = std::max(last, node_last[v]);
                }
            if (last < 0) continue;
            ++delta[first];
            --delta[last + 1];
        }
        for (int i = 0, count = 0; i < m; ++i) {
            count += delta[i];
            open[i] = std::max(open[i], count);
        }
    }
    FrontierShape shape;
    int nodes = 0, events = 0;
    for (int i = 0; i < m; ++i) {
        nodes += nodes_delta[i];
        events += events_delta[i];
        shape.max_nodes = std::max(shape.max_nodes, nodes);
        shape.max_events = std::max(shape.max_events, events);
        shape.width = std::max(shape.width, nodes + events + open[i]);
    }
    return shape;
}

}  // namespace datareach::frontier
