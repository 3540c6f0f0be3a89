// The plan's graph laid out for the sweep (plan.hpp): which nodes matter, a topological order
// of their strongly connected components, and the in-arcs of every swept node with what
// drawing their live words needs. The searches start from the data (backward from the stores,
// then forward from the adversaries through what that found), so the work is mostly in the
// part of the graph that is swept; the in-arcs are placed from their sources (a stable
// counting sort over the compiled graph read in order) on options.threads workers into slots
// fixed by the counts, so the layout is the same for any number of threads (docs/design.md
// decisions 56 and 60).
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

    // The in-arcs of every swept node, by source rank, then arc index. They are found from
    // the sources: the swept nodes in rank order, each walking its out-arcs (consecutive in
    // the compiled graph, with their p, events, filters and keys), and each arc placed in the
    // next slot of its target — a stable counting sort, so every node's in-arcs come out in
    // order without a sort, and the compiled graph is read in order rather than once per
    // in-arc at random. The sources are cut into fixed parts on the workers: each part counts
    // its arcs per target, and part p's arcs into a node go after those of the parts before
    // it (slots fixed by the prefix sums before any is written), so the layout is the same
    // for any number of threads.
    const auto& filters = g.arc_classes();
    const std::size_t swept_count = plan.swept;
    const auto takes = [&](NodeIndex source, ArcIndex arc) -> std::size_t {  // the target's rank, or swept_count
        const NodeIndex target = g.arc_target(arc);
        if (target == source || !possible[static_cast<std::size_t>(arc)]) return swept_count;
        const auto rank = static_cast<std::size_t>(plan.rank[target]);
        return rank < swept_count ? rank : swept_count;
    };
    constexpr std::size_t kGrain = std::size_t{1} << 14;  // sources per part at least
    constexpr std::size_t kMaxParts = 8;                  // each part counts per swept node
    const FixedParts parts(swept_count, kGrain, std::min<std::size_t>(threads, kMaxParts));
    std::vector<std::vector<std::uint64_t>> slot(parts.size());
    parts.run(threads, [&](std::size_t part, std::size_t first, std::size_t last) {
        auto& count = slot[part];
        count.assign(swept_count + 1, 0);
        for (std::size_t i = first; i < last; ++i) {
            const NodeIndex u = order[i];
            for (ArcIndex arc = g.out_begin(u); arc < g.out_end(u); ++arc) ++count[takes(u, arc)];
        }
    });
    // in_start[v] = the arcs into nodes before v; slot[part][v] = the first slot of part's
    // arcs into v.
    plan.in_start = slots_from_counts(slot, swept_count);
    const std::size_t plan_arcs = plan.in_start[swept_count];
    if (plan_arcs > std::numeric_limits<std::uint32_t>::max())
        throw ModelError("access: the Monte Carlo engine handles at most 2^32 plan arcs");
    plan.arc_hot.resize(plan_arcs);
    plan.arc_original.resize(plan_arcs);
    plan.arc_stream.resize(plan_arcs);
    plan.arc_mantissa.resize(plan_arcs);
    plan.arc_zero_bits.resize(plan_arcs);
    std::vector<std::uint32_t> event_counts(plan_arcs);  // random events per plan arc
    parts.run(threads, [&](std::size_t part, std::size_t first, std::size_t last) {
        ArcKind kind;
        auto& cursor = slot[part];
        for (std::size_t i = first; i < last; ++i) {
            const NodeIndex u = order[i];
            for (ArcIndex arc = g.out_begin(u); arc < g.out_end(u); ++arc) {
                const std::size_t target = takes(u, arc);
                if (target == swept_count) continue;
                const auto k = static_cast<std::size_t>(cursor[target]++);
                kind_of(g, plan, arc, kind);
                std::uint32_t hot = static_cast<std::uint32_t>(i);
                if (filters.size(static_cast<std::size_t>(arc))) hot |= kFiltered;
                if (!kind.p.one || !kind.events.empty()) hot |= kRandom;
                plan.arc_hot[k] = hot;
                plan.arc_original[k] = static_cast<std::uint32_t>(arc);
                plan.arc_stream[k] = arc_stream_key(options.seed, g.arc_key(arc));
                plan.arc_mantissa[k] = kind.p.mantissa;
                plan.arc_zero_bits[k] = kind.p.one ? kNoCoin : kind.p.zero_bits;
                event_counts[k] = static_cast<std::uint32_t>(kind.events.size());
            }
        }
    });
    slot = {};

    // The random events of the plan arcs and what a block draws, in plan arc order: counted
    // per fixed range of plan arcs, then filled into slots fixed by the prefix sums.
    plan.arc_events_begin.assign(plan_arcs + 1, 0);
    std::uint64_t events = 0;
    for (std::size_t k = 0; k < plan_arcs; ++k) {
        events += event_counts[k];
        if (events > std::numeric_limits<std::uint32_t>::max())
            throw ModelError("access: too many required events for the Monte Carlo engine");
        plan.arc_events_begin[k + 1] = static_cast<std::uint32_t>(events);
    }
    plan.arc_events.resize(events);
    constexpr std::size_t kArcGrain = std::size_t{1} << 16;
    const FixedParts ranges(plan_arcs, kArcGrain, threads);
    struct Lists {
        std::size_t coin = 0, event = 0, event_coin = 0;
    };
    std::vector<Lists> first(ranges.size() + 1);
    ranges.run(threads, [&](std::size_t r, std::size_t first_arc, std::size_t last_arc) {
        Lists& n = first[r + 1];
        for (std::size_t k = first_arc; k < last_arc; ++k) {
            const bool coin = plan.arc_zero_bits[k] != kNoCoin;
            if (event_counts[k] == 0) {
                n.coin += coin;
            } else {
                ++n.event;
                n.event_coin += coin;
            }
        }
    });
    for (std::size_t r = 0; r < ranges.size(); ++r) {
        first[r + 1].coin += first[r].coin;
        first[r + 1].event += first[r].event;
        first[r + 1].event_coin += first[r].event_coin;
    }
    DrawList& draws = plan.draws;
    draws.coin_arcs.resize(first[ranges.size()].coin);
    draws.event_arcs.resize(first[ranges.size()].event);
    draws.event_coin_arcs.resize(first[ranges.size()].event_coin);
    ranges.run(threads, [&](std::size_t r, std::size_t first_arc, std::size_t last_arc) {
        ArcKind kind;
        Lists at = first[r];
        for (std::size_t k = first_arc; k < last_arc; ++k) {
            const bool coin = plan.arc_zero_bits[k] != kNoCoin;
            const auto arc32 = static_cast<std::uint32_t>(k);
            if (event_counts[k] == 0) {
                if (coin) draws.coin_arcs[at.coin++] = arc32;
                continue;
            }
            kind_of(g, plan, static_cast<ArcIndex>(plan.arc_original[k]), kind);
            std::copy(kind.events.begin(), kind.events.end(), plan.arc_events.begin() + plan.arc_events_begin[k]);
            draws.event_arcs[at.event++] = arc32;
            if (coin) draws.event_coin_arcs[at.event_coin++] = arc32;
        }
    });
}

}  // namespace datareach::monte_carlo::detail
