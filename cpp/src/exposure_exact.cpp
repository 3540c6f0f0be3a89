// The exact engine: pruning, factoring with per-step pruning, memoised sub-problems.
// See exposure_exact.hpp for the method.
#include "datareach/exposure_exact.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

#include "datareach/errors.hpp"

namespace datareach {
namespace {

constexpr std::uint64_t kCheckEvery = 4096;    // steps between cancel / progress checks
constexpr std::int64_t kMaxVariables = 20000;  // recursion depth bound (one level per variable)

// ---------------------------------------------------------------------------------------
// The adversary-independent plan: which atomic classes share a factoring run.
// ---------------------------------------------------------------------------------------

struct Plan {
    // Profiles: atomic classes (with stores) admitted by exactly the same arcs.
    std::vector<int> profile_of;          // per class; -1 for composites / no stores
    std::vector<ClassIndex> profile_rep;  // a representative class per profile
    std::vector<std::vector<ClassIndex>> profile_classes;
    // Runs: unions of profiles, joined by composites.
    std::vector<std::vector<int>> run_profiles;
    std::vector<std::vector<ClassIndex>> run_classes;     // atomic, sorted
    std::vector<std::vector<ClassIndex>> run_composites;  // composites whose atoms all have stores
};

int find_root(std::vector<int>& parent, int x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

Plan make_plan(const CompiledGraph& g) {
    const auto classes = static_cast<ClassIndex>(g.class_count());
    const auto& stores = g.presence_stores();
    const auto& atoms = g.class_atoms();
    auto has_stores = [&](ClassIndex d) { return !g.is_composite(d) && stores.size(d) > 0; };

    // Signature of a class: the filtered arcs that admit it (unfiltered arcs admit all).
    std::vector<std::vector<ArcIndex>> signature(classes);
    const auto& filters = g.arc_classes();
    for (ArcIndex a = 0; a < static_cast<ArcIndex>(g.arc_count()); ++a)
        for (auto it = filters.begin(a); it != filters.end(a); ++it)
            if (has_stores(*it)) signature[*it].push_back(a);

    Plan plan;
    plan.profile_of.assign(classes, -1);
    std::map<std::vector<ArcIndex>, int> profile_ids;
    for (ClassIndex d = 0; d < classes; ++d) {
        if (!has_stores(d)) continue;
        auto [it, fresh] = profile_ids.emplace(std::move(signature[d]), static_cast<int>(plan.profile_rep.size()));
        if (fresh) {
            plan.profile_rep.push_back(d);
            plan.profile_classes.emplace_back();
        }
        plan.profile_of[d] = it->second;
        plan.profile_classes[it->second].push_back(d);
    }
    const int profiles = static_cast<int>(plan.profile_rep.size());
    std::vector<int> parent(profiles);
    std::iota(parent.begin(), parent.end(), 0);
    std::vector<ClassIndex> composites;
    for (ClassIndex c = 0; c < classes; ++c) {
        if (!g.is_composite(c) || atoms.size(c) == 0) continue;
        bool complete = true;
        for (auto it = atoms.begin(c); it != atoms.end(c); ++it) complete = complete && has_stores(*it);
        if (!complete) continue;  // some part is held nowhere: X_c = 0 in every world
        composites.push_back(c);
        const int first = find_root(parent, plan.profile_of[*atoms.begin(c)]);
        for (auto it = atoms.begin(c); it != atoms.end(c); ++it)
            parent[find_root(parent, plan.profile_of[*it])] = first;
    }
    std::vector<int> run_of_root(profiles, -1);
    std::vector<int> run_of_profile(profiles);
    for (int p = 0; p < profiles; ++p) {
        const int root = find_root(parent, p);
        if (run_of_root[root] < 0) {
            run_of_root[root] = static_cast<int>(plan.run_profiles.size());
            plan.run_profiles.emplace_back();
            plan.run_classes.emplace_back();
            plan.run_composites.emplace_back();
        }
        run_of_profile[p] = run_of_root[root];
        plan.run_profiles[run_of_profile[p]].push_back(p);
    }
    for (ClassIndex d = 0; d < classes; ++d)
        if (plan.profile_of[d] >= 0) plan.run_classes[run_of_profile[plan.profile_of[d]]].push_back(d);
    for (ClassIndex c : composites) plan.run_composites[run_of_profile[plan.profile_of[*atoms.begin(c)]]].push_back(c);
    return plan;
}

// ---------------------------------------------------------------------------------------
// One run's pruned problem, in local indices (node 0 is the adversary).
// ---------------------------------------------------------------------------------------

struct Local {
    std::vector<NodeIndex> node_global;
    std::vector<ArcIndex> arc_global;
    std::vector<int> src, dst;
    std::vector<int> out_off, out_arc, in_off, in_arc;
    std::vector<int> avar_off, avar;  // each arc's variables, ascending (= branching order)
    std::vector<int> varc_off, varc;  // each variable's arcs
    std::vector<double> var_p;
    std::vector<std::int64_t> var_global;  // event e: e; coin of arc a: event_count + a
    int profiles = 0;                      // local profiles (the run's, in plan order)
    bool truncated = false;                // build_local stopped early: see `counted`
    std::int64_t counted = 0;              // variables found before stopping (if truncated)
    std::vector<std::uint8_t> admits;      // profiles x arcs: the arc can matter for the profile
    std::size_t arc_count() const { return src.size(); }
    std::size_t node_count() const { return node_global.size(); }
    std::size_t var_count() const { return var_p.size(); }
};

// Reverse CSR of the compiled graph, and scratch arrays over global indices.
struct Globals {
    std::vector<ArcIndex> in_off;
    std::vector<ArcIndex> in_arc;
    std::vector<double> live;  // live probability of every arc
    std::vector<std::uint32_t> fmark, bmark;
    std::uint32_t stamp = 0;
    std::vector<int> node_local, event_local;
    std::vector<NodeIndex> queue;
    std::size_t event_count = 0;

    explicit Globals(const CompiledGraph& g) {
        const std::size_t n = g.node_count(), m = g.arc_count();
        in_off.assign(n + 1, 0);
        for (std::size_t a = 0; a < m; ++a) ++in_off[g.arc_target(static_cast<ArcIndex>(a)) + 1];
        std::partial_sum(in_off.begin(), in_off.end(), in_off.begin());
        in_arc.resize(m);
        auto cursor = in_off;
        for (std::size_t a = 0; a < m; ++a)
            in_arc[cursor[g.arc_target(static_cast<ArcIndex>(a))]++] = static_cast<ArcIndex>(a);
        live.resize(m);
        for (std::size_t a = 0; a < m; ++a) live[a] = g.arc_live_probability(static_cast<ArcIndex>(a));
        fmark.assign(n, 0);
        bmark.assign(n, 0);
        node_local.assign(n, -1);
        event_local.assign(g.event_count(), -1);
        event_count = g.event_count();
        queue.reserve(n);
    }
    // Marks for counting distinct variables while pruning.
    std::vector<std::uint32_t> arc_mark, event_mark;
    std::uint32_t variable_stamp = 0;
    std::uint32_t next_variable_stamp() {
        if (arc_mark.empty()) {
            arc_mark.assign(live.size(), 0);
            event_mark.assign(event_count, 0);
        }
        if (++variable_stamp == 0) {
            std::fill(arc_mark.begin(), arc_mark.end(), 0);
            std::fill(event_mark.begin(), event_mark.end(), 0);
            variable_stamp = 1;
        }
        return variable_stamp;
    }
    std::uint32_t next_stamp() {
        if (++stamp == 0) {
            std::fill(fmark.begin(), fmark.end(), 0);
            std::fill(bmark.begin(), bmark.end(), 0);
            stamp = 1;
        }
        return stamp;
    }
};

bool open_p(double p) { return p > 0.0 && p < 1.0; }

// Series-parallel reduction of arcs that are one coin each (no uncertain event):
//  - parallel: such arcs u -> v admitting the same profiles become one arc with
//    p = 1 - prod(1 - p_i);
//  - series: a node that holds nothing of the run, with one arc in (u -> v) and one out
//    (v -> w), both single coins, becomes one arc u -> w with p = p1 * p2 admitting the
//    profiles both admit (dropped when that is none or u == w).
// Every world of the merged coins maps to the same reach of the nodes that remain, so the
// scores are unchanged; fewer variables remain to factor on.
template <class Work>
void reduce_series_parallel(std::vector<Work>& work, std::vector<std::uint8_t>& adm, int P,
                            const std::vector<std::uint8_t>& holds) {
    const int n = static_cast<int>(holds.size());
    auto row = [&](int w) { return adm.data() + static_cast<std::size_t>(w) * P; };
    std::vector<int> order, indeg(n), outdeg(n), in_of(n), out_of(n);
    std::vector<std::uint8_t> dirty(n);
    for (bool changed = true; changed;) {
        changed = false;
        // Parallel.
        order.clear();
        for (int w = 0; w < static_cast<int>(work.size()); ++w)
            if (work[w].alive && work[w].pure) order.push_back(w);
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            if (work[a].src != work[b].src) return work[a].src < work[b].src;
            if (work[a].dst != work[b].dst) return work[a].dst < work[b].dst;
            const int c = std::memcmp(row(a), row(b), static_cast<std::size_t>(P));
            return c != 0 ? c < 0 : a < b;
        });
        for (std::size_t i = 0; i < order.size();) {
            std::size_t j = i + 1;
            const int a = order[i];
            while (j < order.size() && work[order[j]].src == work[a].src && work[order[j]].dst == work[a].dst &&
                   std::memcmp(row(order[j]), row(a), static_cast<std::size_t>(P)) == 0)
                ++j;
            if (j - i > 1) {
                double fail = 1.0;
                for (std::size_t k = i; k < j; ++k) {
                    fail *= 1.0 - work[order[k]].p;
                    work[order[k]].alive = false;
                }
                std::vector<std::uint8_t> keep(row(a), row(a) + P);
                work.push_back({work[a].src, work[a].dst, 1.0 - fail, -1, true, true});
                adm.insert(adm.end(), keep.begin(), keep.end());
                changed = true;
            }
            i = j;
        }
        // Series.
        std::fill(indeg.begin(), indeg.end(), 0);
        std::fill(outdeg.begin(), outdeg.end(), 0);
        std::fill(dirty.begin(), dirty.end(), 0);
        for (int w = 0; w < static_cast<int>(work.size()); ++w) {
            if (!work[w].alive) continue;
            ++outdeg[work[w].src];
            out_of[work[w].src] = w;
            ++indeg[work[w].dst];
            in_of[work[w].dst] = w;
        }
        for (int v = 1; v < n; ++v) {  // never the adversary (local node 0)
            if (holds[v] || dirty[v] || indeg[v] != 1 || outdeg[v] != 1) continue;
            const int a = in_of[v], b = out_of[v];
            if (!work[a].pure || !work[b].pure) continue;
            const int u = work[a].src, t = work[b].dst;
            if (dirty[u] || dirty[t]) continue;
            std::vector<std::uint8_t> both(static_cast<std::size_t>(P));
            bool any = false;
            for (int lp = 0; lp < P; ++lp) any |= (both[lp] = row(a)[lp] & row(b)[lp]) != 0;
            work[a].alive = work[b].alive = false;
            indeg[v] = outdeg[v] = 0;
            changed = true;
            if (!any || u == t) {
                --outdeg[u];
                --indeg[t];
                dirty[u] = dirty[t] = 1;  // their single arcs are no longer known this pass
                continue;
            }
            const double p = work[a].p * work[b].p;
            work.push_back({u, t, p, -1, true, true});
            adm.insert(adm.end(), both.begin(), both.end());
            out_of[u] = static_cast<int>(work.size()) - 1;
            in_of[t] = static_cast<int>(work.size()) - 1;
        }
    }
}

// The pruned (and reduced) problem of one run. When more than `stop_above` (>= 0) random
// variables are found before any reduction, stops early and returns a Local with only
// `truncated` and `counted` set: such a run is too large anyway, and huge models are
// recognised without building their whole pruned graph.
Local build_local(const CompiledGraph& g, const Plan& plan, Globals& gl, NodeIndex adversary, int run,
                  std::int64_t stop_above = -1) {
    const auto& profiles = plan.run_profiles[run];
    const auto& stores = g.presence_stores();
    std::vector<std::pair<ArcIndex, int>> relevant;  // (global arc, local profile)
    const std::uint32_t vs = gl.next_variable_stamp();
    std::int64_t counted = 0;
    auto count_arc = [&](ArcIndex a) {
        if (gl.arc_mark[a] == vs) return;
        gl.arc_mark[a] = vs;
        if (open_p(g.arc_p(a))) ++counted;
        for (auto it = g.arc_requires().begin(a); it != g.arc_requires().end(a); ++it)
            if (open_p(g.event_p(*it)) && gl.event_mark[*it] != vs) {
                gl.event_mark[*it] = vs;
                ++counted;
            }
    };

    for (int lp = 0; lp < static_cast<int>(profiles.size()); ++lp) {
        const ClassIndex rep = plan.profile_rep[profiles[lp]];
        auto usable = [&](ArcIndex a) { return gl.live[a] > 0.0 && g.admits(a, rep); };
        // Forward: possibly reachable from the adversary.
        const std::uint32_t fs = gl.next_stamp();
        gl.queue.clear();
        gl.queue.push_back(adversary);
        gl.fmark[adversary] = fs;
        for (std::size_t head = 0; head < gl.queue.size(); ++head) {
            const NodeIndex v = gl.queue[head];
            for (ArcIndex a = g.out_begin(v); a < g.out_end(v); ++a) {
                const NodeIndex t = g.arc_target(a);
                if (gl.fmark[t] == fs || !usable(a)) continue;
                gl.fmark[t] = fs;
                gl.queue.push_back(t);
            }
        }
        // Backward from the stores of the profile's classes, within the forward set; arcs
        // into the adversary never matter (it is reached already).
        const std::uint32_t bs = fs;  // bmark uses its own array with the same stamp
        gl.queue.clear();
        for (ClassIndex d : plan.profile_classes[profiles[lp]])
            for (auto it = stores.begin(d); it != stores.end(d); ++it)
                if (gl.fmark[*it] == fs && gl.bmark[*it] != bs) {
                    gl.bmark[*it] = bs;
                    gl.queue.push_back(*it);
                }
        for (std::size_t head = 0; head < gl.queue.size(); ++head) {
            const NodeIndex v = gl.queue[head];
            if (v == adversary) continue;
            for (ArcIndex i = gl.in_off[v]; i < gl.in_off[v + 1]; ++i) {
                const ArcIndex a = gl.in_arc[i];
                const NodeIndex u = g.arc_source(a);
                if (gl.fmark[u] != fs || !usable(a)) continue;
                relevant.emplace_back(a, lp);
                if (stop_above >= 0) {
                    count_arc(a);
                    if (counted > stop_above) {
                        Local stub;
                        stub.truncated = true;
                        stub.counted = counted;
                        return stub;
                    }
                }
                if (gl.bmark[u] != bs) {
                    gl.bmark[u] = bs;
                    gl.queue.push_back(u);
                }
            }
        }
    }

    Local L;
    L.profiles = static_cast<int>(profiles.size());
    const int P = L.profiles;
    L.node_global.push_back(adversary);
    gl.node_local[adversary] = 0;
    auto& arc_global = L.arc_global;

    // The relevant arcs as working arcs, to be reduced before factoring.
    struct Work {
        int src, dst;
        double p;         // the coin (for a merged arc: of the merged coins)
        ArcIndex origin;  // the compiled arc, or -1 for an arc made by a reduction
        bool pure;        // no event with 0 < p < 1: the arc is one coin
        bool alive;
    };
    std::vector<Work> work;
    std::vector<std::uint8_t> adm;  // work arcs x profiles
    std::sort(relevant.begin(), relevant.end());
    for (const auto& [a, lp] : relevant) {
        if (arc_global.empty() || arc_global.back() != a) {
            arc_global.push_back(a);
            for (NodeIndex v : {g.arc_source(a), g.arc_target(a)})
                if (gl.node_local[v] < 0) {
                    gl.node_local[v] = static_cast<int>(L.node_global.size());
                    L.node_global.push_back(v);
                }
            bool pure = true;
            for (auto it = g.arc_requires().begin(a); it != g.arc_requires().end(a); ++it)
                pure = pure && !open_p(g.event_p(*it));
            const int from = gl.node_local[g.arc_source(a)], to = gl.node_local[g.arc_target(a)];
            work.push_back({from, to, g.arc_p(a), a, pure, from != to});  // a loop never matters
            adm.resize(adm.size() + static_cast<std::size_t>(P), 0);
        }
        adm[(work.size() - 1) * static_cast<std::size_t>(P) + static_cast<std::size_t>(lp)] = 1;
    }
    const int n = static_cast<int>(L.node_global.size());
    // Nodes that hold a class of the run: their own reach matters, so no series reduction.
    std::vector<std::uint8_t> holds(n, 0);
    for (ClassIndex d : plan.run_classes[run])
        for (auto it = stores.begin(d); it != stores.end(d); ++it)
            if (gl.node_local[*it] >= 0) holds[gl.node_local[*it]] = 1;
    reduce_series_parallel(work, adm, P, holds);

    // Compact the surviving arcs.
    std::vector<int> work_of;
    for (int w = 0; w < static_cast<int>(work.size()); ++w)
        if (work[w].alive) work_of.push_back(w);
    const int m = static_cast<int>(work_of.size());
    L.admits.assign(static_cast<std::size_t>(P) * m, 0);
    for (int a = 0; a < m; ++a) {
        const auto& w = work[work_of[a]];
        L.src.push_back(w.src);
        L.dst.push_back(w.dst);
        for (int lp = 0; lp < P; ++lp)
            L.admits[static_cast<std::size_t>(lp) * m + a] = adm[static_cast<std::size_t>(work_of[a]) * P + lp];
    }

    // CSR both ways.
    L.out_off.assign(n + 1, 0);
    L.in_off.assign(n + 1, 0);
    for (int a = 0; a < m; ++a) {
        ++L.out_off[L.src[a] + 1];
        ++L.in_off[L.dst[a] + 1];
    }
    std::partial_sum(L.out_off.begin(), L.out_off.end(), L.out_off.begin());
    std::partial_sum(L.in_off.begin(), L.in_off.end(), L.in_off.begin());
    L.out_arc.resize(m);
    L.in_arc.resize(m);
    {
        auto oc = L.out_off, ic = L.in_off;
        for (int a = 0; a < m; ++a) {
            L.out_arc[oc[L.src[a]]++] = a;
            L.in_arc[ic[L.dst[a]]++] = a;
        }
    }

    // Variables in the order they are branched on: per arc its events, then its coin.
    std::vector<std::vector<int>> arc_vars(m);
    auto add_var = [&](double p, std::int64_t global) {
        L.var_p.push_back(p);
        L.var_global.push_back(global);
        return static_cast<int>(L.var_p.size()) - 1;
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
            const auto& req = g.arc_requires();
            for (auto it = req.begin(w.origin); it != req.end(w.origin); ++it) {
                const int e = *it;
                if (!open_p(g.event_p(e))) continue;
                if (gl.event_local[e] < 0) gl.event_local[e] = add_var(g.event_p(e), e);
                arc_vars[a].push_back(gl.event_local[e]);
            }
        }
        if (open_p(w.p))
            arc_vars[a].push_back(
                add_var(w.p, w.origin >= 0 ? static_cast<std::int64_t>(g.event_count()) + w.origin : -1 - made++));
    };
    // Nodes ranked breadth-first from the adversary; an arc is decided when the later of its
    // two ends comes up, so that both arcs between two nodes are decided together and a node
    // leaves the frontier of the recursion as soon as possible.
    std::vector<int> rank(n, n);
    rank[0] = 0;
    for (std::size_t head = 0; head < bfs.size(); ++head) {
        const int v = bfs[head];
        for (int i = L.out_off[v]; i < L.out_off[v + 1]; ++i) {
            const int t = L.dst[L.out_arc[i]];
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
        const int ha = std::max(rank[L.src[a]], rank[L.dst[a]]), hb = std::max(rank[L.src[b]], rank[L.dst[b]]);
        if (ha != hb) return ha < hb;
        const int la = std::min(rank[L.src[a]], rank[L.dst[a]]), lb = std::min(rank[L.src[b]], rank[L.dst[b]]);
        return la != lb ? la < lb : a < b;
    });
    for (int a : arc_order) visit_arc(a);
    L.avar_off.assign(m + 1, 0);
    for (int a = 0; a < m; ++a) {
        auto& vs = arc_vars[a];
        std::sort(vs.begin(), vs.end());
        vs.erase(std::unique(vs.begin(), vs.end()), vs.end());  // an event listed twice
        L.avar_off[a + 1] = L.avar_off[a] + static_cast<int>(vs.size());
        L.avar.insert(L.avar.end(), vs.begin(), vs.end());
    }
    const int nv = static_cast<int>(L.var_p.size());
    L.varc_off.assign(nv + 1, 0);
    for (int x : L.avar) ++L.varc_off[x + 1];
    std::partial_sum(L.varc_off.begin(), L.varc_off.end(), L.varc_off.begin());
    L.varc.resize(L.avar.size());
    {
        auto vc = L.varc_off;
        for (int a = 0; a < m; ++a)
            for (int i = L.avar_off[a]; i < L.avar_off[a + 1]; ++i) L.varc[vc[L.avar[i]]++] = a;
    }

