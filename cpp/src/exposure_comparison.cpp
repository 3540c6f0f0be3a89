#include "datareach/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "datareach/errors.hpp"
#include "monte_carlo_engine.hpp"

namespace datareach {
namespace monte_carlo {

namespace {

// Tango's score statistic for H0: d = d0, with b = n01 (variant only), c = n10 (base only).
long double tango_statistic(long double b, long double c, long double n, long double d0) {
    // Restricted MLE of q = P(base only) under d = d0: the root of
    // 2 n q^2 + w q - c d0 (1 - d0) = 0 with w = -(b + c) + d0 (2 n - b + c).
    const long double w = -(b + c) + d0 * (2.0L * n - b + c);
    const long double k = 8.0L * n * c * d0 * (1.0L - d0);
    const long double root = std::sqrt(std::max(0.0L, w * w + k));
    long double q;
    if (w > 0)
        q = 2.0L * c * d0 * (1.0L - d0) / (root + w);  // the same root, without cancellation
    else
        q = (root - w) / (4.0L * n);
    const long double variance = n * (2.0L * q + d0 * (1.0L - d0));
    const long double numerator = b - c - n * d0;
    if (!(variance > 0))
        return numerator == 0  ? 0.0L
               : numerator > 0 ? std::numeric_limits<long double>::infinity()
                               : -std::numeric_limits<long double>::infinity();
    return numerator / std::sqrt(variance);
}

}  // namespace

void paired_difference_interval(std::uint64_t n01, std::uint64_t n10, std::uint64_t n, double z, double& low,
                                double& high) {
    if (n == 0) {
        low = -1.0;
        high = 1.0;
        return;
    }
    const long double b = static_cast<long double>(n01), c = static_cast<long double>(n10);
    const long double total = static_cast<long double>(n);
    const long double estimate = (b - c) / total;
    const long double zz = z;
    // T decreases from +inf (d0 = -1) through 0 (the estimate) to -inf (d0 = 1): bisect for
    // T = z below the estimate and T = -z above it, keeping the outer point.
    auto solve = [&](long double inside, long double outside, bool lower) {
        for (int k = 0; k < 200; ++k) {
            const long double mid = (inside + outside) / 2.0L;
            if (mid == inside || mid == outside) break;
            const long double t = tango_statistic(b, c, total, mid);
            if (lower ? t > zz : t < -zz)
                outside = mid;
            else
                inside = mid;
        }
        return outside;
    };
    low = estimate <= -1.0L ? -1.0 : static_cast<double>(solve(estimate, -1.0L, true));
    high = estimate >= 1.0L ? 1.0 : static_cast<double>(solve(estimate, 1.0L, false));
    low = std::min(low, static_cast<double>(estimate));
    high = std::max(high, static_cast<double>(estimate));
}

}  // namespace monte_carlo

namespace {

using namespace monte_carlo;
using namespace monte_carlo::detail;

// ------------------------------------------------------------------ the same view
// Is X the same in every world in both graphs, for one adversary and one atomic class (or
// every class: cls < 0)? Only the relevant part of a graph matters: the nodes the adversary
// can reach over arcs that can be live (and admit the class) and that can themselves reach a
// store holding the class (every path to such a store runs inside it). A joint depth-first
// search from the two adversary nodes walks the relevant parts of both graphs, matching
// out-arcs by key, p, required random events (key and p) and, for every class, filter; the
// targets of matched arcs are paired (a node paired twice with different partners fails) and
// paired nodes must hold the class(es) with the same shares. Then every world has the same
// live matched arcs, reaches the same stores and has the same X. False is always safe (the
// difference is then estimated). Every arc examined costs one unit of `budget`; exhausted,
// the answer is false.
// One graph's side: its reverse arcs and the nodes that can reach a store holding the class.
class Side {
public:
    explicit Side(const CompiledGraph& g) : g_(g), partner_(g.node_count(), -1) {
        const std::size_t nodes = g.node_count(), arcs = g.arc_count();
        reverse_begin_.assign(nodes + 1, 0);
        for (std::size_t a = 0; a < arcs; ++a)
            ++reverse_begin_[static_cast<std::size_t>(g.arc_target(static_cast<ArcIndex>(a))) + 1];
        for (std::size_t v = 0; v < nodes; ++v) reverse_begin_[v + 1] += reverse_begin_[v];
        reverse_arc_.resize(arcs);
        std::vector<std::int64_t> next(reverse_begin_.begin(), reverse_begin_.end() - 1);
        for (std::size_t a = 0; a < arcs; ++a)
            reverse_arc_[static_cast<std::size_t>(
                next[static_cast<std::size_t>(g.arc_target(static_cast<ArcIndex>(a)))]++)] = static_cast<ArcIndex>(a);
        relevant_.assign(nodes, 0);
        live_.resize(arcs);
        for (std::size_t a = 0; a < arcs; ++a) live_[a] = g.arc_possible(static_cast<ArcIndex>(a));
        // Presence by node: (class, share) sorted by class.
        const auto& presence = g.presence_stores();
        held_begin_.assign(nodes + 1, 0);
        for (auto v : presence.values) ++held_begin_[static_cast<std::size_t>(v) + 1];
        for (std::size_t v = 0; v < nodes; ++v) held_begin_[v + 1] += held_begin_[v];
        held_.resize(presence.values.size());
        std::vector<std::int64_t> at(held_begin_.begin(), held_begin_.end() - 1);
        for (std::size_t d = 0; d < presence.rows(); ++d)
            for (auto e = presence.offsets[d]; e < presence.offsets[d + 1]; ++e)
                held_[static_cast<std::size_t>(at[static_cast<std::size_t>(presence.values[e])]++)] = {
                    static_cast<ClassIndex>(d), g.presence_shares()[e]};
    }

