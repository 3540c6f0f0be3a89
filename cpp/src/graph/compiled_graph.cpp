// Compilation of a model as of one date into the CompiledGraph every engine reads: arcs
// present at the date, rule arcs of jurisdictions expanded, both CSR orders, then the class
// structure and presence (compile_steps.hpp). Built once so that the engines never redo it.
#include "datareach/compiled_graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "compile_steps.hpp"

namespace datareach {
namespace {

bool within(const std::vector<std::int32_t>& parent, std::int32_t region, std::int32_t ancestor) {
    for (; region != -1; region = parent[region])
        if (region == ancestor) return true;
    return false;
}

struct PendingArc {
    NodeIndex from;
    NodeIndex to;
    double p;
    std::int64_t origin;  // access row, or a jurisdiction origin (rule arcs: no filter, no events)
};

}  // namespace

CompiledGraph CompiledGraph::compile(const ModelData& model, std::optional<Day> at) {
    model.validate();
    CompiledGraph g;
    g.at_ = at;
    g.node_region_ = model.node_region;
    g.region_parent_ = model.region_parent;
    g.event_p_ = model.event_p;
    g.event_key_.resize(model.event_count());
    for (std::size_t e = 0; e < model.event_count(); ++e)
        g.event_key_[e] = model.event_key.empty() ? e : model.event_key[e];
    const auto node_key = [&](std::size_t v) -> std::uint64_t {
        return model.node_key.empty() ? v : model.node_key[v];
    };
    g.class_atoms_ = compile_steps::flatten_classes(model.class_components, g.composite_);

    const std::size_t nodes = model.node_count();

    // Explicit arcs present at `at`, then the implicit arcs of jurisdiction rules.
    std::vector<PendingArc> arcs;
    arcs.reserve(model.arc_count());
    for (std::size_t i = 0; i < model.arc_count(); ++i) {
        if (!compile_steps::present(model.arc_window[i], at)) continue;
        arcs.push_back({model.arc_from[i], model.arc_to[i], model.arc_p[i], static_cast<std::int64_t>(i)});
    }
    for (std::size_t j = 0; j < nodes; ++j) {
        if (std::isnan(model.node_compels[j])) continue;
        const std::int32_t territory = model.node_territory[j];
        for (std::size_t v = 0; v < nodes; ++v) {
            if (v == j || (!model.node_rule_exempt.empty() && model.node_rule_exempt[v])) continue;
            if (!within(model.region_parent, model.node_region[v], territory)) continue;
            arcs.push_back({static_cast<NodeIndex>(j), static_cast<NodeIndex>(v), model.node_compels[j],
                            jurisdiction_origin(static_cast<NodeIndex>(j))});
        }
    }

    // Stable counting sort by source: CSR order, explicit arcs before rule arcs per node.
    std::vector<ArcIndex>& row_start = g.out_offsets_;
    row_start.assign(nodes + 1, 0);
    for (const auto& a : arcs) ++row_start[a.from + 1];
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    std::vector<std::size_t> order(arcs.size());
    {
        auto cursor = row_start;
        for (std::size_t i = 0; i < arcs.size(); ++i) order[cursor[arcs[i].from]++] = i;
    }

    g.arc_source_.reserve(arcs.size());
    g.arc_target_.reserve(arcs.size());
    g.arc_p_.reserve(arcs.size());
    g.arc_origin_.reserve(arcs.size());
    g.arc_key_.reserve(arcs.size());
    const std::vector<std::int32_t> no_indices;
    for (std::size_t i : order) {
        const auto& a = arcs[i];
        g.arc_target_.push_back(a.to);
        g.arc_source_.push_back(a.from);
        g.arc_p_.push_back(a.p);
        g.arc_origin_.push_back(a.origin);
        if (is_jurisdiction_origin(a.origin))
            g.arc_key_.push_back(mix_keys(mix_keys(node_key(a.from), node_key(a.to)), 0x6A75726973ull));
        else
            g.arc_key_.push_back(model.arc_key.empty() ? static_cast<std::uint64_t>(a.origin)
                                                       : model.arc_key[a.origin]);
        if (is_jurisdiction_origin(a.origin)) {
            g.arc_classes_.push_row(no_indices);
            g.arc_requires_.push_row(no_indices);
        } else {
            const auto row = static_cast<std::size_t>(a.origin);
            if (model.arc_classes.size(row) == 0)
                g.arc_classes_.push_row(no_indices);
            else
                g.arc_classes_.push_row(compile_steps::atomic_filter(model.arc_classes, row, g.class_atoms_));
            g.arc_requires_.values.insert(g.arc_requires_.values.end(), model.arc_requires.begin(row),
                                          model.arc_requires.end(row));
            g.arc_requires_.offsets.push_back(static_cast<std::int64_t>(g.arc_requires_.values.size()));
        }
    }

    // In-arcs: a counting sort by target over ascending arc indices.
    g.in_offsets_.assign(nodes + 1, 0);
    for (NodeIndex t : g.arc_target_) ++g.in_offsets_[t + 1];
    std::partial_sum(g.in_offsets_.begin(), g.in_offsets_.end(), g.in_offsets_.begin());
    g.in_arcs_.resize(g.arc_target_.size());
    {
        auto cursor = g.in_offsets_;
        for (std::size_t a = 0; a < g.arc_target_.size(); ++a)
            g.in_arcs_[cursor[g.arc_target_[a]]++] = static_cast<ArcIndex>(a);
    }

    auto presence = compile_steps::propagate_presence(model, at, g.class_atoms_, g.composite_);
    g.presence_stores_ = std::move(presence.stores);
    g.presence_shares_ = std::move(presence.shares);
    auto groups = compile_steps::group_by_filters(g.arc_classes_, g.presence_stores_, g.composite_);
    g.filter_groups_ = std::move(groups.groups);
    g.filter_group_of_ = std::move(groups.group_of);
    return g;
}

bool CompiledGraph::admits(ArcIndex a, ClassIndex atomic_class) const {
    if (arc_classes_.size(a) == 0) return true;
    return std::binary_search(arc_classes_.begin(a), arc_classes_.end(a), atomic_class);
}

double CompiledGraph::arc_live_probability(ArcIndex a) const {
    double p = arc_p_[a];
    for (auto it = arc_requires_.begin(a); it != arc_requires_.end(a); ++it) p *= event_p_[*it];
    return p;
}

bool CompiledGraph::arc_possible(ArcIndex a) const {
    if (!(arc_p_[a] > 0.0)) return false;
    for (auto it = arc_requires_.begin(a); it != arc_requires_.end(a); ++it)
        if (!(event_p_[*it] > 0.0)) return false;
    return true;
}

bool CompiledGraph::arc_certain(ArcIndex a) const {
    if (arc_p_[a] != 1.0) return false;
    for (auto it = arc_requires_.begin(a); it != arc_requires_.end(a); ++it)
        if (event_p_[*it] != 1.0) return false;
    return true;
}

double CompiledGraph::presence_share(ClassIndex atomic_class, NodeIndex store) const {
    const auto first = presence_stores_.begin(atomic_class);
    const auto last = presence_stores_.end(atomic_class);
    const auto it = std::lower_bound(first, last, store);
    if (it == last || *it != store) return 0.0;
    return presence_shares_[static_cast<std::size_t>(it - presence_stores_.values.data())];
}

}  // namespace datareach
