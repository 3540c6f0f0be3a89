// The frontier search (see frontier.hpp). Arcs are processed in the order of ordering.hpp;
// the state after a prefix is what the rest of the order can still use (state.hpp):
//  - which frontier nodes are reached from the adversary, and which target sets are;
//  - for each unreached frontier node, the frontier nodes it reaches over processed live
//    arcs (a relation, not a partition: arcs are directed) and the target sets it reaches;
//  - the values of the shared variables still needed by a later arc.
// A world whose reach covers every target set is added to the answer and dropped; so is one
// that can no longer cover them: no reached frontier node once the adversary has left the
// frontier, or an uncovered set that no unreached frontier node reaches and no target still
// to come holds. A variable used by one arc of the pass is summed out on that arc; a shared
// one is branched on at its first arc and forgotten after its last (the two arcs of a link
// are one step, steps.hpp). States are canonical (rows of reached and free slots empty,
// reached slots and covered sets in no row, a row that reaches every uncovered set only that,
// closed sets merged by pattern and renumbered), so equal futures merge. A pass whose arcs
// fall into independent parts (parts.hpp) searches each part alone; every single-node target
// of a run comes from one sweep (marginals.hpp).
#include "frontier.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "datareach/errors.hpp"
#include "links.hpp"
#include "marginals.hpp"
#include "ordering.hpp"
#include "parts.hpp"
#include "steps.hpp"