    bool live(ArcIndex a) const { return live_[a] != 0; }
    // The classes held at node v with their shares, sorted by class.
    const std::pair<ClassIndex, double>* held_begin(NodeIndex v) const { return held_.data() + held_begin_[v]; }
    const std::pair<ClassIndex, double>* held_end(NodeIndex v) const { return held_.data() + held_begin_[v + 1]; }
    double share(NodeIndex v, ClassIndex cls) const {
        for (auto it = held_begin(v); it != held_end(v); ++it)
            if (it->first == cls) return it->second;
        return 0.0;
    }

    const CompiledGraph& graph() const { return g_; }
    bool relevant(NodeIndex v) const { return relevant_[v] != 0; }
    NodeIndex& partner(NodeIndex v) { return partner_[v]; }

    // Marks the nodes that can reach a store holding the class (any class: cls < 0) over
    // arcs that can be live and admit it. False if the budget ran out.
    bool mark_relevant(ClassIndex cls, std::uint64_t& budget) {
        std::fill(relevant_.begin(), relevant_.end(), 0);
        std::vector<NodeIndex> stack;
        const auto& presence = g_.presence_stores();
        for (std::size_t d = 0; d < g_.class_count(); ++d) {
            if (cls >= 0 && d != static_cast<std::size_t>(cls)) continue;
            for (auto it = presence.begin(d); it != presence.end(d); ++it)
                if (!relevant_[*it]) {
                    relevant_[*it] = 1;
                    stack.push_back(*it);
                }
        }
        while (!stack.empty()) {
            const NodeIndex v = stack.back();
            stack.pop_back();
            for (auto k = reverse_begin_[v]; k < reverse_begin_[v + 1]; ++k) {
                if (budget == 0) return false;
                --budget;
                const ArcIndex a = reverse_arc_[static_cast<std::size_t>(k)];
                const NodeIndex u = g_.arc_source(a);
                if (relevant_[u] || !live_[a] || (cls >= 0 && !g_.admits(a, cls))) continue;
                relevant_[u] = 1;
                stack.push_back(u);
            }
        }
        return true;
    }

    std::vector<NodeIndex> paired;

private:
    const CompiledGraph& g_;
    std::vector<NodeIndex> partner_;
    std::vector<std::int64_t> reverse_begin_;
    std::vector<ArcIndex> reverse_arc_;
    std::vector<std::uint8_t> relevant_;
    std::vector<std::uint8_t> live_;
    std::vector<std::int64_t> held_begin_;
    std::vector<std::pair<ClassIndex, double>> held_;
};

class ViewMatcher {
public:
    ViewMatcher(Side& base, Side& variant) : side_{&base, &variant} {}

    // After both sides' mark_relevant for the same class.
    bool same(NodeIndex base_source, NodeIndex variant_source, ClassIndex cls, std::uint64_t& budget) {
        const bool ok = run(base_source, variant_source, cls, budget);
        for (Side* side : side_) {
            for (NodeIndex v : side->paired) side->partner(v) = -1;
            side->paired.clear();
        }
        return ok;
    }

private:
    struct ArcSig {
        std::uint64_t key;
        double p;
        ArcIndex arc;
        bool operator<(const ArcSig& o) const { return std::tie(key, p, arc) < std::tie(o.key, o.p, o.arc); }
    };

    // The random events an arc requires, as (key, p) sorted (events with p = 1 never matter).
    static void events_of(const CompiledGraph& g, ArcIndex a, std::vector<std::pair<std::uint64_t, double>>& out) {
        out.clear();
        if (g.arc_requires().size(static_cast<std::size_t>(a)) == 0) return;
        for (auto it = g.arc_requires().begin(a); it != g.arc_requires().end(a); ++it)
            if (g.event_p(*it) < 1.0) out.emplace_back(g.event_key(*it), g.event_p(*it));
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }

    bool same_presence(NodeIndex u, NodeIndex w, ClassIndex cls) const {
        if (cls >= 0) return side_[0]->share(u, cls) == side_[1]->share(w, cls);
        return std::equal(side_[0]->held_begin(u), side_[0]->held_end(u), side_[1]->held_begin(w),
                          side_[1]->held_end(w));
    }

