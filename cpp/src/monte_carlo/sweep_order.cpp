// The plan's graph laid out for the sweep (plan.hpp): which nodes matter, a topological order
// of their strongly connected components, and the in-arcs of every swept node with what
// drawing their live words needs. The searches start from the data (backward from the stores,
// then forward from the adversaries through what that found), so the work is mostly in the
// part of the graph that is swept; the in-arcs are counted once and then filled per node on
// options.threads workers into slots fixed by the counts, so the layout is the same for any
// number of threads (docs/design.md decision 56).
#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "datareach/errors.hpp"
#include "parallel.hpp"
#include "plan.hpp"

namespace datareach::monte_carlo::detail {

namespace {

// What one arc that can be live is for the kernel (`events` is reused from arc to arc).
struct ArcKind {
    BernoulliP p;
    std::vector<std::int32_t> events;  // the random events (0 < p < 1) it requires, once each
};

void kind_of(const CompiledGraph& g, const Plan& plan, ArcIndex arc, ArcKind& kind) {
    kind.events.clear();
    kind.p = BernoulliP::of(g.arc_p(arc));
    const auto& requires_ = g.arc_requires();
    const auto a = static_cast<std::size_t>(arc);
    for (auto it = requires_.begin(a); it != requires_.end(a); ++it)
        if (!plan.events[static_cast<std::size_t>(*it)].p.one &&
            std::find(kind.events.begin(), kind.events.end(), *it) == kind.events.end())
            kind.events.push_back(*it);
}

// The nodes from which some store in `stores` is reached along arcs that can be live (a
// search backward over in-arcs).
std::vector<std::uint8_t> reaching(const CompiledGraph& g, const std::vector<NodeIndex>& stores,
                                   const std::vector<std::uint8_t>& possible) {
    std::vector<std::uint8_t> seen(g.node_count(), 0);
    std::vector<NodeIndex> stack;
    for (NodeIndex r : stores)
        if (!seen[r]) {
            seen[r] = 1;
            stack.push_back(r);
        }
    while (!stack.empty()) {
        const NodeIndex v = stack.back();
        stack.pop_back();
        for (ArcIndex i = g.in_begin(v); i < g.in_end(v); ++i) {
            const ArcIndex arc = g.in_arc(i);
            const NodeIndex source = g.arc_source(arc);
            if (!seen[source] && possible[arc]) {
                seen[source] = 1;
                stack.push_back(source);
            }
        }
    }
    return seen;
}

// The nodes reached from `roots` along possible arcs, forward, through nodes `within` allows.
std::vector<std::uint8_t> reached_within(const CompiledGraph& g, const std::vector<NodeIndex>& roots,
                                         const std::vector<std::uint8_t>& possible,
                                         const std::vector<std::uint8_t>& within) {
    std::vector<std::uint8_t> seen(g.node_count(), 0);
    std::vector<NodeIndex> stack;
    for (NodeIndex r : roots)
        if (!seen[r] && within[r]) {
            seen[r] = 1;
            stack.push_back(r);
        }
    while (!stack.empty()) {
        const NodeIndex v = stack.back();
        stack.pop_back();
        for (ArcIndex arc = g.out_begin(v); arc < g.out_end(v); ++arc) {
            const NodeIndex next = g.arc_target(arc);
            if (seen[next] || !within[next] || !possible[arc]) continue;  // possible is known: next reaches a store
            seen[next] = 1;
            stack.push_back(next);
        }
    }
    return seen;
}

// The strongly connected components of the swept nodes (Tarjan's algorithm, iterative), in a
// topological order: every arc between two components runs from an earlier to a later one.
// Searches start at the adversaries, so the order follows their searches (reverse postorder
// on a graph without cycles) and sweeps walk memory mostly forward.
std::vector<std::vector<NodeIndex>> components_in_order(const CompiledGraph& g,
                                                        const std::vector<std::uint8_t>& possible,
                                                        const std::vector<std::uint8_t>& swept,
                                                        const std::vector<NodeIndex>& roots) {
    const std::size_t n = g.node_count();
    constexpr std::int32_t kUnvisited = -1;
    std::vector<std::int32_t> index(n, kUnvisited), low(n, 0);
    std::vector<std::uint8_t> on_stack(n, 0);
    std::vector<NodeIndex> stack;
    std::vector<std::pair<NodeIndex, ArcIndex>> frames;
    std::vector<std::vector<NodeIndex>> components;  // sinks first
    std::int32_t counter = 0;
    auto visit = [&](NodeIndex v) {
        index[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = 1;
        frames.emplace_back(v, g.out_begin(v));
    };
    auto search = [&](NodeIndex root) {
        if (!swept[root] || index[root] != kUnvisited) return;
        visit(root);
        while (!frames.empty()) {
            auto& [v, next] = frames.back();
            if (next < g.out_end(v)) {
                const ArcIndex arc = next++;
                const NodeIndex t = g.arc_target(arc);
                if (!swept[t] || !possible[arc]) continue;
                if (index[t] == kUnvisited)
                    visit(t);  // invalidates v and next: the loop reads the new top
                else if (on_stack[t])
                    low[v] = std::min(low[v], index[t]);
                continue;
            }
            const NodeIndex done = v;
            frames.pop_back();
            if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[done]);
            if (low[done] == index[done]) {
                std::vector<NodeIndex> component;
                NodeIndex w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    on_stack[w] = 0;
                    component.push_back(w);
                } while (w != done);
                std::reverse(component.begin(), component.end());
                components.push_back(std::move(component));
            }
        }
    };
    for (NodeIndex r : roots) search(r);
    for (std::size_t v = 0; v < n; ++v) search(static_cast<NodeIndex>(v));
    std::reverse(components.begin(), components.end());
    return components;
}

}  // namespace

