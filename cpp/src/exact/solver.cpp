// The factoring solver (see solver.hpp and the method in datareach/exact.hpp): after every
// conditioning step, the certain and possible reach bound each output; settled outputs leave
// the recursion, and the residual problem's key finds equal sub-problems in the memo.
#include "solver.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "datareach/errors.hpp"
#include "memo.hpp"

namespace datareach::exact {
namespace {

enum class Kind : std::uint8_t {
    store,
    region,
    probability,
    expected_share,
    composite_probability,
    composite_expected_share
};

struct Output {
    Kind kind;
    int cls;    // local class (store, region, prob, expect) or local composite (cprob, cexpect)
    int first;  // store: index in the class's stores; region: offset into region_stores
    int count;  // region: number of stores
};

struct RunClass {
    ClassIndex global;
    int group;                    // local filter group
    std::vector<int> store_node;  // local node, -1 when never reachable
    std::vector<double> share;
    std::vector<NodeIndex> store_global;
    int probability_out = -1, expected_share_out = -1;
    std::vector<int> store_out;                   // per store, or -1
    std::vector<std::vector<int>> store_regions;  // per store: its region outputs
    std::vector<int> composites;                  // local composites containing the class
};

struct RunComposite {
    ClassIndex global;
    std::vector<int> atoms;  // local classes
    int probability_out = -1, expected_share_out = -1;
};

struct RegionOut {
    int cls;
    std::int32_t region;
    int out;
};

class Solver {
public:
    Solver(const CompiledGraph& graph, const RunPlan& plan, const PrunedRun& run, int run_index, bool places,
           Budget& budget)
        : run_(run), budget_(budget), memo_(budget.options->memo_bytes) {
        arcs_ = static_cast<int>(run.arc_count());
        nodes_ = static_cast<int>(run.node_count());
        variables_ = static_cast<int>(run.var_count());
        groups_ = run.groups;
        const auto& run_groups = plan.groups[run_index];
        std::vector<int> local_group(graph.filter_group_count(), -1);
        for (int group = 0; group < groups_; ++group) local_group[run_groups[group]] = group;
        std::unordered_map<NodeIndex, int> node_local;
        for (int v = 0; v < nodes_; ++v) node_local.emplace(run.node_global[v], v);

        const auto& stores = graph.presence_stores();
        const auto& shares = graph.presence_shares();
        std::map<ClassIndex, int> class_local;
        for (ClassIndex d : plan.classes[run_index]) {
            RunClass run_class;
            run_class.global = d;
            run_class.group = local_group[graph.filter_group_of(d)];
            for (auto it = stores.begin(d); it != stores.end(d); ++it) {
                auto f = node_local.find(*it);
                run_class.store_node.push_back(f == node_local.end() ? -1 : f->second);
                run_class.share.push_back(shares[static_cast<std::size_t>(it - stores.values.data())]);
                run_class.store_global.push_back(*it);
            }
            class_local[d] = static_cast<int>(classes_.size());
            classes_.push_back(std::move(run_class));
        }
        for (ClassIndex c : plan.composites[run_index]) {
            RunComposite comp;
            comp.global = c;
            for (auto it = graph.class_atoms().begin(c); it != graph.class_atoms().end(c); ++it) {
                comp.atoms.push_back(class_local.at(*it));
                classes_[comp.atoms.back()].composites.push_back(static_cast<int>(composites_.size()));
            }
            composites_.push_back(std::move(comp));
        }
        // Outputs.
        auto add = [&](Kind kind, int cls, int first = 0, int count = 0) {
            outputs_.push_back({kind, cls, first, count});
            return static_cast<int>(outputs_.size()) - 1;
        };
        for (int d = 0; d < static_cast<int>(classes_.size()); ++d) {
            auto& run_class = classes_[d];
            run_class.probability_out = add(Kind::probability, d);
            run_class.expected_share_out = add(Kind::expected_share, d);
            const int k = static_cast<int>(run_class.store_node.size());
            run_class.store_out.assign(k, -1);
            run_class.store_regions.assign(k, {});
            if (!places) continue;
            for (int i = 0; i < k; ++i) run_class.store_out[i] = add(Kind::store, d, i);
            std::map<std::int32_t, std::vector<int>> by_region;
            for (int i = 0; i < k; ++i)
                for (std::int32_t r = graph.node_region(run_class.store_global[i]); r != -1;
                     r = graph.region_parent()[r])
                    by_region[r].push_back(i);
            for (auto& [r, members] : by_region) {
                const int first = static_cast<int>(region_stores_.size());
                region_stores_.insert(region_stores_.end(), members.begin(), members.end());
                const int o = add(Kind::region, d, first, static_cast<int>(members.size()));
                regions_.push_back({d, r, o});
                for (int i : members) run_class.store_regions[i].push_back(o);
            }
        }
        for (int c = 0; c < static_cast<int>(composites_.size()); ++c) {
            composites_[c].probability_out = add(Kind::composite_probability, c);
            composites_[c].expected_share_out = add(Kind::composite_expected_share, c);
        }
        const int outs = static_cast<int>(outputs_.size());

        // Workspace.
        unfixed_.assign(arcs_, 0);
        dead_.assign(arcs_, 0);
        for (int a = 0; a < arcs_; ++a) unfixed_[a] = run.arc_var_offsets[a + 1] - run.arc_var_offsets[a];
        fixed_.assign(variables_, 0);
        certain_mark_.assign(static_cast<std::size_t>(groups_) * nodes_, 0);
        possible_mark_.assign(static_cast<std::size_t>(groups_) * nodes_, 0);
        matters_mark_.assign(static_cast<std::size_t>(groups_) * nodes_, 0);
        queue_.resize(nodes_ + 1);
        closure_queue_.resize(nodes_ + 1);
        interesting_.assign(nodes_, 0);
        visited_.assign(nodes_, 0);
        closure_at_.assign(nodes_, 0);
        closure_first_.assign(nodes_, 0);
        closure_len_.assign(nodes_, 0);
        closure_.reserve(static_cast<std::size_t>(nodes_) * 4);
        const int nc = static_cast<int>(classes_.size());
        share_low_.assign(nc, 0.0);
        share_high_.assign(nc, 0.0);
        certainly_exposed_.assign(nc, 0);
        possibly_exposed_.assign(nc, 0);
        share_matters_.assign(nc, 0);
        active_mark_.assign(outs, 0);
        open_arcs_.resize(groups_);
        for (auto& r : open_arcs_) r.reserve(arcs_);
        const int depth = variables_ + 2;
        active_.resize(depth);
        for (auto& a : active_) a.reserve(outs);
        keys_.resize(depth);
        results_.assign(static_cast<std::size_t>(depth) * outs, 0.0L);
        active_[0].resize(outs);
        std::iota(active_[0].begin(), active_[0].end(), 0);
        memo_scratch_.reserve(outs);
    }