    bool pair(NodeIndex u, NodeIndex w) {
        NodeIndex &pu = side_[0]->partner(u), &pw = side_[1]->partner(w);
        if (pu == w && pw == u) return true;
        if (pu != -1 || pw != -1) return false;
        pu = w;
        pw = u;
        side_[0]->paired.push_back(u);
        side_[1]->paired.push_back(w);
        stack_.emplace_back(u, w);
        return true;
    }

    bool run(NodeIndex base_source, NodeIndex variant_source, ClassIndex cls, std::uint64_t& budget) {
        stack_.clear();
        pair(base_source, variant_source);
        while (!stack_.empty()) {
            const auto [u, w] = stack_.back();
            stack_.pop_back();
            if (!same_presence(u, w, cls)) return false;
            const NodeIndex node[2] = {u, w};
            for (int k = 0; k < 2; ++k) {
                const CompiledGraph& g = side_[k]->graph();
                arcs_[k].clear();
                for (ArcIndex a = g.out_begin(node[k]); a < g.out_end(node[k]); ++a) {
                    if (budget == 0) return false;
                    --budget;
                    if (!side_[k]->relevant(g.arc_target(a)) || !side_[k]->live(a) || (cls >= 0 && !g.admits(a, cls)))
                        continue;
                    arcs_[k].push_back({g.arc_key(a), g.arc_p(a), a});
                }
                std::sort(arcs_[k].begin(), arcs_[k].end());
            }
            if (arcs_[0].size() != arcs_[1].size()) return false;
            const CompiledGraph &ga = side_[0]->graph(), &gb = side_[1]->graph();
            for (std::size_t k = 0; k < arcs_[0].size(); ++k) {
                const ArcSig &x = arcs_[0][k], &y = arcs_[1][k];
                if (x.key != y.key || x.p != y.p) return false;
                events_of(ga, x.arc, events_[0]);
                events_of(gb, y.arc, events_[1]);
                if (events_[0] != events_[1]) return false;
                if (cls < 0) {
                    const auto &f0 = ga.arc_classes(), &f1 = gb.arc_classes();
                    if (!std::equal(f0.begin(x.arc), f0.end(x.arc), f1.begin(y.arc), f1.end(y.arc))) return false;
                }
                if (!pair(ga.arc_target(x.arc), gb.arc_target(y.arc))) return false;
            }
        }
        return true;
    }