namespace datareach::frontier {
namespace {

// A row of a state: the node slots and target sets a frontier node reaches. Narrow rows (one
// target set) are one word with the set in bit 31; wide rows two words.
template <bool Wide>
struct Rows {
    std::uint32_t* at;
    std::uint32_t nodes(int s) const { return Wide ? at[2 * s] : at[s] & 0x7FFFFFFFu; }
    std::uint32_t sets(int s) const { return Wide ? at[2 * s + 1] : at[s] >> 31; }
    void set(int s, std::uint32_t nodes, std::uint32_t sets) const {
        if (Wide) {
            at[2 * s] = nodes;
            at[2 * s + 1] = sets;
        } else {
            at[s] = nodes | (sets << 31);
        }
    }
};

// The arc from slot sx to slot sy is live in the state `key`: update reach. Returns true when
// every target set is reached (the world is then counted and dropped).
template <bool Wide>
bool take_arc(std::uint32_t* key, const Step& step, int sx, int sy, std::uint32_t all) {
    std::uint32_t& reached = key[0];
    std::uint32_t& covered = key[1];
    const Rows<Wide> rows{key + kKeyHeader};
    const std::uint32_t bx = std::uint32_t{1} << sx, by = std::uint32_t{1} << sy;
    if (reached & by) return false;  // nothing new behind y
    const std::uint32_t ny = rows.nodes(sy), ky = rows.sets(sy);
    if (reached & bx) {
        covered |= ky;
        if (covered == all) return true;
        const std::uint32_t newly = by | ny, need = all & ~covered;
        reached |= newly;
        for (std::uint32_t rest = step.occupied; rest; rest &= rest - 1) {
            const int s = __builtin_ctz(rest);
            if (newly >> s & 1) {
                rows.set(s, 0, 0);
                continue;
            }
            const std::uint32_t k = rows.sets(s) & need;
            rows.set(s, (k == need) ? 0u : rows.nodes(s) & ~newly, k);
        }
        return false;
    }
    if (sx == sy) return false;
    const std::uint32_t need = all & ~covered, add = by | ny;
    for (std::uint32_t rest = step.occupied & ~reached; rest; rest &= rest - 1) {
        const int s = __builtin_ctz(rest);
        if (s != sx && !(rows.nodes(s) & bx)) continue;
        const std::uint32_t k = rows.sets(s) | ky;
        rows.set(s, (k == need) ? 0u : (rows.nodes(s) | add) & ~(std::uint32_t{1} << s), k);
    }
    return false;
}

// The step's arc (both of a link) is live in the state `key`; true when every set is reached.
template <bool Wide>
bool take_step(std::uint32_t* key, const Step& step, std::uint32_t all) {
    if (take_arc<Wide>(key, step, step.source_slot, step.target_slot, all)) return true;
    return step.both_ways && take_arc<Wide>(key, step, step.target_slot, step.source_slot, all);
}

// The uncovered sets `closed` have no node left to meet: each is now only the frontier nodes
// that reach it (its pattern: a node of it still on the frontier reaches itself), and it is
// covered as soon as one of them is reached. Patterns only grow together (a live arc x -> y
// adds the nodes reaching x to every pattern holding y) and shrink together (a node leaving
// leaves them all), so when a closed set's pattern lies within another uncovered set's, that
// one is covered whenever the closed one is, and is dropped: marked covered. In the
// all-terminal shape this is what merges states: the pattern of a node that has left is the
// frontier part of its component, which holds an unreached frontier node whose own set has a
// pattern no larger. Which closed set is which no longer matters either, so the kept ones are
// written back in a canonical form, sorted by pattern onto the lowest bits of `closed_bits`
// (every closed set; those left over are marked covered). False when a closed pattern is
// empty: that set can no longer be covered.
bool merge_closed_sets(std::uint32_t* key, std::uint32_t unreached, std::uint32_t closed_bits, std::uint32_t all) {
    const Rows<true> rows{key + kKeyHeader};
    const std::uint32_t uncovered = all & ~key[1];
    std::uint32_t pattern[kMaxTargetSets] = {};
    std::uint32_t patterned = 0;  // the uncovered sets with a non-empty pattern
    for (std::uint32_t r = unreached; r; r &= r - 1) {
        const int s = __builtin_ctz(r);
        const std::uint32_t sets = rows.sets(s) & uncovered;
        patterned |= sets;
        for (std::uint32_t k = sets; k; k &= k - 1) pattern[__builtin_ctz(k)] |= std::uint32_t{1} << s;
    }
    const std::uint32_t closed = closed_bits & uncovered;
    if (closed & ~patterned) return false;
    std::uint32_t drop = 0;
    for (std::uint32_t rest = patterned; rest; rest &= rest - 1) {
        const int a = __builtin_ctz(rest);
        for (std::uint32_t others = closed & ~drop & ~(std::uint32_t{1} << a); others; others &= others - 1) {
            const int b = __builtin_ctz(others);
            if ((pattern[b] & ~pattern[a]) == 0) {
                drop |= std::uint32_t{1} << a;
                break;
            }
        }
    }
    std::uint32_t kept[kMaxTargetSets];
    int count = 0;
    for (std::uint32_t rest = closed & ~drop; rest; rest &= rest - 1) kept[count++] = pattern[__builtin_ctz(rest)];
    std::sort(kept, kept + count);
    const std::uint32_t rewritten = closed | drop;
    for (std::uint32_t r = unreached; r; r &= r - 1) {
        const int s = __builtin_ctz(r);
        rows.set(s, rows.nodes(s), rows.sets(s) & ~rewritten);
    }
    key[1] |= rewritten | closed_bits;
    std::uint32_t rest = closed_bits;
    for (int t = 0; t < count; ++t, rest &= rest - 1) {
        const std::uint32_t bit = rest & (~rest + 1);
        key[1] &= ~bit;
        for (std::uint32_t r = kept[t]; r; r &= r - 1) {
            const int s = __builtin_ctz(r);
            rows.set(s, rows.nodes(s), rows.sets(s) | bit);
        }
    }
    // A row that now reaches every uncovered set is only that (as in take_arc).
    const std::uint32_t need = all & ~key[1];
    for (std::uint32_t r = unreached; r; r &= r - 1) {
        const int s = __builtin_ctz(r);
        if (rows.sets(s) == need) rows.set(s, 0, need);
    }
    return true;
}

// Forgets what leaves after the step; false when the state can no longer cover every set.
// `reshaped`: the closed sets' patterns may have changed since the state was last merged.
template <bool Wide>
bool leave(std::uint32_t* key, const Step& step, std::uint32_t all, bool reshaped) {
    const Rows<Wide> rows{key + kKeyHeader};
    const std::uint32_t staying = step.occupied & ~step.leave_nodes;
    if (step.leave_nodes) {
        for (std::uint32_t rest = step.leave_nodes; rest; rest &= rest - 1) rows.set(__builtin_ctz(rest), 0, 0);
        key[0] &= ~step.leave_nodes;
        for (std::uint32_t rest = staying; rest; rest &= rest - 1) {
            const int s = __builtin_ctz(rest);
            rows.set(s, rows.nodes(s) & ~step.leave_nodes, rows.sets(s));
        }
    }
    if (step.leave_vars) {
        key[2] &= ~static_cast<std::uint32_t>(step.leave_vars);
        key[3] &= ~static_cast<std::uint32_t>(step.leave_vars >> 32);
    }
    if (step.adversary_met && key[0] == 0) return false;
    if (Wide && reshaped && (step.sets_closed & ~key[1]) &&
        !merge_closed_sets(key, staying & ~key[0], step.sets_closed, all))
        return false;
    std::uint32_t can = step.sets_to_come | key[1];
    for (std::uint32_t rest = staying & ~key[0]; rest; rest &= rest - 1) can |= rows.sets(__builtin_ctz(rest));
    return can == all;
}

template <bool Wide>
long double search(const std::vector<Step>& steps, int words, std::uint32_t all, std::uint32_t covered_at_start,
                   std::size_t memory_bytes, exact::Budget& budget) {
    StateTable current(words), next(words);
    // Two levels are held at once.
    const std::size_t max_states = std::max<std::size_t>(1024, memory_bytes / (2 * current.bytes_per_state()));
    std::vector<std::uint32_t> start(words, 0), base(words), work(words);
    start[1] = covered_at_start;
    current.add(start.data(), 1.0L);
    long double done = 0.0L;
    std::uint32_t closed_before = 0;
    for (const Step& step : steps) {
        next.clear();
        // A dead arc changes no pattern: its states stay merged unless nodes come or go or
        // more sets close here.
        const bool reshaping = step.leave_nodes || !step.enter.empty() || step.sets_closed != closed_before;
        closed_before = step.sets_closed;
        for (std::size_t s = 0; s < current.size(); ++s) {
            poll(budget);
            std::copy(current.key(s), current.key(s) + words, base.begin());
            const Rows<Wide> rows{base.data() + kKeyHeader};
            for (const auto& [slot, sets] : step.enter) rows.set(slot, 0, sets & ~base[1]);
            base[0] |= step.enter_reached;
            const std::uint64_t values = base[2] | (std::uint64_t{base[3]} << 32);
            for_each_outcome(step, values, current.weight(s),
                             [&](std::uint64_t combined, bool live, long double weight) {
                                 std::copy(base.begin(), base.end(), work.begin());
                                 work[2] = static_cast<std::uint32_t>(combined);
                                 work[3] = static_cast<std::uint32_t>(combined >> 32);
                                 if (live && take_step<Wide>(work.data(), step, all))
                                     done += weight;
                                 else if (leave<Wide>(work.data(), step, all, live || reshaping))
                                     next.add(work.data(), weight);
                             });
        }
        std::swap(current, next);
        budget.frontier_peak_states = std::max<std::uint64_t>(budget.frontier_peak_states, current.size());
        if (current.size() > max_states) throw FrontierTooLarge(max_states);
        if (current.size() == 0) break;
    }
    return done;
}

// The probability that the adversary reaches a node of every one of the `set_count` sets
// (`sets_of[v]`: the sets node v is in) over the arcs `arcs`: one frontier search.
long double search_arcs(const exact::PrunedRun& run, const std::vector<int>& arcs,
                        const std::vector<std::uint32_t>& sets_of, int set_count, std::uint32_t covered_at_start,
                        std::size_t memory_bytes, exact::Budget& budget) {
    const std::uint32_t all = set_count == 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << set_count) - 1;
    if (covered_at_start == all) return 1.0L;
    if (arcs.empty()) return 0.0L;
    int node_slots = 0;
    const std::vector<Step> steps = plan_steps(run, arcs, sets_of, set_count, node_slots);
    ++budget.frontier_passes;
    if (covered_at_start == 0 && links_only(steps, node_slots) && single_node_sets(steps, set_count))
        return search_links(steps, memory_bytes, budget);
    if (set_count == 1)
        return search<false>(steps, kKeyHeader + node_slots, all, covered_at_start, memory_bytes, budget);
    return search<true>(steps, kKeyHeader + 2 * node_slots, all, covered_at_start, memory_bytes, budget);
}

}  // namespace