    void solve() { step(0); }

    long double result(int out) const { return results_[out]; }
    const std::vector<RunClass>& classes() const { return classes_; }
    const std::vector<RunComposite>& composites() const { return composites_; }
    const std::vector<RegionOut>& regions() const { return regions_; }

private:
    std::uint8_t admits(int group, int a) const { return run_.admits[static_cast<std::size_t>(group) * arcs_ + a]; }
    bool in_certain(int group, int v) const {
        return certain_mark_[static_cast<std::size_t>(group) * nodes_ + v] == stamp_;
    }
    bool in_possible(int group, int v) const {
        return possible_mark_[static_cast<std::size_t>(group) * nodes_ + v] == stamp_;
    }

    void assign(int x, bool up) {
        fixed_[x] = 1;
        for (int i = run_.var_arc_offsets[x]; i < run_.var_arc_offsets[x + 1]; ++i) {
            const int a = run_.var_arcs[i];
            --unfixed_[a];
            if (!up) ++dead_[a];
        }
    }
    void unassign(int x, bool up) {
        fixed_[x] = 0;
        for (int i = run_.var_arc_offsets[x]; i < run_.var_arc_offsets[x + 1]; ++i) {
            const int a = run_.var_arcs[i];
            ++unfixed_[a];
            if (!up) --dead_[a];
        }
    }