    Side* side_[2];
    std::vector<std::pair<NodeIndex, NodeIndex>> stack_;
    std::vector<ArcSig> arcs_[2];
    std::vector<std::pair<std::uint64_t, double>> events_[2];
};

// The same compiled graph, arc for arc (then every view is the same).
bool graphs_equal(const CompiledGraph& a, const CompiledGraph& b) {
    if (&a == &b) return true;
    if (a.node_count() != b.node_count() || a.arc_count() != b.arc_count() || a.event_count() != b.event_count() ||
        a.class_count() != b.class_count())
        return false;
    auto same_rows = [](const RaggedIndex& x, const RaggedIndex& y) {
        return x.offsets == y.offsets && x.values == y.values;
    };
    if (a.event_p() != b.event_p() || !same_rows(a.arc_requires(), b.arc_requires()) ||
        !same_rows(a.arc_classes(), b.arc_classes()) || !same_rows(a.presence_stores(), b.presence_stores()) ||
        a.presence_shares() != b.presence_shares() || !same_rows(a.class_atoms(), b.class_atoms()))
        return false;
    for (std::size_t e = 0; e < a.event_count(); ++e)
        if (a.event_key(static_cast<std::int32_t>(e)) != b.event_key(static_cast<std::int32_t>(e))) return false;
    for (std::size_t v = 0; v < a.node_count(); ++v)
        if (a.out_begin(static_cast<NodeIndex>(v)) != b.out_begin(static_cast<NodeIndex>(v))) return false;
    for (std::size_t k = 0; k < a.arc_count(); ++k) {
        const auto arc = static_cast<ArcIndex>(k);
        if (a.arc_target(arc) != b.arc_target(arc) || a.arc_p(arc) != b.arc_p(arc) || a.arc_key(arc) != b.arc_key(arc))
            return false;
    }
    return true;
}

// Per variant, adversary and class (row-major): 1 if the adversary's view of the class is the
// same in the variant as in the base. The searches are bounded so that they cost a fraction
// of the sampling (`blocks` blocks per graph); past the bound the answer is "not the same".
std::vector<std::uint8_t> identical_views(const std::vector<const CompiledGraph*>& graphs,
                                          const std::vector<std::vector<NodeIndex>>& adversaries,
                                          std::uint64_t blocks) {
    const std::size_t variants = graphs.size() - 1, rows = adversaries[0].size();
    const CompiledGraph& base = *graphs[0];
    const std::size_t classes = base.class_count();
    std::vector<std::uint8_t> out(variants * rows * classes, 0);
    if (rows == 0) return out;
    Side base_side(base);
    std::vector<std::uint8_t> atom_same(rows * classes);
    for (std::size_t v = 0; v < variants; ++v) {
        const CompiledGraph& variant = *graphs[v + 1];
        if (graphs_equal(base, variant) && adversaries[0] == adversaries[v + 1]) {
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(v * rows * classes),
                      out.begin() + static_cast<std::ptrdiff_t>((v + 1) * rows * classes), 1);
            continue;
        }
        Side variant_side(variant);
        ViewMatcher matcher(base_side, variant_side);
        // At most a few searches of both graphs per class, and a fraction of the sampling.
        const std::uint64_t size = base.arc_count() + variant.arc_count() + base.node_count() + variant.node_count();
        std::uint64_t budget =
            std::min(4 * (classes + 2) * size + (std::uint64_t{1} << 22), (std::uint64_t{1} << 20) + blocks * size / 8);
        std::fill(atom_same.begin(), atom_same.end(), 0);
        // Every class at once first; class by class for the adversaries where that fails.
        std::vector<std::uint8_t> all_same(rows, 0);
        if (base_side.mark_relevant(-1, budget) && variant_side.mark_relevant(-1, budget))
            for (std::size_t i = 0; i < rows; ++i)
                all_same[i] = matcher.same(adversaries[0][i], adversaries[v + 1][i], -1, budget);
        const bool any_left = std::find(all_same.begin(), all_same.end(), 0) != all_same.end();
        for (std::size_t d = 0; d < classes && any_left; ++d) {
            const auto atom = static_cast<ClassIndex>(d);
            if (base.is_composite(atom) || variant.is_composite(atom)) continue;
            if (!base_side.mark_relevant(atom, budget) || !variant_side.mark_relevant(atom, budget)) break;
            for (std::size_t i = 0; i < rows; ++i)
                if (!all_same[i])
                    atom_same[i * classes + d] = matcher.same(adversaries[0][i], adversaries[v + 1][i], atom, budget);
        }
        for (std::size_t i = 0; i < rows; ++i) {
            for (std::size_t c = 0; c < classes; ++c) {
                const auto& a = base.class_atoms();
                const auto& b = variant.class_atoms();
                // Classes must decompose alike for the verdicts on their parts to carry over.
                bool same =
                    base.is_composite(static_cast<ClassIndex>(c)) == variant.is_composite(static_cast<ClassIndex>(c)) &&
                    std::equal(a.begin(c), a.end(c), b.begin(c), b.end(c));
                for (auto it = a.begin(c); same && it != a.end(c); ++it)
                    same = all_same[i] || atom_same[i * classes + *it];
                out[(v * rows + i) * classes + c] = same;
            }
        }
    }
    return out;
}

// ------------------------------------------------------------------ paired sums
// An unsigned 128-bit sum of 64-bit terms (exact for up to 2^64 terms).
struct Sum128 {
    std::uint64_t low = 0, high = 0;
    void add(std::uint64_t x) {
        low += x;
        high += low < x;
    }
    void add(const Sum128& o) {
        add(o.low);
        high += o.high;
    }
    long double value() const {
        return static_cast<long double>(high) * 18446744073709551616.0L + static_cast<long double>(low);
    }
};

// D = X_v - X_base per world in fixed point: round(D * 2^62).
constexpr double kFixedScale = 4611686018427387904.0;  // 2^62

struct PairSums {
    std::uint64_t base_only = 0, variant_only = 0;  // n10, n01
    Sum128 positive, negative, squares;             // sums of max(D, 0), max(-D, 0), D^2 (fixed point)

    void add(const PairSums& o) {
        base_only += o.base_only;
        variant_only += o.variant_only;
        positive.add(o.positive);
        negative.add(o.negative);
        squares.add(o.squares);
    }
};

// Everything fixed for one comparison besides the plans.
struct PairLayout {
    std::size_t variants = 0, rows = 0, classes = 0;
    std::vector<std::uint8_t> identical;    // variants x rows x classes
    std::vector<std::uint8_t> same_levels;  // variants x classes: the class levels have the same shares
};

// X of one world from the class level masks (descending shares): the share of the first level
// holding it. Written for the worlds of `worlds` only.
template <int W>
void fill_shares(const std::uint64_t* masks, const double* shares, std::int64_t levels, const std::uint64_t* worlds,
                 double* x) {
    std::uint64_t left[W];
    std::uint64_t open = 0;
    for (int w = 0; w < W; ++w) open |= left[w] = worlds[w];
    for (std::int64_t k = 0; k < levels && open; ++k) {
        open = 0;
        for (int w = 0; w < W; ++w) {
            std::uint64_t hit = masks[k * W + w] & left[w];
            left[w] &= ~hit;
            open |= left[w];
            for (; hit; hit &= hit - 1) x[w * 64 + __builtin_ctzll(hit)] = shares[k];
        }
    }
    for (int w = 0; w < W; ++w)
        for (std::uint64_t rest = left[w]; rest; rest &= rest - 1) x[w * 64 + __builtin_ctzll(rest)] = 0.0;
}

// Per thread: the paired sums of every (variant, adversary, class) and per-world scratch.
template <int W>
struct PairSpace {
    std::vector<PairSums> sums;
    double base_x[64 * W];
    double variant_x[64 * W];