bool frontier_applies(const CompiledGraph& graph, const exact::RunPlan& plan, int run_index) {
    if (plan.groups[run_index].size() != 1) return false;
    for (ClassIndex c : plan.composites[run_index])
        if (graph.class_atoms().size(c) > static_cast<std::size_t>(kMaxTargetSets)) return false;
    return true;
}

int frontier_width(const CompiledGraph& graph, const exact::RunPlan& plan, int run_index, const exact::PrunedRun& run) {
    std::vector<std::vector<std::vector<int>>> families;
    if (!plan.composites[run_index].empty()) {
        std::unordered_map<NodeIndex, int> node_local;
        for (int v = 0; v < static_cast<int>(run.node_count()); ++v) node_local.emplace(run.node_global[v], v);
        for (ClassIndex c : plan.composites[run_index]) {
            auto& family = families.emplace_back();
            for (ClassIndex d : graph.class_atoms().row(c)) {
                auto& atom = family.emplace_back();
                for (NodeIndex store : graph.presence_stores().row(d)) {
                    const auto f = node_local.find(store);
                    if (f != node_local.end()) atom.push_back(f->second);
                }
            }
        }
    }
    // The widest of the independent parts, those that a composite's atom spans joined.
    std::vector<std::vector<int>> joins;
    for (const auto& family : families) joins.insert(joins.end(), family.begin(), family.end());
    int width = 0;
    for (const auto& part : independent_parts(run, arc_order(run), joins))
        width = std::max(width, frontier_shape(run, part, families).width);
    return width;
}