    // Certain and possible reach of every filter group from the adversary (local node 0).
    void compute_reach() {
        for (int group = 0; group < groups_; ++group) {
            for (int pass = 0; pass < 2; ++pass) {
                auto* mark = (pass == 0 ? certain_mark_.data() : possible_mark_.data()) +
                             static_cast<std::size_t>(group) * nodes_;
                int head = 0, tail = 0;
                queue_[tail++] = 0;
                mark[0] = stamp_;
                while (head < tail) {
                    const int v = queue_[head++];
                    for (int i = run_.out_offsets[v]; i < run_.out_offsets[v + 1]; ++i) {
                        const int a = run_.out_arcs[i];
                        const int t = run_.target[a];
                        if (mark[t] == stamp_ || !admits(group, a) || dead_[a]) continue;
                        if (pass == 0 && unfixed_[a]) continue;
                        mark[t] = stamp_;
                        queue_[tail++] = t;
                    }
                }
            }
        }
    }

    void class_bounds() {
        for (int d = 0; d < static_cast<int>(classes_.size()); ++d) {
            const auto& run_class = classes_[d];
            double lo = 0.0, hi = 0.0;
            for (std::size_t i = 0; i < run_class.store_node.size(); ++i) {
                const int v = run_class.store_node[i];
                if (v < 0 || !in_possible(run_class.group, v)) continue;
                hi = std::max(hi, run_class.share[i]);
                if (in_certain(run_class.group, v)) lo = std::max(lo, run_class.share[i]);
            }
            share_low_[d] = lo;
            share_high_[d] = hi;
            certainly_exposed_[d] = lo > 0.0;
            possibly_exposed_[d] = hi > 0.0;
        }
    }

    // Lower and upper bound of an output in the current state.
    std::pair<double, double> bounds(const Output& o) const {
        switch (o.kind) {
            case Kind::store: {
                const auto& run_class = classes_[o.cls];
                const int v = run_class.store_node[o.first];
                if (v < 0) return {0.0, 0.0};
                return {in_certain(run_class.group, v) ? 1.0 : 0.0, in_possible(run_class.group, v) ? 1.0 : 0.0};
            }
            case Kind::region: {
                const auto& run_class = classes_[o.cls];
                double lo = 0.0, hi = 0.0;
                for (int j = o.first; j < o.first + o.count; ++j) {
                    const int v = run_class.store_node[region_stores_[j]];
                    if (v < 0) continue;
                    if (in_certain(run_class.group, v)) return {1.0, 1.0};
                    if (in_possible(run_class.group, v)) hi = 1.0;
                }
                return {lo, hi};
            }
            case Kind::probability:
                return {certainly_exposed_[o.cls] ? 1.0 : 0.0, possibly_exposed_[o.cls] ? 1.0 : 0.0};
            case Kind::expected_share: return {share_low_[o.cls], share_high_[o.cls]};
            case Kind::composite_probability: {
                bool lo = true, hi = true;
                for (int d : composites_[o.cls].atoms) {
                    lo = lo && certainly_exposed_[d];
                    hi = hi && possibly_exposed_[d];
                }
                return {lo ? 1.0 : 0.0, hi ? 1.0 : 0.0};
            }
            case Kind::composite_expected_share: {
                double lo = std::numeric_limits<double>::infinity(), hi = lo;
                for (int d : composites_[o.cls].atoms) {
                    lo = std::min(lo, share_low_[d]);
                    hi = std::min(hi, share_high_[d]);
                }
                return {lo, hi};
            }
        }
        return {0.0, 0.0};
    }