    explicit PairSpace(std::size_t size) : sums(size) {}

    // After every graph has evaluated the same block: the joint counts of each variant with
    // the base.
    void tally(const std::vector<const Plan*>& plans, const std::vector<Tallies*>& tallies, const PairLayout& layout) {
        const Plan& base = *plans[0];
        for (std::size_t v = 0; v < layout.variants; ++v) {
            const Plan& variant = *plans[v + 1];
            for (std::size_t i = 0; i < layout.rows; ++i) {
                const std::uint64_t* base_masks = tallies[0]->class_masks.data() + i * base.level_count * W;
                const std::uint64_t* variant_masks = tallies[v + 1]->class_masks.data() + i * variant.level_count * W;
                for (std::size_t c = 0; c < layout.classes; ++c) {
                    const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                    if (layout.identical[at]) continue;
                    const auto b0 = base.class_level_begin[c], bl = base.class_level_begin[c + 1] - b0;
                    const auto v0 = variant.class_level_begin[c], vl = variant.class_level_begin[c + 1] - v0;
                    const std::uint64_t* mb = base_masks + b0 * W;
                    const std::uint64_t* mv = variant_masks + v0 * W;
                    PairSums& s = sums[at];
                    std::uint64_t differ[W];
                    std::uint64_t any = 0;
                    for (int w = 0; w < W; ++w) {
                        const std::uint64_t pb = bl ? mb[(bl - 1) * W + w] : 0;  // X > 0: the lowest level
                        const std::uint64_t pv = vl ? mv[(vl - 1) * W + w] : 0;
                        s.base_only += static_cast<std::uint64_t>(__builtin_popcountll(pb & ~pv));
                        s.variant_only += static_cast<std::uint64_t>(__builtin_popcountll(pv & ~pb));
                        differ[w] = pb | pv;
                    }
                    if (layout.same_levels[v * layout.classes + c]) {  // D != 0 only where some level differs
                        for (int w = 0; w < W; ++w) differ[w] = 0;
                        for (std::int64_t k = 0; k < bl; ++k)
                            for (int w = 0; w < W; ++w) differ[w] |= mb[k * W + w] ^ mv[k * W + w];
                    }
                    for (int w = 0; w < W; ++w) any |= differ[w];
                    if (!any) continue;
                    fill_shares<W>(mb, base.class_level_share.data() + b0, bl, differ, base_x);
                    fill_shares<W>(mv, variant.class_level_share.data() + v0, vl, differ, variant_x);
                    for (int w = 0; w < W; ++w) {
                        for (std::uint64_t bits = differ[w]; bits; bits &= bits - 1) {
                            const int world = w * 64 + __builtin_ctzll(bits);
                            const double d = variant_x[world] - base_x[world];
                            if (d == 0.0) continue;
                            const auto fixed = static_cast<std::int64_t>(std::llround(d * kFixedScale));
                            if (fixed >= 0)
                                s.positive.add(static_cast<std::uint64_t>(fixed));
                            else
                                s.negative.add(static_cast<std::uint64_t>(-fixed));
                            s.squares.add(static_cast<std::uint64_t>(std::llround(d * d * kFixedScale)));
                        }
                    }
                }
            }
        }
    }
};

template <int W>
std::vector<PairSums> sum_pairs(const std::vector<std::unique_ptr<PairSpace<W>>>& spaces, std::size_t size) {
    std::vector<PairSums> out(size);
    for (const auto& space : spaces)
        if (space)
            for (std::size_t k = 0; k < size; ++k) out[k].add(space->sums[k]);
    return out;
}

bool probability_settled(std::uint8_t known) { return (known & (kNever | kAlways)) != 0; }

// The probability-difference interval of one entry (identical and settled pairs are exact).
void difference_interval(const PairLayout& layout, const Plan& base, const Plan& variant, std::size_t at, std::size_t i,
                         std::size_t c, const PairSums& s, std::uint64_t worlds, double z, double& low, double& high) {
    const std::uint8_t kb = base.class_known[i * layout.classes + c], kv = variant.class_known[i * layout.classes + c];
    if (layout.identical[at]) {
        low = high = 0.0;
    } else if (probability_settled(kb) && probability_settled(kv)) {
        low = high = ((kv & kAlways) ? 1.0 : 0.0) - ((kb & kAlways) ? 1.0 : 0.0);
    } else {
        paired_difference_interval(s.variant_only, s.base_only, worlds, z, low, high);
        // What deterministic reach knows bounds the difference too.
        const double vb_low = (kv & kAlways) ? 1.0 : 0.0, vb_high = (kv & kNever) ? 0.0 : 1.0;
        const double bb_low = (kb & kAlways) ? 1.0 : 0.0, bb_high = (kb & kNever) ? 0.0 : 1.0;
        low = std::max(low, vb_low - bb_high);
        high = std::min(high, vb_high - bb_low);
    }
}

// For every internal arc of `variant`: the internal arc of `base` whose live mask is the same
// in every block (same coin stream, i.e. key and seed; same p; the same random events with
// the same streams and p), or -1.
std::vector<std::int32_t> shared_arcs(const Plan& base, const Plan& variant) {
    auto signature = [](const Plan& plan, std::size_t k,
                        std::vector<std::tuple<std::uint64_t, std::uint64_t, std::int32_t>>& out) {
        out.clear();
        const ArcCold& info = plan.arc_cold[k];
        for (std::uint32_t j = 0; j < info.events_count; ++j) {
            const EventInfo& e = plan.events[static_cast<std::size_t>(plan.arc_events[info.events_begin + j])];
            out.emplace_back(e.stream, e.p.mantissa, e.p.zero_bits);
        }
        std::sort(out.begin(), out.end());
    };
    std::vector<std::pair<std::uint64_t, std::int32_t>> by_stream;  // random base arcs by coin stream
    for (std::size_t k = 0; k < base.arc_hot.size(); ++k)
        if (base.arc_hot[k] & kRandom) by_stream.emplace_back(base.arc_cold[k].stream, static_cast<std::int32_t>(k));
    std::sort(by_stream.begin(), by_stream.end());
    std::vector<std::int32_t> out(variant.arc_hot.size(), -1);
    std::vector<std::tuple<std::uint64_t, std::uint64_t, std::int32_t>> mine, theirs;
    for (std::size_t k = 0; k < variant.arc_hot.size(); ++k) {
        if (!(variant.arc_hot[k] & kRandom)) continue;
        const ArcCold& info = variant.arc_cold[k];
        auto it = std::lower_bound(by_stream.begin(), by_stream.end(), std::make_pair(info.stream, std::int32_t{-1}));
        bool signed_ = false;
        for (; it != by_stream.end() && it->first == info.stream; ++it) {
            const ArcCold& other = base.arc_cold[static_cast<std::size_t>(it->second)];
            if (other.mantissa != info.mantissa || other.zero_bits != info.zero_bits ||
                other.has_coin != info.has_coin || other.events_count != info.events_count)
                continue;
            if (!signed_) {
                signature(variant, k, mine);
                signed_ = true;
            }
            signature(base, static_cast<std::size_t>(it->second), theirs);
            if (mine == theirs) {
                out[k] = it->second;
                break;
            }
        }
    }
    return out;
}

template <int W>
ComparisonTable run(const std::vector<const CompiledGraph*>& graphs,
                    const std::vector<std::vector<NodeIndex>>& adversaries, const MonteCarloOptions& options) {
    const std::size_t count = graphs.size();
    std::vector<Plan> plan_store;
    plan_store.reserve(count);
    for (std::size_t g = 0; g < count; ++g) plan_store.push_back(build_plan(*graphs[g], adversaries[g], options));
    std::vector<const Plan*> plans;
    for (const auto& p : plan_store) plans.push_back(&p);

    PairLayout layout;
    layout.variants = count - 1;
    layout.rows = adversaries[0].size();
    layout.classes = graphs[0]->class_count();
    layout.identical = identical_views(graphs, adversaries, total_blocks_for(options.samples, kWorldQuantum));
    layout.same_levels.assign(layout.variants * layout.classes, 0);
    for (std::size_t v = 0; v < layout.variants; ++v)
        for (std::size_t c = 0; c < layout.classes; ++c) {
            const Plan &b = *plans[0], &p = *plans[v + 1];
            layout.same_levels[v * layout.classes + c] =
                std::equal(b.class_level_share.begin() + b.class_level_begin[c],
                           b.class_level_share.begin() + b.class_level_begin[c + 1],
                           p.class_level_share.begin() + p.class_level_begin[c],
                           p.class_level_share.begin() + p.class_level_begin[c + 1]);
        }
    const std::size_t pair_size = layout.variants * layout.rows * layout.classes;

    const double z = normal_quantile(0.5 + options.confidence / 2.0);
    const std::uint64_t block_worlds = 64 * W;
    const std::uint64_t total_blocks = total_blocks_for(options.samples, block_worlds);
    unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (layout.rows == 0) threads = 1;

    std::size_t max_nodes = 0, max_arcs = 0, max_events = 0;
    for (const Plan* p : plans) {
        max_nodes = std::max(max_nodes, p->nodes);
        max_arcs = std::max(max_arcs, p->arc_hot.size());
        max_events = std::max(max_events, p->events.size());
    }
    std::vector<std::unique_ptr<Scratch>> scratch(threads);
    std::vector<std::vector<std::unique_ptr<Tallies>>> tallies(count);
    for (auto& per_graph : tallies) per_graph.resize(threads);
    std::vector<std::unique_ptr<PairSpace<W>>> pairs(threads);
    std::vector<std::vector<Tallies*>> thread_tallies(threads);

    auto widest = [&](const std::vector<PairSums>& sums, std::uint64_t worlds) {
        double out = 0.0;
        for (std::size_t v = 0; v < layout.variants; ++v)
            for (std::size_t i = 0; i < layout.rows; ++i)
                for (std::size_t c = 0; c < layout.classes; ++c) {
                    const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                    double low, high;
                    difference_interval(layout, *plans[0], *plans[v + 1], at, i, c, sums[at], worlds, z, low, high);
                    out = std::max(out, (high - low) / 2.0);
                }
        return out;
    };

    // Each worker evaluates a block graph by graph, the base first with its own mask cache,
    // from which the variants copy the masks of the arcs they share with it; the block counts
    // only if every graph finished it.
    std::vector<std::vector<std::int32_t>> donor_arcs(count);
    for (std::size_t g = 1; g < count; ++g) donor_arcs[g] = shared_arcs(*plans[0], *plans[g]);
    std::vector<std::unique_ptr<ArcCache>> base_cache(threads);
    if (layout.rows > 0)
        run_blocks(
            threads, total_blocks, block_worlds, options,
            [&](unsigned t, std::uint64_t block, const std::atomic<bool>& stop) {
                if (!scratch[t]) {
                    scratch[t] = std::make_unique<Scratch>(max_nodes, max_arcs, max_events, W);
                    base_cache[t] = std::make_unique<ArcCache>(plans[0]->arc_hot.size(), plans[0]->events.size(), W);
                    for (std::size_t g = 0; g < count; ++g) {
                        tallies[g][t] = std::make_unique<Tallies>(*plans[g], W, true);
                        thread_tallies[t].push_back(tallies[g][t].get());
                    }
                    pairs[t] = std::make_unique<PairSpace<W>>(pair_size);
                }
                if (!Kernel<W>(*graphs[0], *plans[0], *scratch[t], *thread_tallies[t][0], stop, base_cache[t].get())
                         .compute_block(block))
                    return false;
                for (std::size_t g = 1; g < count; ++g) {
                    const Donor donor{base_cache[t].get(), donor_arcs[g].data()};
                    if (!Kernel<W>(*graphs[g], *plans[g], *scratch[t], *thread_tallies[t][g], stop, nullptr, donor)
                             .compute_block(block))
                        return false;
                }
                for (std::size_t g = 0; g < count; ++g)
                    Kernel<W>(*graphs[g], *plans[g], *scratch[t], *thread_tallies[t][g], stop).commit();
                pairs[t]->tally(plans, thread_tallies[t], layout);
                return true;
            },
            [&] {
                const Tally tally = sum_counts(tallies[0], plans[0]->adversaries.size() * plans[0]->stride);
                return widest(sum_pairs(pairs, pair_size), tally.blocks * block_worlds) <= options.tolerance;
            });

    ComparisonTable out;
    std::uint64_t worlds = 0;
    for (std::size_t g = 0; g < count; ++g) {
        const Tally tally = sum_counts(tallies[g], plans[g]->adversaries.size() * plans[g]->stride);
        worlds = tally.blocks * block_worlds;  // the same for every graph
        out.tables.push_back(make_table(*graphs[g], *plans[g], tally, worlds, options, z));
    }
    if (options.progress) options.progress(worlds, total_blocks * block_worlds);

    const std::vector<PairSums> sums = sum_pairs(pairs, pair_size);
    out.variants = layout.variants;
    out.adversaries = layout.rows;
    out.classes = layout.classes;
    out.samples = worlds;
    out.seed = options.seed;
    out.identical = layout.identical;
    for (auto* column : {&out.probability_difference, &out.probability_difference_ci_low,
                         &out.probability_difference_ci_high, &out.expected_share_difference,
                         &out.expected_share_difference_ci_low, &out.expected_share_difference_ci_high})
        column->assign(pair_size, 0.0);
    out.base_only.assign(pair_size, 0);
    out.variant_only.assign(pair_size, 0);
    const ExposureTable& base_table = out.tables[0];
    const long double n = static_cast<long double>(worlds);
    for (std::size_t v = 0; v < layout.variants; ++v) {
        const ExposureTable& variant_table = out.tables[v + 1];
        const Plan &base = *plans[0], &variant = *plans[v + 1];
        for (std::size_t i = 0; i < layout.rows; ++i) {
            for (std::size_t c = 0; c < layout.classes; ++c) {
                const std::size_t at = (v * layout.rows + i) * layout.classes + c;
                const auto r = static_cast<Eigen::Index>(i), k = static_cast<Eigen::Index>(c);
                const PairSums& s = sums[at];
                out.base_only[at] = s.base_only;
                out.variant_only[at] = s.variant_only;
                const std::uint8_t kb = base.class_known[i * layout.classes + c],
                                   kv = variant.class_known[i * layout.classes + c];
                const double top_b = base.class_top[i * layout.classes + c],
                             top_v = variant.class_top[i * layout.classes + c];

                // Probability.
                double low, high;
                difference_interval(layout, base, variant, at, i, c, s, worlds, z, low, high);
                if (layout.identical[at])
                    out.probability_difference[at] = 0.0;
                else if (worlds == 0 || (probability_settled(kb) && probability_settled(kv)))
                    out.probability_difference[at] = variant_table.probability(r, k) - base_table.probability(r, k);
                else
                    out.probability_difference[at] = static_cast<double>(
                        (static_cast<long double>(s.variant_only) - static_cast<long double>(s.base_only)) / n);
                if (worlds == 0 && !layout.identical[at] && !(probability_settled(kb) && probability_settled(kv))) {
                    low = variant_table.ci_low(r, k) - base_table.ci_high(r, k);
                    high = variant_table.ci_high(r, k) - base_table.ci_low(r, k);
                }
                out.probability_difference_ci_low[at] = low;
                out.probability_difference_ci_high[at] = high;
                out.max_half_width = std::max(out.max_half_width, (high - low) / 2.0);

                // Expected share.
                double& mean = out.expected_share_difference[at];
                double& es_low = out.expected_share_difference_ci_low[at];
                double& es_high = out.expected_share_difference_ci_high[at];
                if (layout.identical[at]) {
                    mean = es_low = es_high = 0.0;
                } else if ((kb & kFixedShare) && (kv & kFixedShare)) {
                    mean = es_low = es_high = top_v - top_b;
                } else if (worlds == 0) {
                    mean = variant_table.expected_share(r, k) - base_table.expected_share(r, k);
                    es_low = variant_table.expected_share_ci_low(r, k) - base_table.expected_share_ci_high(r, k);
                    es_high = variant_table.expected_share_ci_high(r, k) - base_table.expected_share_ci_low(r, k);
                } else {
                    const long double sum =
                        (s.positive.value() - s.negative.value()) / static_cast<long double>(kFixedScale);
                    const long double squares = s.squares.value() / static_cast<long double>(kFixedScale);
                    const long double m = sum / n;
                    mean = static_cast<double>(m);
                    // The sample variance of D with z^2 / 2 pseudo-worlds at each end of its
                    // range (D = top_v and D = -top_b) about the same mean: with many worlds
                    // where the models differ it is the plain sample variance; with few or none
                    // (where a normal interval from the sample alone is far too narrow) it keeps
                    // the interval about z^2 / n wide, like Tango's interval for probabilities.
                    const long double zz = static_cast<long double>(z) * z;
                    const long double spread = std::max(0.0L, squares - sum * m) +
                                               zz / 2.0L * ((top_v - m) * (top_v - m) + (top_b + m) * (top_b + m));
                    const long double variance = spread / (n + zz - 1.0L);
                    const double half = static_cast<double>(z * std::sqrt(variance / n));
                    es_low = std::clamp(mean - half, -top_b, mean);
                    es_high = std::clamp(mean + half, mean, top_v);
                }
            }
        }
    }
    return out;
}

}  // namespace

