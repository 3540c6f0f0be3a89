// The plan's graph laid out for the sweep (plan.hpp): which nodes matter, a topological order
// of their strongly connected components, and the in-arcs of every swept node with what
// drawing their live words needs. Every walk of out-arcs goes through the arcs toward data,
// which the compiled graph finds once (backward from the stores; TowardData) and keeps, and
// skips the other arcs 64 at a time, so a run's work stays in the part of the graph that
// leads to data: Tarjan's search from the adversaries finds the swept nodes and their order
// at once, numbering them in an array the graph lends (NodeNumbers), and the in-arcs are
// placed from their sources (a stable counting sort over the compiled graph read in order)
// on options.threads workers into slots fixed by the counts, so the layout is the same for
// any number of threads (docs/design.md decisions 56, 60, 62 and 65).
#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/node_numbers.hpp"
#include "datareach/toward_data.hpp"
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

// The swept nodes in a topological order of their strongly connected components: every arc
// between two components runs from an earlier to a later one, the nodes of a component are
// consecutive, and `cycles` holds the ranges of the components with more than one node.
struct SweepOrder {
    std::vector<NodeIndex> order;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cycles;
};

// Tarjan's algorithm, iterative, from the adversaries along the arcs toward data: the nodes
// it visits are the swept ones (an arc toward data enters a node that reaches data, so a
// root that reaches data is all a search needs), numbered in `local` in the order visited,
// which is Tarjan's index, so no search before it has to find them. The order follows the
// adversaries' searches (reverse postorder on a graph without cycles), so sweeps walk
// memory mostly forward.
SweepOrder components_in_order(const CompiledGraph& g, const TowardData& toward, NodeNumbers& local,
                               const std::vector<NodeIndex>& roots) {
    std::vector<std::int32_t> low;  // per index
    std::vector<std::uint8_t> on_stack;
    std::vector<NodeIndex> stack;
    std::vector<std::pair<NodeIndex, ArcIndex>> frames;
    SweepOrder out;  // built sinks first, each component in the order it leaves the stack; reversed below
    auto visit = [&](NodeIndex v) {
        const auto i = static_cast<std::int32_t>(low.size());
        local.set(v, i);
        low.push_back(i);
        on_stack.push_back(1);
        stack.push_back(v);
        frames.emplace_back(v, g.out_begin(v));
    };
    auto search = [&](NodeIndex root) {
        if (local[root] != kNotSwept || !toward.reaches_data(root)) return;
        visit(root);
        while (!frames.empty()) {
            auto& [v, next] = frames.back();
            const auto i = static_cast<std::size_t>(local[v]);
            const ArcIndex arc = toward.next(next, g.out_end(v));
            if (arc < g.out_end(v)) {
                next = arc + 1;
                const NodeIndex t = local[g.arc_target(arc)];
                if (t == kNotSwept)
                    visit(g.arc_target(arc));  // invalidates v and next: the loop reads the new top
                else if (on_stack[static_cast<std::size_t>(t)])
                    low[i] = std::min(low[i], t);
                continue;
            }
            frames.pop_back();
            if (!frames.empty()) {
                const auto parent = static_cast<std::size_t>(local[frames.back().first]);
                low[parent] = std::min(low[parent], low[i]);
            }
            if (low[i] == static_cast<std::int32_t>(i)) {
                const std::size_t first = out.order.size();
                NodeIndex w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    on_stack[static_cast<std::size_t>(local[w])] = 0;
                    out.order.push_back(w);
                } while (local[w] != static_cast<NodeIndex>(i));
                if (out.order.size() - first > 1)
                    out.cycles.emplace_back(static_cast<std::uint32_t>(first),
                                            static_cast<std::uint32_t>(out.order.size()));
            }
        }
    };
    for (NodeIndex r : roots) search(r);
    std::reverse(out.order.begin(), out.order.end());
    std::reverse(out.cycles.begin(), out.cycles.end());
    const auto size = static_cast<std::uint32_t>(out.order.size());
    for (auto& range : out.cycles) range = {size - range.second, size - range.first};
    return out;
}

}  // namespace

void lay_out_arcs(Plan& plan, const CompiledGraph& g, const MonteCarloOptions& options) {
    const std::size_t n = g.node_count(), arc_count = g.arc_count();
    if (n > kNodeMask) throw ModelError("nodes: the Monte Carlo engine handles at most 2^29 nodes");
    if (arc_count > std::numeric_limits<std::uint32_t>::max())
        throw ModelError("access: the Monte Carlo engine handles at most 2^32 arcs");

    // Swept: reachable from an adversary and reaching a store that holds some class. Every node
    // on a path from an adversary to such a store reaches the store, so the search from the
    // adversaries only walks the arcs toward data, which the graph found once for every run.
    const unsigned threads = plan_threads(options);
    const TowardData& toward = g.toward_data();
    // The swept nodes' numbers: in the order visited until their sweep order is known; lent
    // by the graph (all kNotSwept) and reset when this function returns.
    NodeNumbers rank(g);
    SweepOrder sweep = components_in_order(g, toward, rank, plan.adversaries);
    plan.swept_nodes = std::move(sweep.order);
    const std::vector<NodeIndex>& order = plan.swept_nodes;
    plan.cycles = std::move(sweep.cycles);
    plan.swept = order.size();
    for (std::size_t i = 0; i < order.size(); ++i) rank.set(order[i], static_cast<NodeIndex>(i));
    // Rows of the kernel's records (the zero row, `swept`, for a node never swept) of what
    // the plan looks up by model node after the numbers are given back.
    const auto row = [&](NodeIndex v) -> std::uint32_t {
        const auto r = static_cast<std::size_t>(rank[v]);
        return static_cast<std::uint32_t>(r < plan.swept ? r : plan.swept);
    };
    plan.adversary_rows.clear();
    for (NodeIndex a : plan.adversaries) plan.adversary_rows.push_back(row(a));
    plan.entry_node.clear();
    plan.entry_node.reserve(g.presence_stores().values.size());
    for (NodeIndex store : g.presence_stores().values) plan.entry_node.push_back(row(store));

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
        if (target == source) return swept_count;
        const auto r = static_cast<std::size_t>(rank[target]);
        return r < swept_count ? r : swept_count;
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
            toward.each_out(g, u, [&](ArcIndex arc) { ++count[takes(u, arc)]; });
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
            toward.each_out(g, u, [&](ArcIndex arc) {
                const std::size_t target = takes(u, arc);
                if (target == swept_count) return;
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
            });
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
    // A block draws only the events some plan arc requires (a model's other events, often most
    // of them, no swept arc requires).
    std::vector<std::uint8_t> required(plan.events.size(), 0);
    for (std::int32_t e : plan.arc_events) required[static_cast<std::size_t>(e)] = 1;
    plan.drawn_events.clear();
    for (std::size_t e = 0; e < required.size(); ++e)
        if (required[e]) plan.drawn_events.push_back(static_cast<std::int32_t>(e));
}

}  // namespace datareach::monte_carlo::detail