    // Marks the stores unsettled outputs depend on, finds the arcs that can still change
    // them, writes the memo key of the residual problem into `key`, and returns the variable
    // to branch on (-1 if none: cannot happen while an output is unsettled).
    int residual(const std::vector<int>& active, std::vector<std::uint32_t>& key) {
        key.clear();
        key.push_back(static_cast<std::uint32_t>(active.size()));
        for (int o : active) {
            active_mark_[o] = stamp_;
            key.push_back(static_cast<std::uint32_t>(o));
        }
        const int nc = static_cast<int>(classes_.size());
        for (int d = 0; d < nc; ++d) {
            const auto& run_class = classes_[d];
            bool need = active_mark_[run_class.expected_share_out] == stamp_;
            for (int c : run_class.composites)
                need = need || active_mark_[composites_[c].probability_out] == stamp_ ||
                       active_mark_[composites_[c].expected_share_out] == stamp_;
            share_matters_[d] = need;
            // The current lower bound of X_d when it still matters (a share in [0, 1] never
            // has the all-ones bit pattern used otherwise).
            std::uint64_t bits = ~std::uint64_t{0};
            if (need) std::memcpy(&bits, &share_low_[d], sizeof bits);
            key.push_back(static_cast<std::uint32_t>(bits));
            key.push_back(static_cast<std::uint32_t>(bits >> 32));
        }
        int best = std::numeric_limits<int>::max();
        for (int group = 0; group < groups_; ++group) {
            auto* bmark = matters_mark_.data() + static_cast<std::size_t>(group) * nodes_;
            int tail = 0;
            // Seeds: unsettled stores some active output depends on.
            for (int d = 0; d < nc; ++d) {
                const auto& run_class = classes_[d];
                if (run_class.group != group) continue;
                const bool prob_active = active_mark_[run_class.probability_out] == stamp_;
                for (std::size_t i = 0; i < run_class.store_node.size(); ++i) {
                    const int v = run_class.store_node[i];
                    if (v < 0 || !in_possible(group, v) || in_certain(group, v) || bmark[v] == stamp_) continue;
                    bool relevant = prob_active || (share_matters_[d] && run_class.share[i] > share_low_[d]) ||
                                    (run_class.store_out[i] >= 0 && active_mark_[run_class.store_out[i]] == stamp_);
                    for (std::size_t j = 0; !relevant && j < run_class.store_regions[i].size(); ++j)
                        relevant = active_mark_[run_class.store_regions[i][j]] == stamp_;
                    if (!relevant) continue;
                    bmark[v] = stamp_;
                    queue_[tail++] = v;
                }
            }
            const int seeds = tail;
            auto& rel = open_arcs_[group];
            rel.clear();
            for (int head = 0; head < tail; ++head) {
                const int v = queue_[head];
                if (in_certain(group, v)) continue;  // arcs into the certain reach never matter
                for (int i = run_.in_offsets[v]; i < run_.in_offsets[v + 1]; ++i) {
                    const int a = run_.in_arcs[i];
                    const int u = run_.source[a];
                    if (!admits(group, a) || dead_[a] || !in_possible(group, u)) continue;
                    rel.push_back(a);
                    if (bmark[u] != stamp_) {
                        bmark[u] = stamp_;
                        queue_[tail++] = u;
                    }
                }
            }
            std::sort(rel.begin(), rel.end());
            // The key of this filter group: the open arcs that matter, each with its unfixed
            // variables and whether it leaves the certain reach, and, for its target, the
            // nodes that matter (sources of those arcs, stores seeded above) that the target
            // reaches over certain arcs. Certain arcs enter the key only through these
            // closures, so states that differ in how the certain part is wired but not in
            // what it connects share one entry (the partitions of frontier-based methods).
            const std::uint64_t mark = ++key_stamp_;
            for (int i = 0; i < seeds; ++i) interesting_[queue_[i]] = mark;
            for (int a : rel)
                if (unfixed_[a]) interesting_[run_.source[a]] = mark;
            // Per filter group: the number of spelled-out arcs (filled in below), the bitset of
            // untouched arcs (every variable unfixed, leaving a node outside the certain
            // reach, whose target reaches no other node that matters over certain arcs: most
            // of the residual graph), then each other open arc that matters.
            const std::size_t count_at = key.size();
            key.push_back(0);
            const std::size_t bitset_at = key.size();
            key.resize(key.size() + static_cast<std::size_t>((arcs_ + 31) / 32), 0);
            std::uint32_t spelled = 0;
            const std::uint64_t closure_mark = ++key_stamp_;
            for (int a : rel) {
                if (!unfixed_[a]) continue;
                const int first_var = run_.arc_var_offsets[a], vars = run_.arc_var_offsets[a + 1] - first_var;
                for (int i = 0; i < vars; ++i)
                    if (!fixed_[run_.arc_vars[first_var + i]]) best = std::min(best, run_.arc_vars[first_var + i]);
                const int t = run_.target[a];
                if (closure_at_[t] != closure_mark) {
                    closure_at_[t] = closure_mark;
                    closure_first_[t] = static_cast<int>(closure_.size());
                    certain_closure(group, t, mark);
                    closure_len_[t] = static_cast<int>(closure_.size()) - closure_first_[t];
                }
                const bool leaves_c = in_certain(group, run_.source[a]);
                if (unfixed_[a] == vars && !leaves_c && closure_len_[t] == 1 && closure_[closure_first_[t]] == t) {
                    key[bitset_at + static_cast<std::size_t>(a) / 32] |= std::uint32_t{1} << (a % 32);
                    continue;
                }
                ++spelled;
                key.push_back((static_cast<std::uint32_t>(a) << 1) | (leaves_c ? 1u : 0u));
                std::uint32_t bits = 0;  // which of the arc's variables are unfixed
                int bit = 0;
                for (int i = 0; i < vars; ++i) {
                    if (!fixed_[run_.arc_vars[first_var + i]]) bits |= std::uint32_t{1} << bit;
                    if (++bit == 32) {
                        key.push_back(bits);
                        bits = 0;
                        bit = 0;
                    }
                }
                if (bit) key.push_back(bits);
                key.push_back(static_cast<std::uint32_t>(closure_len_[t]));
                for (int i = 0; i < closure_len_[t]; ++i)
                    key.push_back(static_cast<std::uint32_t>(closure_[closure_first_[t] + i]));
            }
            key[count_at] = spelled;
            closure_.clear();
        }
        return best == std::numeric_limits<int>::max() ? -1 : best;
    }