long double reach_probability(const exact::PrunedRun& run, const std::vector<int>& order,
                              const std::vector<std::vector<int>>& target_sets, std::size_t memory_bytes,
                              exact::Budget& budget) {
    const int n = static_cast<int>(run.node_count());
    const int set_count = static_cast<int>(target_sets.size());
    if (set_count == 0) return 1.0L;
    if (set_count > kMaxTargetSets) throw std::logic_error("frontier method: too many target sets");
    const std::uint32_t all = set_count == 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << set_count) - 1;
    std::vector<std::uint32_t> sets_of(n, 0);
    for (int j = 0; j < set_count; ++j) {
        if (target_sets[j].empty()) return 0.0L;
        for (int v : target_sets[j]) sets_of[v] |= std::uint32_t{1} << j;
    }
    const std::uint32_t covered_at_start = sets_of[0];  // the adversary holds them
    if (covered_at_start == all) return 1.0L;
    // Only arcs into a node that can reach a target matter, and none leaving a node that
    // covers every set.
    std::vector<std::uint8_t> useful(n, 0);
    std::vector<int> queue;
    for (int v = 0; v < n; ++v)
        if (sets_of[v]) {
            useful[v] = 1;
            queue.push_back(v);
        }
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const int v = queue[head];
        for (int i = run.in_offsets[v]; i < run.in_offsets[v + 1]; ++i) {
            const int u = run.source[run.in_arcs[i]];
            if (!useful[u]) {
                useful[u] = 1;
                queue.push_back(u);
            }
        }
    }
    std::vector<int> arcs;
    for (int a : order)
        if (useful[run.target[a]] && (sets_of[run.source[a]] | covered_at_start) != all) arcs.push_back(a);

    // Independent parts (parts.hpp) are searched apart. With one target set, it is reached
    // when it is reached through any part: P = 1 - prod(1 - P_i). With several, the parts an
    // uncovered set spans are one search, and every set must be covered: P = prod P_g, each
    // group over the sets it holds.
    if (set_count == 1) {
        // Accumulated as p + p_i (1 - p): no 1 - (1 - p) that would lose a small p.
        long double p = 0.0L;
        const auto parts = independent_parts(run, arcs);
        if (parts.size() > 1) ++budget.frontier_split_passes;
        for (const auto& part : parts)
            p += search_arcs(run, part, sets_of, 1, covered_at_start, memory_bytes, budget) * (1.0L - p);
        return p;
    }
    std::vector<std::vector<int>> uncovered;
    for (int j = 0; j < set_count; ++j)
        if (!(covered_at_start >> j & 1)) uncovered.push_back(target_sets[j]);
    std::uint32_t held = 0;  // the uncovered sets with a node in some part
    long double p = 1.0L;
    std::vector<std::uint32_t> part_sets_of(n);
    std::vector<std::uint8_t> met(n);
    const auto parts = independent_parts(run, arcs, uncovered);
    if (parts.size() > 1) ++budget.frontier_split_passes;
    for (const auto& part : parts) {
        std::fill(met.begin(), met.end(), 0);
        for (int a : part) met[run.source[a]] = met[run.target[a]] = 1;
        // The uncovered sets this part holds, renumbered from 0 in the order of their index.
        std::uint32_t here = 0;
        for (int v = 0; v < n; ++v)
            if (met[v]) here |= sets_of[v] & ~covered_at_start;
        if (!here) continue;  // it only leads to the adversary's own sets
        held |= here;
        std::fill(part_sets_of.begin(), part_sets_of.end(), 0);
        int part_set_count = 0;
        for (int j = 0; j < set_count; ++j) {
            if (!(here >> j & 1)) continue;
            for (int v : target_sets[j])
                if (met[v]) part_sets_of[v] |= std::uint32_t{1} << part_set_count;
            ++part_set_count;
        }
        p *= search_arcs(run, part, part_sets_of, part_set_count, 0, memory_bytes, budget);
        if (p == 0.0L) return 0.0L;
    }
    return held == (all & ~covered_at_start) ? p : 0.0L;
}

