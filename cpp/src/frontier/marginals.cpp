// The reach probability of many single nodes in one sweep (see marginals.hpp). A state is a
// frontier state of reach alone: word 0 the reached slots, words 2-3 the live shared
// variables, then per node slot the slots it reaches over processed live arcs (state.hpp's
// layout with one-word rows and no target set). A pair is a state's position in its level and
// the pattern of the pending node (two words). Pairs of one level are those the sweep can
// meet there: the successors of the level before and, for each node entering at the next
// step, (state, its slot) for every state of the level. A state's outcomes at a step are
// worked out once and shared by all its pairs: a pair only updates its pattern, which is the
// same for every live outcome (reach does not depend on the variables' values) and unchanged
// by a dead one.
#include "marginals.hpp"

#include <cstdint>

#include "links.hpp"
#include "parts.hpp"
#include "state.hpp"
#include "steps.hpp"

namespace datareach::frontier {
namespace {

// Whether the step's arc reached a pending node.
enum class Pending { waiting, reached };

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
// take and leave.
template <class F>
void outcomes(const std::uint32_t* key, int words, const Step& step, long double w, std::vector<std::uint32_t>& base,
              std::vector<std::uint32_t>& work, F&& f) {
    std::copy(key, key + words, base.begin());
    for (const auto& [slot, sets] : step.enter) base[kKeyHeader + slot] = 0;
    base[0] |= step.enter_reached;
    const std::uint64_t values = base[2] | (std::uint64_t{base[3]} << 32);
    for_each_outcome(step, values, w, [&](std::uint64_t combined, bool live, long double weight) {
        std::copy(base.begin(), base.begin() + words, work.begin());
        work[2] = static_cast<std::uint32_t>(combined);
        work[3] = static_cast<std::uint32_t>(combined >> 32);
        f(weight, work.data(), live);
    });
}

struct Request {
    std::size_t pair;    // the pair (state, the node's slot) at its level
    int result;          // the index into `out`
    long double weight;  // the state's probability
};

// One outcome of a pair's step: the pair it leads to at the next level (or kReached), and
// which outcome of the pair's state it is. Its probability is that outcome's, the same for
// every pair of the state, so it is kept once per state outcome rather than per edge.
struct Edge {
    static constexpr std::uint32_t kReached = 0xFFFFFFFFu;
    std::uint32_t to;
    std::uint32_t outcome;
};

// One outcome of a state's step: the state it leads to at the next level (-1: nothing more
// can be reached), its probability given the state, and whether the arc is live in it.
struct Outcome {
    int to;
    long double weight;
    bool live;
};

// One independent part: adds each of its targets' probability into `out`, and sets
// `every_reached` (see reach_marginals; -1 here, where the state is a reach relation). The
// forward sweep records each pair's outcomes (lost ones left out), so the backward one is
// sums alone.
bool part_marginals(const exact::PrunedRun& run, const std::vector<int>& arcs, const std::vector<int>& result_of,
                    std::size_t memory_bytes, exact::Budget& budget, std::vector<long double>& out,
                    long double& every_reached) {
    int node_slots = 0;
    const std::vector<Step> steps =
        plan_steps(run, arcs, std::vector<std::uint32_t>(run.node_count(), 0), 0, node_slots);
    const int m = static_cast<int>(steps.size());
    ++budget.frontier_passes;
    if (links_only(steps, node_slots))
        return link_marginals(steps, result_of, memory_bytes, budget, out, &every_reached);
    every_reached = -1.0L;
    const int words = kKeyHeader + node_slots;
    StateTable current(words), next(words);
    PairTable pairs, next_pairs;  // (state << 32 | pattern)
    std::vector<std::vector<Request>> requests(m);
    std::vector<std::vector<std::uint32_t>> first(m);  // per level, each pair's first edge (and the end)
    std::vector<std::vector<Edge>> edges(m);
    std::vector<std::vector<long double>> outcome_weight(m);  // per level, each state outcome's probability
    std::vector<Outcome> outs;                                // the outcomes of the level's states
    std::vector<std::uint32_t> outs_first;                    // each state's first outcome (and the end)
    const std::size_t level_bytes = 2 * (current.bytes_per_state() + PairTable::bytes_per_pair());
    std::size_t held = 0;  // bytes of edges and requests over all levels
    std::vector<std::uint32_t> start(words, 0), base(words), work(words), scratch(words);
    current.add(start.data(), 1.0L);
    for (int l = 0; l < m; ++l) {
        const Step& step = steps[l];
        // The nodes entering at step l, pending from every state of the level.
        for (std::size_t e = 0; e < step.enter.size(); ++e) {
            const int result = result_of[step.enter_node[e]];
            if (result < 0) continue;
            for (std::size_t s = 0; s < current.size(); ++s) {
                const std::uint64_t pair = std::uint64_t{s} << 32 | std::uint32_t{1} << step.enter[e].first;
                requests[l].push_back({pairs.add(pair), result, current.weight(s)});
            }
        }
        // The states of reach alone, one step on, with their outcomes.
        next.clear();
        outs.reserve(2 * current.size());
        outs.clear();
        outs_first.clear();
        for (std::size_t s = 0; s < current.size(); ++s) {
            poll(budget);
            outs_first.push_back(static_cast<std::uint32_t>(outs.size()));
            const long double w = current.weight(s);
            outcomes(current.key(s), words, step, 1.0L, base, work,
                     [&](long double weight, std::uint32_t* after, bool live) {
                         if (live) take(after, step, nullptr);
                         const int to = leave(after, step) ? static_cast<int>(next.add(after, w * weight)) : -1;
                         outs.push_back({to, weight, live});
                     });
        }
        outs_first.push_back(static_cast<std::uint32_t>(outs.size()));
        outcome_weight[l].resize(outs.size());
        for (std::size_t o = 0; o < outs.size(); ++o) outcome_weight[l][o] = outs[o].weight;
        // The pairs of the level, one step on.
        next_pairs.clear();
        first[l].reserve(pairs.size() + 1);
        edges[l].reserve(2 * pairs.size());
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            poll(budget);
            first[l].push_back(static_cast<std::uint32_t>(edges[l].size()));
            const auto s = static_cast<std::uint32_t>(pairs.key(i) >> 32);
            const auto pattern = static_cast<std::uint32_t>(pairs.key(i));
            // The pattern when the arc is live, from the state's own rows: unchanged unless the
            // arc leads into it (y -> x too for a link).
            std::uint32_t live_pattern = pattern;
            bool reached = false;
            const std::uint32_t heads =
                std::uint32_t{1} << step.target_slot | (step.both_ways ? std::uint32_t{1} << step.source_slot : 0u);
            if (pattern & heads) {
                std::copy(current.key(s), current.key(s) + words, scratch.begin());
                for (const auto& [slot, sets] : step.enter) scratch[kKeyHeader + slot] = 0;
                scratch[0] |= step.enter_reached;
                reached = take(scratch.data(), step, &live_pattern) == Pending::reached;
            }
            for (std::uint32_t o = outs_first[s]; o < outs_first[s + 1]; ++o) {
                const Outcome& outcome = outs[o];
                if (outcome.live && reached) {
                    edges[l].push_back({Edge::kReached, o});
                    continue;
                }
                const std::uint32_t next_pattern = (outcome.live ? live_pattern : pattern) & ~step.leave_nodes;
                if (outcome.to < 0 || next_pattern == 0 || l + 1 == m) continue;  // lost (none after the last step)
                const std::uint64_t pair = static_cast<std::uint64_t>(outcome.to) << 32 | next_pattern;
                edges[l].push_back({static_cast<std::uint32_t>(next_pairs.add(pair)), o});
            }
        }
        first[l].push_back(static_cast<std::uint32_t>(edges[l].size()));
        held += edges[l].size() * sizeof(Edge) + first[l].size() * sizeof(std::uint32_t) +
                outcome_weight[l].size() * sizeof(long double) + requests[l].size() * sizeof(Request);
        if (held + (current.size() + next.size() + pairs.size() + next_pairs.size()) * level_bytes +
                outs.size() * sizeof(Outcome) >
            memory_bytes)
            return false;
        std::swap(current, next);
        std::swap(pairs, next_pairs);
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
                const long double weight = outcome_weight[l][edge.outcome];
                value += edge.to == Edge::kReached ? weight : weight * after[edge.to];
            }
            values[i] = value;
        }
        for (const Request& r : requests[l]) out[r.result] += r.weight * values[r.pair];
        std::swap(after, values);
        edges[l] = {};  // free as we go
        first[l] = {};
        outcome_weight[l] = {};
    }
    return true;
}

}  // namespace

bool reach_marginals(const exact::PrunedRun& run, const std::vector<int>& order, const std::vector<int>& targets,
                     std::size_t memory_bytes, exact::Budget& budget, std::vector<long double>& out,
                     long double& every_reached) {
    out.assign(targets.size(), 0.0L);
    std::vector<int> result_of(run.node_count(), -1);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (targets[i] == 0)
            out[i] = 1.0L;  // the adversary reaches itself
        else
            result_of[targets[i]] = static_cast<int>(i);
    }
    // A node is in one part only: its probability is that part's. The parts' worlds are
    // independent: every node is reached with the product of the parts' probabilities.
    every_reached = 1.0L;
    for (const auto& part : independent_parts(run, order)) {
        long double part_every = -1.0L;
        if (!part_marginals(run, part, result_of, memory_bytes, budget, out, part_every)) return false;
        every_reached = part_every < 0.0L || every_reached < 0.0L ? -1.0L : every_reached * part_every;
    }
    return true;
}

}  // namespace datareach::frontier