    // Reset the global scratch.
    for (NodeIndex v : L.node_global) gl.node_local[v] = -1;
    for (std::int64_t x : L.var_global)
        if (x >= 0 && x < static_cast<std::int64_t>(g.event_count())) gl.event_local[x] = -1;
    return L;
}

// ---------------------------------------------------------------------------------------
// The factoring solver of one run.
// ---------------------------------------------------------------------------------------

enum class Kind : std::uint8_t { store, region, prob, expect, cprob, cexpect };

struct Output {
    Kind kind;
    int cls;    // local class (store, region, prob, expect) or local composite (cprob, cexpect)
    int first;  // store: index in the class's stores; region: offset into region_stores
    int count;  // region: number of stores
};

struct RunClass {
    ClassIndex global;
    int profile;                  // local profile
    std::vector<int> store_node;  // local node, -1 when never reachable
    std::vector<double> share;
    std::vector<NodeIndex> store_global;
    int prob_out = -1, expect_out = -1;
    std::vector<int> store_out;                   // per store, or -1
    std::vector<std::vector<int>> store_regions;  // per store: its region outputs
    std::vector<int> composites;                  // local composites containing the class
};

struct RunComposite {
    ClassIndex global;
    std::vector<int> atoms;  // local classes
    int prob_out = -1, expect_out = -1;
};