ComparisonTable monte_carlo_compare(const std::vector<const CompiledGraph*>& graphs,
                                    const std::vector<std::vector<NodeIndex>>& adversaries_per_graph,
                                    const MonteCarloOptions& options) {
    check_options(options);
    if (graphs.empty()) throw ModelError("graphs: give the base and at least one variant");
    if (adversaries_per_graph.size() != graphs.size())
        throw ModelError("adversaries: " + std::to_string(adversaries_per_graph.size()) + " lists for " +
                         std::to_string(graphs.size()) + " graphs");
    std::size_t nodes = 0;
    for (std::size_t g = 0; g < graphs.size(); ++g) {
        if (!graphs[g]) throw ModelError("graphs[" + std::to_string(g) + "]: no graph");
        if (graphs[g]->class_count() != graphs[0]->class_count())
            throw ModelError("graphs[" + std::to_string(g) + "]: " + std::to_string(graphs[g]->class_count()) +
                             " classes, the base has " + std::to_string(graphs[0]->class_count()));
        if (adversaries_per_graph[g].size() != adversaries_per_graph[0].size())
            throw ModelError("adversaries[" + std::to_string(g) +
                             "]: " + std::to_string(adversaries_per_graph[g].size()) + " adversaries, the base has " +
                             std::to_string(adversaries_per_graph[0].size()));
        for (NodeIndex a : adversaries_per_graph[g])
            if (a < 0 || static_cast<std::size_t>(a) >= graphs[g]->node_count())
                throw ModelError("adversaries[" + std::to_string(g) + "]: no node #" + std::to_string(a));
        nodes = std::max(nodes, graphs[g]->node_count());
    }
    switch (block_words_for(nodes, options)) {
        case 1: return run<1>(graphs, adversaries_per_graph, options);
        case 2: return run<2>(graphs, adversaries_per_graph, options);
        case 4: return run<4>(graphs, adversaries_per_graph, options);
        default: return run<8>(graphs, adversaries_per_graph, options);
    }
}

}  // namespace datareach