exact::RunScores solve_frontier(const CompiledGraph& graph, const exact::RunPlan& plan, const exact::PrunedRun& run,
                                int run_index, bool places, exact::Budget& budget) {
    ++budget.frontier_runs;
    const std::vector<int> order = arc_order(run);
    std::unordered_map<NodeIndex, int> node_local;
    for (int v = 0; v < static_cast<int>(run.node_count()); ++v) node_local.emplace(run.node_global[v], v);

    // Passes with equal families of target sets are run once.
    std::map<std::vector<std::vector<int>>, long double> passes;
    auto probability = [&](std::vector<std::vector<int>> family) {
        for (auto& targets : family) {
            std::sort(targets.begin(), targets.end());
            targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
            if (targets.empty()) return 0.0L;
        }
        std::sort(family.begin(), family.end());
        family.erase(std::unique(family.begin(), family.end()), family.end());
        auto found = passes.find(family);
        if (found != passes.end()) return found->second;
        const long double p = reach_probability(run, order, family, budget.options->frontier_bytes, budget);
        passes.emplace(std::move(family), p);
        return p;
    };

    // Per atomic class: its stores in the run (local node, -1 outside it), shares, model ids.
    struct Stores {
        std::vector<int> node;
        std::vector<double> share;
        std::vector<NodeIndex> global;
        // The stores reached at share >= s.
        std::vector<int> at_least(double s) const {
            std::vector<int> out;
            for (std::size_t i = 0; i < node.size(); ++i)
                if (node[i] >= 0 && share[i] >= s) out.push_back(node[i]);
            return out;
        }
    };
    std::map<ClassIndex, Stores> stores_of;
    const auto& stores = graph.presence_stores();
    const auto& shares = graph.presence_shares();
    for (ClassIndex d : plan.classes[run_index]) {
        Stores& st = stores_of[d];
        for (auto it = stores.begin(d); it != stores.end(d); ++it) {
            const auto f = node_local.find(*it);
            st.node.push_back(f == node_local.end() ? -1 : f->second);
            st.share.push_back(shares[static_cast<std::size_t>(it - stores.values.data())]);
            st.global.push_back(*it);
        }
    }
    // P(X > 0) and E[X] of a class whose parts are `atoms` (itself when atomic): X >= s iff
    // every part reaches a store of share >= s, so with the share levels s_1 > s_2 > ...,
    // E[X] = sum over k of (s_k - s_{k+1}) P(X >= s_k) and P(X > 0) = P(X >= the lowest).
    auto score = [&](ClassIndex c, const std::vector<ClassIndex>& atoms) {
        std::vector<double> levels;
        for (ClassIndex d : atoms) {
            const Stores& st = stores_of.at(d);
            for (std::size_t i = 0; i < st.node.size(); ++i)
                if (st.node[i] >= 0) levels.push_back(st.share[i]);
        }
        std::sort(levels.begin(), levels.end(), std::greater<>());
        levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
        long double expected = 0.0L, exposed = 0.0L;
        for (std::size_t k = 0; k < levels.size(); ++k) {
            std::vector<std::vector<int>> family;
            for (ClassIndex d : atoms) family.push_back(stores_of.at(d).at_least(levels[k]));
            exposed = probability(std::move(family));
            const double below = k + 1 < levels.size() ? levels[k + 1] : 0.0;
            expected += (static_cast<long double>(levels[k]) - below) * exposed;
        }
        return exact::RunScores::ClassScore{c, static_cast<double>(exposed), static_cast<double>(expected)};
    };

    // The single-node passes asked for below (every store's row; a class level held at one
    // node), when there are several, in one sweep (marginals.hpp) instead of one pass each.
    std::vector<int> singles;
    for (ClassIndex d : plan.classes[run_index]) {
        const Stores& st = stores_of.at(d);
        for (std::size_t i = 0; i < st.node.size(); ++i) {
            if (st.node[i] < 0) continue;
            std::vector<int> level = st.at_least(st.share[i]);
            std::sort(level.begin(), level.end());
            level.erase(std::unique(level.begin(), level.end()), level.end());
            if (places || level.size() == 1) singles.push_back(places ? st.node[i] : level[0]);
        }
    }
    std::sort(singles.begin(), singles.end());
    singles.erase(std::unique(singles.begin(), singles.end()), singles.end());
    std::vector<long double> marginals;
    long double every_reached = -1.0L;
    if (singles.size() >= 2 &&
        reach_marginals(run, order, singles, budget.options->frontier_bytes, budget, marginals, every_reached)) {
        for (std::size_t i = 0; i < singles.size(); ++i)
            passes.emplace(std::vector<std::vector<int>>{{singles[i]}}, marginals[i]);
        // The all-terminal family (every node but the adversary a target set of its own), when
        // the sweep counted it along: what a composite of every store's own class asks.
        if (every_reached >= 0.0L) {
            std::vector<std::vector<int>> every;
            for (int v : singles)
                if (v != 0) every.push_back({v});
            passes.emplace(std::move(every), every_reached);
        }
    }

    exact::RunScores scores;
    for (ClassIndex d : plan.classes[run_index]) {
        scores.classes.push_back(score(d, {d}));
        if (!places) continue;
        const Stores& st = stores_of.at(d);
        std::map<std::int32_t, std::vector<int>> by_region;
        for (std::size_t i = 0; i < st.node.size(); ++i) {
            const long double p = st.node[i] >= 0 ? probability({{st.node[i]}}) : 0.0L;
            scores.stores.push_back({d, st.global[i], static_cast<double>(p)});
            for (std::int32_t r = graph.node_region(st.global[i]); r != -1; r = graph.region_parent()[r])
                if (st.node[i] >= 0)
                    by_region[r].push_back(st.node[i]);
                else
                    by_region[r];  // a row of its own, even when none of its stores is reachable
        }
        for (auto& [region, targets] : by_region)
            scores.regions.push_back({d, region, static_cast<double>(probability({targets}))});
    }
    for (ClassIndex c : plan.composites[run_index]) {
        const auto row = graph.class_atoms().row(c);
        scores.classes.push_back(score(c, std::vector<ClassIndex>(row.begin(), row.end())));
    }
    return scores;
}

}  // namespace datareach::frontier
