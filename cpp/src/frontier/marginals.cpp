// The reach probability of many single nodes in one sweep (see marginals.hpp). A state is a
// frontier state of reach alone: word 0 the reached slots, words 2-3 the live shared
// variables, then per node slot the slots it reaches over processed live arcs (state.hpp's
// layout with one-word rows and no target set). A pair is a state and one more word, the
// pattern of the pending node. Pairs of one level are those the sweep can meet there: the
// successors of the level before and, for each node entering at the next step, (state, its
// slot) for every state of the level.
#include "marginals.hpp"

#include <cstdint>

#include "parts.hpp"
#include "state.hpp"
#include "steps.hpp"

namespace datareach::frontier {
namespace {

// What became of a pair's pending node after one step.
enum class Pending { waiting, reached, lost };

// The arc from slot sx to slot sy is live in the state `key` (reach alone); `pattern`, when
// given, is a pending node's pattern, updated along. Returns Pending::reached when the arc
// reaches it.
Pending take_arc(std::uint32_t* key, const Step& step, int sx, int sy, std::uint32_t* pattern) {
    std::uint32_t& reached = key[0];
    std::uint32_t* rows = key + kKeyHeader;
    const std::uint32_t bx = std::uint32_t{1} << sx, by = std::uint32_t{1} << sy;
    if (reached & by) return Pending::waiting;  // nothing new behind y
    if (reached & bx) {
        if (pattern && (*pattern & by)) return Pending::reached;
        const std::uint32_t newly = by | rows[sy];
        reached |= newly;
        for (std::uint32_t rest = step.occupied; rest; rest &= rest - 1) {
            const int s = __builtin_ctz(rest);
            rows[s] = (newly >> s & 1) ? 0u : rows[s] & ~newly;
        }
        return Pending::waiting;
    }
    if (sx == sy) return Pending::waiting;
    const std::uint32_t add = by | rows[sy];
    const bool into_pattern = pattern && (*pattern & by);
    for (std::uint32_t rest = step.occupied & ~reached; rest; rest &= rest - 1) {
        const int s = __builtin_ctz(rest);
        if (s != sx && !(rows[s] & bx)) continue;
        rows[s] = (rows[s] | add) & ~(std::uint32_t{1} << s);
        if (into_pattern) *pattern |= std::uint32_t{1} << s;  // s now reaches the pending node
    }
    return Pending::waiting;
}

// The step's arc (both of a link) is live.
Pending take(std::uint32_t* key, const Step& step, std::uint32_t* pattern) {
    if (take_arc(key, step, step.source_slot, step.target_slot, pattern) == Pending::reached) return Pending::reached;
    if (!step.both_ways) return Pending::waiting;
    return take_arc(key, step, step.target_slot, step.source_slot, pattern);
}

// Forgets what leaves after the step; false when nothing more can be reached.
bool leave(std::uint32_t* key, const Step& step) {
    std::uint32_t* rows = key + kKeyHeader;
    if (step.leave_nodes) {
        for (std::uint32_t rest = step.leave_nodes; rest; rest &= rest - 1) rows[__builtin_ctz(rest)] = 0;
        key[0] &= ~step.leave_nodes;
        for (std::uint32_t rest = step.occupied & ~step.leave_nodes; rest; rest &= rest - 1)
            rows[__builtin_ctz(rest)] &= ~step.leave_nodes;
    }
    key[2] &= ~static_cast<std::uint32_t>(step.leave_vars);
    key[3] &= ~static_cast<std::uint32_t>(step.leave_vars >> 32);
    return !(step.adversary_met && key[0] == 0);
}

// Calls f(weight, work, live) for every outcome of the step from the state `key` of weight w
// (the branches on the variables first used here, then the arc live or dead): `work` holds
// the state's words after the nodes entering here, with the variables' values, ready for
// take and leave. A pair's pattern (past the state's words) is copied along.
template <class F>
void outcomes(const std::uint32_t* key, int total_words, const Step& step, long double w,
              std::vector<std::uint32_t>& base, std::vector<std::uint32_t>& work, F&& f) {
    std::copy(key, key + total_words, base.begin());
    for (const auto& [slot, sets] : step.enter) base[kKeyHeader + slot] = 0;
    base[0] |= step.enter_reached;
    const int branches = static_cast<int>(step.branch.size());
    for (int combo = 0; combo < (1 << branches); ++combo) {
        long double pc = w;
        std::uint64_t values = base[2] | (std::uint64_t{base[3]} << 32);
        for (int b = 0; b < branches; ++b) {
            const auto& [slot, p] = step.branch[b];
            if (combo >> b & 1) {
                values |= std::uint64_t{1} << slot;
                pc *= p;
            } else {
                pc *= 1.0L - p;
            }
        }
        if (pc == 0.0L) continue;
        const bool can_live = (values & step.needs) == step.needs && step.own > 0.0L;
        const long double live = can_live ? pc * step.own : 0.0L;
        for (int outcome = 0; outcome < 2; ++outcome) {
            const long double weight = outcome == 0 ? live : pc - live;
            if (!(weight > 0.0L)) continue;
            std::copy(base.begin(), base.begin() + total_words, work.begin());
            work[2] = static_cast<std::uint32_t>(values);
            work[3] = static_cast<std::uint32_t>(values >> 32);
            f(weight, work.data(), outcome == 0);
        }
    }
}

// A pair's next pair: Pending::waiting with `work` updated, or what became of its node.
Pending advance_pair(std::uint32_t* work, int words, const Step& step, bool live) {
    std::uint32_t& pattern = work[words];
    if (live && take(work, step, &pattern) == Pending::reached) return Pending::reached;
    pattern &= ~step.leave_nodes;
    if (!leave(work, step) || pattern == 0) return Pending::lost;
    return Pending::waiting;
}

struct Request {
    std::size_t pair;    // the pair (state, the node's slot) at its level
    int result;          // the index into `out`
    long double weight;  // the state's probability
};

// One outcome of a pair's step: the pair it leads to at the next level, or kReached.
struct Edge {
    static constexpr std::uint32_t kReached = 0xFFFFFFFFu;
    std::uint32_t to;
    long double weight;
};

// One independent part: adds each of its targets' probability into `out`. The forward sweep
// records each pair's outcomes (lost ones left out), so the backward one is sums alone.
bool part_marginals(const exact::PrunedRun& run, const std::vector<int>& arcs, const std::vector<int>& result_of,
                    std::size_t memory_bytes, exact::Budget& budget, std::vector<long double>& out) {
    int node_slots = 0;
    const std::vector<Step> steps =
        plan_steps(run, arcs, std::vector<std::uint32_t>(run.node_count(), 0), 0, node_slots);
    const int m = static_cast<int>(steps.size());
    const int words = kKeyHeader + node_slots, pair_words = words + 1;
    ++budget.frontier_passes;
    StateTable current(words), next(words), pairs(pair_words), next_pairs(pair_words);
    std::vector<std::vector<Request>> requests(m);
    std::vector<std::vector<std::uint32_t>> first(m);  // per level, each pair's first edge (and the end)
    std::vector<std::vector<Edge>> edges(m);
    const std::size_t level_bytes = 2 * (current.bytes_per_state() + pairs.bytes_per_state());
    std::size_t held = 0;  // bytes of edges and requests over all levels
    std::vector<std::uint32_t> start(words, 0), base(pair_words), work(pair_words), key(pair_words);
    current.add(start.data(), 1.0L);
    for (int l = 0; l < m; ++l) {
        const Step& step = steps[l];
        // The nodes entering at step l, pending from every state of the level.
        for (std::size_t e = 0; e < step.enter.size(); ++e) {
            const int result = result_of[step.enter_node[e]];
            if (result < 0) continue;
            for (std::size_t s = 0; s < current.size(); ++s) {
                std::copy(current.key(s), current.key(s) + words, key.begin());
                key[words] = std::uint32_t{1} << step.enter[e].first;
                requests[l].push_back({pairs.add(key.data(), 0.0L), result, current.weight(s)});
            }
        }
        // The pairs of the level, one step on.
        next_pairs.clear();
        first[l].reserve(pairs.size() + 1);
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            poll(budget);
            first[l].push_back(static_cast<std::uint32_t>(edges[l].size()));
            outcomes(pairs.key(i), pair_words, step, 1.0L, base, work,
                     [&](long double weight, std::uint32_t* w, bool live) {
                         const Pending now = advance_pair(w, words, step, live);
                         if (now == Pending::reached)
                             edges[l].push_back({Edge::kReached, weight});
                         else if (now == Pending::waiting && l + 1 < m)  // none after the last step
                             edges[l].push_back({static_cast<std::uint32_t>(next_pairs.add(w, 0.0L)), weight});
                     });
        }
        first[l].push_back(static_cast<std::uint32_t>(edges[l].size()));
        held += edges[l].size() * sizeof(Edge) + first[l].size() * sizeof(std::uint32_t) +
                requests[l].size() * sizeof(Request);
        if (held + (current.size() + pairs.size() + next_pairs.size()) * level_bytes > memory_bytes) return false;
        std::swap(pairs, next_pairs);
        // The states of reach alone, one step on.
        next.clear();
        for (std::size_t s = 0; s < current.size(); ++s) {
            poll(budget);
            outcomes(current.key(s), words, step, current.weight(s), base, work,
                     [&](long double weight, std::uint32_t* w, bool live) {
                         if (live) take(w, step, nullptr);
                         if (leave(w, step)) next.add(w, weight);
                     });
        }
        std::swap(current, next);
        budget.frontier_peak_states = std::max<std::uint64_t>(budget.frontier_peak_states, current.size());
    }
    // Backward: a pair's value is the probability that its node is reached from it.
    std::vector<long double> after, values;  // the values of the level after, of this one
    for (int l = m - 1; l >= 0; --l) {
        const std::size_t count = first[l].size() - 1;
        values.assign(count, 0.0L);
        for (std::size_t i = 0; i < count; ++i) {
            long double value = 0.0L;
            for (std::uint32_t e = first[l][i]; e < first[l][i + 1]; ++e) {
                const Edge& edge = edges[l][e];
                value += edge.to == Edge::kReached ? edge.weight : edge.weight * after[edge.to];
            }
            values[i] = value;
        }
        for (const Request& r : requests[l]) out[r.result] += r.weight * values[r.pair];
        std::swap(after, values);
        edges[l] = {};  // free as we go
        first[l] = {};
    }
    return true;
}

}  // namespace

bool reach_marginals(const exact::PrunedRun& run, const std::vector<int>& order, const std::vector<int>& targets,
                     std::size_t memory_bytes, exact::Budget& budget, std::vector<long double>& out) {
    out.assign(targets.size(), 0.0L);
    std::vector<int> result_of(run.node_count(), -1);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (targets[i] == 0)
            out[i] = 1.0L;  // the adversary reaches itself
        else
            result_of[targets[i]] = static_cast<int>(i);
    }
    // A node is in one part only: its probability is that part's.
    for (const auto& part : independent_parts(run, order))
        if (!part_marginals(run, part, result_of, memory_bytes, budget, out)) return false;
    return true;
}

}  // namespace datareach::frontier