    // Appends to closure_ the nodes marked `interesting` that t reaches over certain arcs of
    // the group outside the certain reach (t included), sorted.
    void certain_closure(int group, int t, std::uint64_t interesting) {
        const std::size_t first = closure_.size();
        const std::uint64_t seen = ++key_stamp_;
        int head = 0, tail = 0;
        closure_queue_[tail++] = t;
        visited_[t] = seen;
        while (head < tail) {
            const int v = closure_queue_[head++];
            if (interesting_[v] == interesting) closure_.push_back(v);
            for (int i = run_.out_offsets[v]; i < run_.out_offsets[v + 1]; ++i) {
                const int a = run_.out_arcs[i];
                const int w = run_.target[a];
                if (visited_[w] == seen || unfixed_[a] || dead_[a] || !admits(group, a) || in_certain(group, w))
                    continue;
                visited_[w] = seen;
                closure_queue_[tail++] = w;
            }
        }
        std::sort(closure_.begin() + static_cast<std::ptrdiff_t>(first), closure_.end());
    }

    void count_step() {
        ++budget_.steps;
        if (budget_.max_steps && budget_.steps > budget_.max_steps)
            throw ModelError("exact method: more than " + std::to_string(budget_.max_steps) +
                             " factoring steps needed for adversary #" + std::to_string(budget_.adversary_row) + " (" +
                             std::to_string(variables_) + " random variables after pruning); use method='monte_carlo'");
        if (budget_.steps % kCheckEvery == 1) {  // the first step, then every kCheckEvery
            const auto& opt = *budget_.options;
            if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) throw ExactCancelled();
            if (opt.progress && !opt.progress(budget_.runs_done, budget_.runs_total)) throw ExactCancelled();
        }
    }