struct RegionOut {
    int cls;
    std::int32_t region;
    int out;
};

// Memoised sub-problems: keys (32-bit words) and values in two arenas, an open-addressing
// index over them. When the memory limit is reached the memo starts afresh (the sub-problems
// of the current frontier are the ones reused, and they are found again quickly) rather than
// refusing new entries, so running out of memo slows the recursion down gracefully.
class Memo {
public:
    explicit Memo(std::size_t limit_bytes) : limit_(limit_bytes) {}

    static std::uint64_t hash(const std::vector<std::uint32_t>& key) {
        std::uint64_t h = 0x84222325CBF29CE4ull ^ key.size();
        for (std::uint32_t w : key) h = mix_keys(h, w);
        return h | 1;  // 0 marks an empty slot
    }

    const long double* find(const std::vector<std::uint32_t>& key, std::uint64_t h) const {
        if (slots_.empty()) return nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot& slot = slots_[i];
            if (slot.hash == 0) return nullptr;
            if (slot.hash == h && slot.key_len == key.size() &&
                std::equal(key.begin(), key.end(), keys_.begin() + static_cast<std::ptrdiff_t>(slot.key_at)))
                return values_.data() + slot.values_at;
        }
    }

    // Returns false when the memo was full and has been cleared (the entry is then stored
    // in the fresh memo).
    bool insert(const std::vector<std::uint32_t>& key, std::uint64_t h, const long double* values, std::size_t count) {
        bool kept = true;
        const std::size_t need = (keys_.size() + key.size()) * sizeof(std::uint32_t) +
                                 (values_.size() + count) * sizeof(long double) +
                                 std::max<std::size_t>(slots_.size(), 2 * (entries_ + 1)) * 2 * sizeof(Slot);
        if (need > limit_ && entries_ > 0) {
            clear();
            kept = false;
        }
        if (2 * (entries_ + 1) > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = h & mask;
        while (slots_[i].hash != 0) i = (i + 1) & mask;
        slots_[i] = {h, keys_.size(), static_cast<std::uint32_t>(key.size()), values_.size()};
        keys_.insert(keys_.end(), key.begin(), key.end());
        values_.insert(values_.end(), values, values + count);
        ++entries_;
        return kept;
    }

    void clear() {
        std::fill(slots_.begin(), slots_.end(), Slot{});
        keys_.clear();
        values_.clear();
        entries_ = 0;
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        std::size_t key_at = 0;
        std::uint32_t key_len = 0;
        std::size_t values_at = 0;
    };
    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(1024, slots_.size() * 2));
        old.swap(slots_);
        const std::size_t mask = slots_.size() - 1;
        for (const Slot& slot : old) {
            if (slot.hash == 0) continue;
            std::size_t i = slot.hash & mask;
            while (slots_[i].hash != 0) i = (i + 1) & mask;
            slots_[i] = slot;
        }
    }

    std::size_t limit_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> keys_;
    std::vector<long double> values_;
    std::size_t entries_ = 0;
};

