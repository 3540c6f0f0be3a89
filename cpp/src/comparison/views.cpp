// Matching of views (see views.hpp): two joint searches prove, where they can within a
// budget, that an adversary sees a class identically in the base and a variant.
#include "views.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "datareach/search.hpp"

namespace datareach::comparison {
namespace {

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
    explicit Side(const CompiledGraph& g) : graph_(g), partner_(g.node_count(), -1), relevant_(g.node_count()) {
        const std::size_t nodes = g.node_count(), arcs = g.arc_count();
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

    const CompiledGraph& graph() const { return graph_; }
    bool relevant(NodeIndex v) const { return relevant_.reached(v); }
    NodeIndex& partner(NodeIndex v) { return partner_[v]; }

    // Marks the nodes that can reach a store holding the class (any class: cls < 0) over
    // arcs that can be live and admit it. False if the budget ran out.
    bool mark_relevant(ClassIndex cls, std::uint64_t& budget) {
        relevant_.restart();
        const auto& presence = graph_.presence_stores();
        for (std::size_t d = 0; d < graph_.class_count(); ++d) {
            if (cls >= 0 && d != static_cast<std::size_t>(cls)) continue;
            for (NodeIndex store : presence.row(d)) relevant_.seed(store);
        }
        return relevant_.run(graph_, Direction::reverse, ArcsAsked::all, [&](NodeIndex, ArcIndex a, NodeIndex) {
            if (budget == 0) return Step::stop;
            --budget;
            return live_[a] && (cls < 0 || graph_.admits(a, cls)) ? Step::take : Step::skip;
        });
    }

    std::vector<NodeIndex> paired;

private:
    const CompiledGraph& graph_;
    std::vector<NodeIndex> partner_;
    NodeSearch relevant_;
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
    auto same_rows = [](const auto& x, const auto& y) { return x.offsets == y.offsets && x.values == y.values; };
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

}  // namespace

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

}  // namespace datareach::comparison