void lay_out_arcs(Plan& plan, const CompiledGraph& g, const MonteCarloOptions& options) {
    const std::size_t n = g.node_count(), arc_count = g.arc_count();
    if (n > kNodeMask) throw ModelError("nodes: the Monte Carlo engine handles at most 2^29 nodes");
    if (arc_count > std::numeric_limits<std::uint32_t>::max())
        throw ModelError("access: the Monte Carlo engine handles at most 2^32 arcs");

    // Swept: reachable from an adversary and reaching a store that holds some class. Every node
    // on a path from an adversary to such a store reaches the store, so the forward search
    // only needs to walk the nodes the backward one found (often a small part of the graph).
    std::vector<NodeIndex> stores(g.presence_stores().values.begin(), g.presence_stores().values.end());
    // Whether each arc can be live: one pass in arc order (reading the arcs' p and events in
    // order is cheaper than asking in the searches' scattered order), split over the workers.
    const unsigned threads = plan_threads(options);
    std::vector<std::uint8_t> possible(arc_count);
    parallel_ranges(threads, arc_count, std::size_t{1} << 16, 64, [&](std::size_t first, std::size_t last) {
        for (std::size_t a = first; a < last; ++a) possible[a] = g.arc_possible(static_cast<ArcIndex>(a));
    });
    const std::vector<std::uint8_t> to_store = reaching(g, stores, possible);
    const std::vector<std::uint8_t> swept = reached_within(g, plan.adversaries, possible, to_store);

    const auto components = components_in_order(g, possible, swept, plan.adversaries);
    plan.rank.assign(n, 0);
    std::vector<NodeIndex> order;
    order.reserve(n);
    for (const auto& component : components) {
        if (component.size() > 1)
            plan.cycles.emplace_back(static_cast<std::uint32_t>(order.size()),
                                     static_cast<std::uint32_t>(order.size() + component.size()));
        order.insert(order.end(), component.begin(), component.end());
    }
    plan.swept = order.size();
    for (std::size_t v = 0; v < n; ++v)
        if (!swept[v]) order.push_back(static_cast<NodeIndex>(v));
    for (std::size_t i = 0; i < n; ++i) plan.rank[order[i]] = static_cast<NodeIndex>(i);

    // The in-arcs of every swept node, by source: counted once, so that in_start gives every
    // node its slots and the nodes can be filled in parallel.
    const auto& filters = g.arc_classes();
    plan.in_start.assign(plan.swept + 1, 0);
    auto takes = [&](NodeIndex v, ArcIndex arc) {
        const NodeIndex source = g.arc_source(arc);
        return swept[source] && source != v && possible[arc];
    };
    constexpr std::size_t kGrain = std::size_t{1} << 14;  // nodes per thread at least
    parallel_ranges(threads, plan.swept, kGrain, 1, [&](std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i) {
            std::uint64_t count = 0;
            for (ArcIndex j = g.in_begin(order[i]); j < g.in_end(order[i]); ++j) count += takes(order[i], g.in_arc(j));
            plan.in_start[i + 1] = count;
        }
    });
    for (std::size_t i = 0; i < plan.swept; ++i) plan.in_start[i + 1] += plan.in_start[i];
    const std::size_t plan_arcs = plan.in_start[plan.swept];
    if (plan_arcs > std::numeric_limits<std::uint32_t>::max())
        throw ModelError("access: the Monte Carlo engine handles at most 2^32 plan arcs");
    plan.arc_hot.resize(plan_arcs);
    plan.arc_original.resize(plan_arcs);
    plan.arc_stream.resize(plan_arcs);
    plan.arc_mantissa.resize(plan_arcs);
    plan.arc_zero_bits.resize(plan_arcs);
    std::vector<std::uint32_t> event_counts(plan_arcs);  // random events per plan arc
    parallel_ranges(threads, plan.swept, kGrain, 1, [&](std::size_t first, std::size_t last) {
        std::vector<std::pair<NodeIndex, ArcIndex>> in_arcs;
        ArcKind kind;
        for (std::size_t i = first; i < last; ++i) {
            const NodeIndex v = order[i];
            in_arcs.clear();
            for (ArcIndex j = g.in_begin(v); j < g.in_end(v); ++j) {
                const ArcIndex arc = g.in_arc(j);
                if (takes(v, arc)) in_arcs.emplace_back(plan.rank[g.arc_source(arc)], arc);
            }
            std::sort(in_arcs.begin(), in_arcs.end());
            auto k = static_cast<std::size_t>(plan.in_start[i]);
            for (const auto& [source, arc] : in_arcs) {
                kind_of(g, plan, arc, kind);
                std::uint32_t hot = static_cast<std::uint32_t>(source);
                if (filters.size(static_cast<std::size_t>(arc))) hot |= kFiltered;
                if (!kind.p.one || !kind.events.empty()) hot |= kRandom;
                plan.arc_hot[k] = hot;
                plan.arc_original[k] = static_cast<std::uint32_t>(arc);
                plan.arc_stream[k] = arc_stream_key(options.seed, g.arc_key(arc));
                plan.arc_mantissa[k] = kind.p.mantissa;
                plan.arc_zero_bits[k] = kind.p.one ? kNoCoin : kind.p.zero_bits;
                event_counts[k] = static_cast<std::uint32_t>(kind.events.size());
                ++k;
            }
        }
    });

    // The random events of the plan arcs and what a block draws, in plan arc order (serial: few
    // arcs require events, and the lists are appended to in order).
    plan.arc_events_begin.assign(plan_arcs + 1, 0);
    std::uint64_t events = 0;
    for (std::size_t k = 0; k < plan_arcs; ++k) {
        events += event_counts[k];
        if (events > std::numeric_limits<std::uint32_t>::max())
            throw ModelError("access: too many required events for the Monte Carlo engine");
        plan.arc_events_begin[k + 1] = static_cast<std::uint32_t>(events);
    }
    plan.arc_events.reserve(events);
    ArcKind kind;
    DrawList& draws = plan.draws;
    for (std::size_t k = 0; k < plan_arcs; ++k) {
        const bool coin = plan.arc_zero_bits[k] != kNoCoin;
        const auto arc32 = static_cast<std::uint32_t>(k);
        if (event_counts[k] == 0) {
            if (coin) draws.coin_arcs.push_back(arc32);
            continue;
        }
        kind_of(g, plan, static_cast<ArcIndex>(plan.arc_original[k]), kind);
        plan.arc_events.insert(plan.arc_events.end(), kind.events.begin(), kind.events.end());
        draws.event_arcs.push_back(arc32);
        if (coin) draws.event_coin_arcs.push_back(arc32);
    }
}

}  // namespace datareach::monte_carlo::detail