    void step(int k) {
        count_step();
        if (++stamp_ == 0) {  // wrapped: clear every mark once
            std::fill(certain_mark_.begin(), certain_mark_.end(), 0);
            std::fill(possible_mark_.begin(), possible_mark_.end(), 0);
            std::fill(matters_mark_.begin(), matters_mark_.end(), 0);
            std::fill(active_mark_.begin(), active_mark_.end(), 0);
            stamp_ = 1;
        }
        compute_reach();
        class_bounds();
        const auto& in = active_[k];
        auto& out = active_[k + 1];
        out.clear();
        const std::size_t outs = outputs_.size();
        long double* r = results_.data() + static_cast<std::size_t>(k) * outs;
        for (int o : in) {
            const auto [lo, hi] = bounds(outputs_[o]);
            if (lo == hi)
                r[o] = lo;
            else
                out.push_back(o);
        }
        if (out.empty()) return;

        auto& key = keys_[k];
        const int x = residual(out, key);
        if (x < 0) throw std::logic_error("exact method: unsettled output without a variable to branch on");
        const std::uint64_t h = Memo::hash(key);
        if (const long double* v = memo_.find(key, h)) {
            ++budget_.memo_hits;
            for (std::size_t i = 0; i < out.size(); ++i) r[out[i]] = v[i];
            return;
        }
        const long double p = run_.var_p[x];
        const long double* child = results_.data() + static_cast<std::size_t>(k + 1) * outs;
        assign(x, true);
        step(k + 1);
        unassign(x, true);
        for (int o : out) r[o] = p * child[o];
        assign(x, false);
        step(k + 1);
        unassign(x, false);
        for (int o : out) r[o] += (1.0L - p) * child[o];

        auto& values = memo_scratch_;
        values.clear();
        for (int o : out) values.push_back(r[o]);
        if (!memo_.insert(key, h, values.data(), values.size())) ++budget_.memo_restarts;
        ++budget_.memo_entries;
    }

    const PrunedRun& run_;
    Budget& budget_;
    int arcs_ = 0, nodes_ = 0, variables_ = 0, groups_ = 0;
    std::vector<RunClass> classes_;
    std::vector<RunComposite> composites_;
    std::vector<RegionOut> regions_;
    std::vector<int> region_stores_;
    std::vector<Output> outputs_;

    std::vector<int> unfixed_, dead_;  // per arc: its variables not fixed yet / fixed down
    std::vector<std::uint8_t> fixed_;  // per variable
    std::uint64_t stamp_ = 0;          // the current step's marks
    // groups x nodes: certainly / possibly reached, can still change an active output;
    // per output: active in this step.
    std::vector<std::uint64_t> certain_mark_, possible_mark_, matters_mark_, active_mark_;
    std::vector<int> queue_, closure_queue_;
    std::uint64_t key_stamp_ = 0;  // fresh marks for the key's closures
    std::vector<std::uint64_t> interesting_, visited_, closure_at_;
    std::vector<int> closure_first_, closure_len_, closure_;
    std::vector<double> share_low_, share_high_;  // per class: bounds of X in this step
    std::vector<std::uint8_t> certainly_exposed_, possibly_exposed_, share_matters_;
    std::vector<std::vector<int>> open_arcs_;       // per group: the arcs that can still matter
    std::vector<std::vector<int>> active_;          // per depth: the unsettled outputs
    std::vector<std::vector<std::uint32_t>> keys_;  // per depth: the memo key of the residual problem
    std::vector<long double> results_;              // depth x outputs: the values found at that depth

    Memo memo_;
    std::vector<long double> memo_scratch_;
};

}  // namespace

RunScores solve_run(const CompiledGraph& graph, const RunPlan& plan, const PrunedRun& run, int run_index, bool places,
                    Budget& budget) {
    Solver solver(graph, plan, run, run_index, places, budget);
    solver.solve();
    RunScores scores;
    for (const auto& run_class : solver.classes()) {
        scores.classes.push_back({run_class.global, static_cast<double>(solver.result(run_class.probability_out)),
                                  static_cast<double>(solver.result(run_class.expected_share_out))});
        for (std::size_t s = 0; s < run_class.store_out.size(); ++s)
            if (run_class.store_out[s] >= 0)
                scores.stores.push_back({run_class.global, run_class.store_global[s],
                                         static_cast<double>(solver.result(run_class.store_out[s]))});
    }
    for (const auto& composite : solver.composites())
        scores.classes.push_back({composite.global, static_cast<double>(solver.result(composite.probability_out)),
                                  static_cast<double>(solver.result(composite.expected_share_out))});
    for (const auto& region : solver.regions())
        scores.regions.push_back(
            {solver.classes()[region.cls].global, region.region, static_cast<double>(solver.result(region.out))});
    return scores;
}

}  // namespace datareach::exact