struct Budget {
    std::uint64_t steps = 0;
    std::uint64_t max_steps = 0;
    std::size_t adversary_row = 0;
    std::uint64_t runs_done = 0, runs_total = 0;
    std::uint64_t memo_hits = 0, memo_entries = 0, memo_restarts = 0;
    const ExactOptions* options = nullptr;
};

class Solver {
public:
    Solver(const CompiledGraph& g, const Plan& plan, const Local& L, int run, bool places, Budget& budget)
        : L_(L), budget_(budget), memo_(budget.options->memo_bytes) {
        m_ = static_cast<int>(L.arc_count());
        n_ = static_cast<int>(L.node_count());
        nv_ = static_cast<int>(L.var_count());
        P_ = L.profiles;
        const auto& run_profiles = plan.run_profiles[run];
        std::vector<int> local_profile(plan.profile_rep.size(), -1);
        for (int lp = 0; lp < P_; ++lp) local_profile[run_profiles[lp]] = lp;
        std::unordered_map<NodeIndex, int> node_local;
        for (int v = 0; v < n_; ++v) node_local.emplace(L.node_global[v], v);

        const auto& stores = g.presence_stores();
        const auto& shares = g.presence_shares();
        std::map<ClassIndex, int> class_local;
        for (ClassIndex d : plan.run_classes[run]) {
            RunClass rc;
            rc.global = d;
            rc.profile = local_profile[plan.profile_of[d]];
            for (auto it = stores.begin(d); it != stores.end(d); ++it) {
                auto f = node_local.find(*it);
                rc.store_node.push_back(f == node_local.end() ? -1 : f->second);
                rc.share.push_back(shares[static_cast<std::size_t>(it - stores.values.data())]);
                rc.store_global.push_back(*it);
            }
            class_local[d] = static_cast<int>(classes_.size());
            classes_.push_back(std::move(rc));
        }
        for (ClassIndex c : plan.run_composites[run]) {
            RunComposite comp;
            comp.global = c;
            for (auto it = g.class_atoms().begin(c); it != g.class_atoms().end(c); ++it) {
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
            auto& rc = classes_[d];
            rc.prob_out = add(Kind::prob, d);
            rc.expect_out = add(Kind::expect, d);
            const int k = static_cast<int>(rc.store_node.size());
            rc.store_out.assign(k, -1);
            rc.store_regions.assign(k, {});
            if (!places) continue;
            for (int i = 0; i < k; ++i) rc.store_out[i] = add(Kind::store, d, i);
            std::map<std::int32_t, std::vector<int>> by_region;
            for (int i = 0; i < k; ++i)
                for (std::int32_t r = g.node_region(rc.store_global[i]); r != -1; r = g.region_parent()[r])
                    by_region[r].push_back(i);
            for (auto& [r, members] : by_region) {
                const int first = static_cast<int>(region_stores_.size());
                region_stores_.insert(region_stores_.end(), members.begin(), members.end());
                const int o = add(Kind::region, d, first, static_cast<int>(members.size()));
                regions_.push_back({d, r, o});
                for (int i : members) rc.store_regions[i].push_back(o);
            }
        }
        for (int c = 0; c < static_cast<int>(composites_.size()); ++c) {
            composites_[c].prob_out = add(Kind::cprob, c);
            composites_[c].expect_out = add(Kind::cexpect, c);
        }
        const int outs = static_cast<int>(outputs_.size());

        // Workspace.
        unfixed_.assign(m_, 0);
        dead_.assign(m_, 0);
        for (int a = 0; a < m_; ++a) unfixed_[a] = L.avar_off[a + 1] - L.avar_off[a];
        fixed_.assign(nv_, 0);
        cmark_.assign(static_cast<std::size_t>(P_) * n_, 0);
        pmark_.assign(static_cast<std::size_t>(P_) * n_, 0);
        bmark_.assign(static_cast<std::size_t>(P_) * n_, 0);
        queue_.resize(n_ + 1);
        cqueue_.resize(n_ + 1);
        interesting_.assign(n_, 0);
        visited_.assign(n_, 0);
        closure_at_.assign(n_, 0);
        closure_first_.assign(n_, 0);
        closure_len_.assign(n_, 0);
        closure_.reserve(static_cast<std::size_t>(n_) * 4);
        const int nc = static_cast<int>(classes_.size());
        lo_.assign(nc, 0.0);
        hi_.assign(nc, 0.0);
        any_c_.assign(nc, 0);
        any_p_.assign(nc, 0);
        need_e_.assign(nc, 0);
        out_mark_.assign(outs, 0);
        rel_arcs_.resize(P_);
        for (auto& r : rel_arcs_) r.reserve(m_);
        const int depth = nv_ + 2;
        act_.resize(depth);
        for (auto& a : act_) a.reserve(outs);
        keys_.resize(depth);
        res_.assign(static_cast<std::size_t>(depth) * outs, 0.0L);
        act_[0].resize(outs);
        std::iota(act_[0].begin(), act_[0].end(), 0);
        memo_scratch_.reserve(outs);
    }

    void solve() { step(0); }

    long double result(int out) const { return res_[out]; }
    const std::vector<RunClass>& classes() const { return classes_; }
    const std::vector<RunComposite>& composites() const { return composites_; }
    const std::vector<RegionOut>& regions() const { return regions_; }

private:
    std::uint8_t admits(int lp, int a) const { return L_.admits[static_cast<std::size_t>(lp) * m_ + a]; }
    bool in_c(int lp, int v) const { return cmark_[static_cast<std::size_t>(lp) * n_ + v] == stamp_; }
    bool in_p(int lp, int v) const { return pmark_[static_cast<std::size_t>(lp) * n_ + v] == stamp_; }

    void assign(int x, bool up) {
        fixed_[x] = 1;
        for (int i = L_.varc_off[x]; i < L_.varc_off[x + 1]; ++i) {
            const int a = L_.varc[i];
            --unfixed_[a];
            if (!up) ++dead_[a];
        }
    }
    void unassign(int x, bool up) {
        fixed_[x] = 0;
        for (int i = L_.varc_off[x]; i < L_.varc_off[x + 1]; ++i) {
            const int a = L_.varc[i];
            ++unfixed_[a];
            if (!up) --dead_[a];
        }
    }

    // Certain and possible reach of every profile from the adversary (local node 0).
    void compute_reach() {
        for (int lp = 0; lp < P_; ++lp) {
            for (int pass = 0; pass < 2; ++pass) {
                auto* mark = (pass == 0 ? cmark_.data() : pmark_.data()) + static_cast<std::size_t>(lp) * n_;
                int head = 0, tail = 0;
                queue_[tail++] = 0;
                mark[0] = stamp_;
                while (head < tail) {
                    const int v = queue_[head++];
                    for (int i = L_.out_off[v]; i < L_.out_off[v + 1]; ++i) {
                        const int a = L_.out_arc[i];
                        const int t = L_.dst[a];
                        if (mark[t] == stamp_ || !admits(lp, a) || dead_[a]) continue;
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
            const auto& rc = classes_[d];
            double lo = 0.0, hi = 0.0;
            for (std::size_t i = 0; i < rc.store_node.size(); ++i) {
                const int v = rc.store_node[i];
                if (v < 0 || !in_p(rc.profile, v)) continue;
                hi = std::max(hi, rc.share[i]);
                if (in_c(rc.profile, v)) lo = std::max(lo, rc.share[i]);
            }
            lo_[d] = lo;
            hi_[d] = hi;
            any_c_[d] = lo > 0.0;
            any_p_[d] = hi > 0.0;
        }
    }

    // Lower and upper bound of an output in the current state.
    std::pair<double, double> bounds(const Output& o) const {
        switch (o.kind) {
            case Kind::store: {
                const auto& rc = classes_[o.cls];
                const int v = rc.store_node[o.first];
                if (v < 0) return {0.0, 0.0};
                return {in_c(rc.profile, v) ? 1.0 : 0.0, in_p(rc.profile, v) ? 1.0 : 0.0};
            }
            case Kind::region: {
                const auto& rc = classes_[o.cls];
                double lo = 0.0, hi = 0.0;
                for (int j = o.first; j < o.first + o.count; ++j) {
                    const int v = rc.store_node[region_stores_[j]];
                    if (v < 0) continue;
                    if (in_c(rc.profile, v)) return {1.0, 1.0};
                    if (in_p(rc.profile, v)) hi = 1.0;
                }
                return {lo, hi};
            }
            case Kind::prob: return {any_c_[o.cls] ? 1.0 : 0.0, any_p_[o.cls] ? 1.0 : 0.0};
            case Kind::expect: return {lo_[o.cls], hi_[o.cls]};
            case Kind::cprob: {
                bool lo = true, hi = true;
                for (int d : composites_[o.cls].atoms) {
                    lo = lo && any_c_[d];
                    hi = hi && any_p_[d];
                }
                return {lo ? 1.0 : 0.0, hi ? 1.0 : 0.0};
            }
            case Kind::cexpect: {
                double lo = std::numeric_limits<double>::infinity(), hi = lo;
                for (int d : composites_[o.cls].atoms) {
                    lo = std::min(lo, lo_[d]);
                    hi = std::min(hi, hi_[d]);
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
            out_mark_[o] = stamp_;
            key.push_back(static_cast<std::uint32_t>(o));
        }
        const int nc = static_cast<int>(classes_.size());
        for (int d = 0; d < nc; ++d) {
            const auto& rc = classes_[d];
            bool need = out_mark_[rc.expect_out] == stamp_;
            for (int c : rc.composites)
                need = need || out_mark_[composites_[c].prob_out] == stamp_ ||
                       out_mark_[composites_[c].expect_out] == stamp_;
            need_e_[d] = need;
            // The current lower bound of X_d when it still matters (a share in [0, 1] never
            // has the all-ones bit pattern used otherwise).
            std::uint64_t bits = ~std::uint64_t{0};
            if (need) std::memcpy(&bits, &lo_[d], sizeof bits);
            key.push_back(static_cast<std::uint32_t>(bits));
            key.push_back(static_cast<std::uint32_t>(bits >> 32));
        }
        int best = std::numeric_limits<int>::max();
        for (int lp = 0; lp < P_; ++lp) {
            auto* bmark = bmark_.data() + static_cast<std::size_t>(lp) * n_;
            int tail = 0;
            // Seeds: unsettled stores some active output depends on.
            for (int d = 0; d < nc; ++d) {
                const auto& rc = classes_[d];
                if (rc.profile != lp) continue;
                const bool prob_active = out_mark_[rc.prob_out] == stamp_;
                for (std::size_t i = 0; i < rc.store_node.size(); ++i) {
                    const int v = rc.store_node[i];
                    if (v < 0 || !in_p(lp, v) || in_c(lp, v) || bmark[v] == stamp_) continue;
                    bool relevant = prob_active || (need_e_[d] && rc.share[i] > lo_[d]) ||
                                    (rc.store_out[i] >= 0 && out_mark_[rc.store_out[i]] == stamp_);
                    for (std::size_t j = 0; !relevant && j < rc.store_regions[i].size(); ++j)
                        relevant = out_mark_[rc.store_regions[i][j]] == stamp_;
                    if (!relevant) continue;
                    bmark[v] = stamp_;
                    queue_[tail++] = v;
                }
            }
            const int seeds = tail;
            auto& rel = rel_arcs_[lp];
            rel.clear();
            for (int head = 0; head < tail; ++head) {
                const int v = queue_[head];
                if (in_c(lp, v)) continue;  // arcs into the certain reach never matter
                for (int i = L_.in_off[v]; i < L_.in_off[v + 1]; ++i) {
                    const int a = L_.in_arc[i];
                    const int u = L_.src[a];
                    if (!admits(lp, a) || dead_[a] || !in_p(lp, u)) continue;
                    rel.push_back(a);
                    if (bmark[u] != stamp_) {
                        bmark[u] = stamp_;
                        queue_[tail++] = u;
                    }
                }
            }
            std::sort(rel.begin(), rel.end());
            // The key of this profile: the open arcs that matter, each with its unfixed
            // variables and whether it leaves the certain reach, and, for its target, the
            // nodes that matter (sources of those arcs, stores seeded above) that the target
            // reaches over certain arcs. Certain arcs enter the key only through these
            // closures, so states that differ in how the certain part is wired but not in
            // what it connects share one entry (the partitions of frontier-based methods).
            const std::uint64_t mark = ++tick_;
            for (int i = 0; i < seeds; ++i) interesting_[queue_[i]] = mark;
            for (int a : rel)
                if (unfixed_[a]) interesting_[L_.src[a]] = mark;
            // Per profile: the number of spelled-out arcs (filled in below), the bitset of
            // untouched arcs (every variable unfixed, leaving a node outside the certain
            // reach, whose target reaches no other node that matters over certain arcs: most
            // of the residual graph), then each other open arc that matters.
            const std::size_t count_at = key.size();
            key.push_back(0);
            const std::size_t bitset_at = key.size();
            key.resize(key.size() + static_cast<std::size_t>((m_ + 31) / 32), 0);
            std::uint32_t spelled = 0;
            const std::uint64_t closure_mark = ++tick_;
            for (int a : rel) {
                if (!unfixed_[a]) continue;
                const int first_var = L_.avar_off[a], vars = L_.avar_off[a + 1] - first_var;
                for (int i = 0; i < vars; ++i)
                    if (!fixed_[L_.avar[first_var + i]]) best = std::min(best, L_.avar[first_var + i]);
                const int t = L_.dst[a];
                if (closure_at_[t] != closure_mark) {
                    closure_at_[t] = closure_mark;
                    closure_first_[t] = static_cast<int>(closure_.size());
                    certain_closure(lp, t, mark);
                    closure_len_[t] = static_cast<int>(closure_.size()) - closure_first_[t];
                }
                const bool leaves_c = in_c(lp, L_.src[a]);
                if (unfixed_[a] == vars && !leaves_c && closure_len_[t] == 1 && closure_[closure_first_[t]] == t) {
                    key[bitset_at + static_cast<std::size_t>(a) / 32] |= std::uint32_t{1} << (a % 32);
                    continue;
                }
                ++spelled;
                key.push_back((static_cast<std::uint32_t>(a) << 1) | (leaves_c ? 1u : 0u));
                std::uint32_t bits = 0;  // which of the arc's variables are unfixed
                int bit = 0;
                for (int i = 0; i < vars; ++i) {
                    if (!fixed_[L_.avar[first_var + i]]) bits |= std::uint32_t{1} << bit;
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
    // the profile outside the certain reach (t included), sorted.
    void certain_closure(int lp, int t, std::uint64_t interesting) {
        const std::size_t first = closure_.size();
        const std::uint64_t seen = ++tick_;
        int head = 0, tail = 0;
        cqueue_[tail++] = t;
        visited_[t] = seen;
        while (head < tail) {
            const int v = cqueue_[head++];
            if (interesting_[v] == interesting) closure_.push_back(v);
            for (int i = L_.out_off[v]; i < L_.out_off[v + 1]; ++i) {
                const int a = L_.out_arc[i];
                const int w = L_.dst[a];
                if (visited_[w] == seen || unfixed_[a] || dead_[a] || !admits(lp, a) || in_c(lp, w)) continue;
                visited_[w] = seen;
                cqueue_[tail++] = w;
            }
        }
        std::sort(closure_.begin() + static_cast<std::ptrdiff_t>(first), closure_.end());
    }

    void tick() {
        ++budget_.steps;
        if (budget_.max_steps && budget_.steps > budget_.max_steps)
            throw ModelError("exact method: more than " + std::to_string(budget_.max_steps) +
                             " factoring steps needed for adversary #" + std::to_string(budget_.adversary_row) + " (" +
                             std::to_string(nv_) + " random variables after pruning); use method='monte_carlo'");
        if (budget_.steps % kCheckEvery == 1) {  // the first step, then every kCheckEvery
            const auto& opt = *budget_.options;
            if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) throw ExactCancelled();
            if (opt.progress && !opt.progress(budget_.runs_done, budget_.runs_total)) throw ExactCancelled();
        }
    }

    void step(int k) {
        tick();
        if (++stamp_ == 0) {  // wrapped: clear every mark once
            std::fill(cmark_.begin(), cmark_.end(), 0);
            std::fill(pmark_.begin(), pmark_.end(), 0);
            std::fill(bmark_.begin(), bmark_.end(), 0);
            std::fill(out_mark_.begin(), out_mark_.end(), 0);
            stamp_ = 1;
        }
        compute_reach();
        class_bounds();
        const auto& in = act_[k];
        auto& out = act_[k + 1];
        out.clear();
        const std::size_t outs = outputs_.size();
        long double* r = res_.data() + static_cast<std::size_t>(k) * outs;
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
        const long double p = L_.var_p[x];
        const long double* child = res_.data() + static_cast<std::size_t>(k + 1) * outs;
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

    const Local& L_;
    Budget& budget_;
    int m_ = 0, n_ = 0, nv_ = 0, P_ = 0;
    std::vector<RunClass> classes_;
    std::vector<RunComposite> composites_;
    std::vector<RegionOut> regions_;
    std::vector<int> region_stores_;
    std::vector<Output> outputs_;

    std::vector<int> unfixed_, dead_;
    std::vector<std::uint8_t> fixed_;
    std::uint64_t stamp_ = 0;
    std::vector<std::uint64_t> cmark_, pmark_, bmark_, out_mark_;
    std::vector<int> queue_, cqueue_;
    std::uint64_t tick_ = 0;  // fresh marks for the key's closures
    std::vector<std::uint64_t> interesting_, visited_, closure_at_;
    std::vector<int> closure_first_, closure_len_, closure_;
    std::vector<double> lo_, hi_;
    std::vector<std::uint8_t> any_c_, any_p_, need_e_;
    std::vector<std::vector<int>> rel_arcs_;
    std::vector<std::vector<int>> act_;
    std::vector<std::vector<std::uint32_t>> keys_;
    std::vector<long double> res_;

    Memo memo_;
    std::vector<long double> memo_scratch_;
};

void check_adversaries(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries) {
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        if (adversaries[i] < 0 || static_cast<std::size_t>(adversaries[i]) >= g.node_count())
            throw ModelError("adversaries[" + std::to_string(i) + "]: no node #" + std::to_string(adversaries[i]));
}

double saturating_work(std::size_t arcs, std::size_t vars) {
    const double w =
        static_cast<double>(arcs + 1) * std::ldexp(1.0, static_cast<int>(std::min<std::size_t>(vars, 990)));
    return std::min(w, 1e300);
}

}  // namespace

ExactComplexity exact_complexity(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                                 std::int64_t cap) {
    check_adversaries(graph, adversaries);
    const Plan plan = make_plan(graph);
    Globals gl(graph);
    ExactComplexity out;
    std::vector<std::uint32_t> var_seen(graph.event_count() + graph.arc_count(), 0);
    std::vector<std::uint32_t> arc_seen(graph.arc_count(), 0);
    std::uint32_t stamp = 0;
    for (NodeIndex adversary : adversaries) {
        ++stamp;
        std::int64_t vars = 0, arcs = 0, max_run = 0;
        bool capped = false;
        for (int run = 0; run < static_cast<int>(plan.run_profiles.size()) && !capped; ++run) {
            const Local L = build_local(graph, plan, gl, adversary, run, cap);
            if (L.truncated) {
                capped = true;
                vars = std::max(vars, L.counted);
                max_run = std::max(max_run, L.counted);
                out.work = 1e300;
                break;
            }
            max_run = std::max<std::int64_t>(max_run, static_cast<std::int64_t>(L.var_count()));
            for (std::int64_t x : L.var_global)
                if (x < 0) {
                    ++vars;  // a coin made by a reduction: its run's own
                } else if (var_seen[x] != stamp) {
                    var_seen[x] = stamp;
                    ++vars;
                }
            out.work = std::min(1e300, out.work + saturating_work(L.arc_count(), L.var_count()));
            for (ArcIndex a : L.arc_global)
                if (arc_seen[a] != stamp) {
                    arc_seen[a] = stamp;
                    ++arcs;
                }
            if (cap >= 0 && vars > cap) capped = true;
        }
        out.variables.push_back(vars);
        out.max_run_variables.push_back(max_run);
        out.arcs.push_back(arcs);
        out.capped.push_back(capped);
    }
    return out;
}

ExposureTable exact_exposure(const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries,
                             const ExactOptions& options) {
    check_adversaries(graph, adversaries);
    const Plan plan = make_plan(graph);
    Globals gl(graph);
    const std::size_t A = adversaries.size();
    const std::size_t C = graph.class_count();
    const std::size_t runs = plan.run_profiles.size();

    // Prune everything first, so that a model too large fails before any long work. A run
    // far above the limit (before reductions) is not even built in full.
    const std::int64_t limit = std::clamp<std::int64_t>(options.max_variables, 0, kMaxVariables);
    const std::int64_t stop_above = std::max<std::int64_t>(16 * limit, 4096);
    std::vector<std::vector<Local>> locals(A);
    std::uint64_t most_variables = 0;
    for (std::size_t i = 0; i < A; ++i) {
        for (std::size_t run = 0; run < runs; ++run) {
            locals[i].push_back(build_local(graph, plan, gl, adversaries[i], static_cast<int>(run), stop_above));
            const auto& L = locals[i].back();
            const auto vars = L.truncated ? L.counted : static_cast<std::int64_t>(L.var_count());
            most_variables = std::max<std::uint64_t>(most_variables, static_cast<std::uint64_t>(vars));
            if (vars > limit)
                throw ModelError("exact method: " + std::string(L.truncated ? "more than " : "") +
                                 std::to_string(vars) + " random variables remain after pruning for adversary #" +
                                 std::to_string(i) + " (limit " + std::to_string(limit) +
                                 "); use method='monte_carlo'");
        }
    }

    ExposureTable table;
    table.adversaries = adversaries;
    table.probability = ScoreMatrix::Zero(static_cast<Eigen::Index>(A), static_cast<Eigen::Index>(C));
    table.expected_share = ScoreMatrix::Zero(static_cast<Eigen::Index>(A), static_cast<Eigen::Index>(C));
    table.method = "exact";
    table.samples = 0;
    table.seed = 0;
    table.max_half_width = 0.0;

    Budget budget;
    budget.max_steps = options.max_steps;
    budget.options = &options;
    budget.runs_total = A * runs;

    struct PlaceRow {
        ClassIndex cls;
        std::int32_t place;
        double probability;
        bool operator<(const PlaceRow& o) const { return cls != o.cls ? cls < o.cls : place < o.place; }
    };
    for (std::size_t i = 0; i < A; ++i) {
        budget.adversary_row = i;
        std::vector<PlaceRow> store_rows, region_rows;
        for (std::size_t run = 0; run < runs; ++run) {
            Solver solver(graph, plan, locals[i][run], static_cast<int>(run), options.places, budget);
            solver.solve();
            const auto row = static_cast<Eigen::Index>(i);
            for (const auto& rc : solver.classes()) {
                table.probability(row, rc.global) = static_cast<double>(solver.result(rc.prob_out));
                table.expected_share(row, rc.global) = static_cast<double>(solver.result(rc.expect_out));
                for (std::size_t s = 0; s < rc.store_out.size(); ++s)
                    if (rc.store_out[s] >= 0)
                        store_rows.push_back(
                            {rc.global, rc.store_global[s], static_cast<double>(solver.result(rc.store_out[s]))});
            }
            for (const auto& comp : solver.composites()) {
                table.probability(row, comp.global) = static_cast<double>(solver.result(comp.prob_out));
                table.expected_share(row, comp.global) = static_cast<double>(solver.result(comp.expect_out));
            }
            for (const auto& reg : solver.regions())
                region_rows.push_back(
                    {solver.classes()[reg.cls].global, reg.region, static_cast<double>(solver.result(reg.out))});
            ++budget.runs_done;
            locals[i][run] = Local{};  // free as we go
        }
        std::sort(store_rows.begin(), store_rows.end());
        std::sort(region_rows.begin(), region_rows.end());
        for (auto [rows, place] :
             {std::pair{&store_rows, &table.by_store}, std::pair{&region_rows, &table.by_region}}) {
            for (const auto& r : *rows) {
                place->adversary_row.push_back(static_cast<std::int32_t>(i));
                place->class_index.push_back(r.cls);
                place->place.push_back(r.place);
                place->probability.push_back(r.probability);
            }
        }
    }
    if (options.progress && !options.progress(budget.runs_total, budget.runs_total)) throw ExactCancelled();
    if (options.stats) {
        options.stats->runs = budget.runs_total;
        options.stats->steps = budget.steps;
        options.stats->memo_hits = budget.memo_hits;
        options.stats->memo_entries = budget.memo_entries;
        options.stats->memo_restarts = budget.memo_restarts;
        options.stats->max_variables = most_variables;
    }
    table.ci_low = table.probability;
    table.ci_high = table.probability;
    table.expected_share_ci_low = table.expected_share;
    table.expected_share_ci_high = table.expected_share;
    table.by_store.ci_low = table.by_store.probability;
    table.by_store.ci_high = table.by_store.probability;
    table.by_region.ci_low = table.by_region.probability;
    table.by_region.ci_high = table.by_region.probability;
    return table;
}

}  // namespace datareach
