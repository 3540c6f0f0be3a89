// Compilation of a model as of one date into the CompiledGraph every engine reads: arcs
// present at the date, rule arcs of jurisdictions expanded, both CSR orders, then the class
// structure and presence (compile_steps.hpp). Built once so that the engines never redo it.
#include "datareach/compiled_graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "compile_steps.hpp"
#include "datareach/errors.hpp"

namespace datareach {
namespace {

bool within(const Column<std::int32_t>& parent, std::int32_t region, std::int32_t ancestor) {
    for (; region != -1; region = parent[region])
        if (region == ancestor) return true;
    return false;
}

void refuse_if_over(std::uint64_t count, const char* what) {
    if (count <= static_cast<std::uint64_t>(kMaxCompiledIndex)) return;
    throw ModelError(std::string("compiled graph: ") + std::to_string(count) + " " + what +
                     " do not fit its 32-bit indices (at most " + std::to_string(kMaxCompiledIndex) + ")");
}

}  // namespace

void check_compiled_sizes(const CompiledSizes& sizes) {
    refuse_if_over(sizes.access_rows, "access rows (the origins of arcs)");
    refuse_if_over(sizes.arcs, "arcs (present access arcs plus jurisdiction rule arcs)");
    refuse_if_over(sizes.class_entries, "class filter entries (atomic classes over all arcs)");
    refuse_if_over(sizes.require_entries, "required event entries (over all arcs)");
}

CompiledGraph CompiledGraph::compile(const ModelData& model, std::optional<Day> at) {
    model.validate();
    return compile(Validated{model}, at);
}

CompiledGraph CompiledGraph::compile(Validated validated, std::optional<Day> at) {
    const ModelData& model = validated.model;
    CompiledGraph g;
    g.at_ = at;
    g.node_region_ = model.node_region.to_vector();
    g.region_parent_ = model.region_parent.to_vector();
    g.event_p_ = model.event_p.to_vector();
    g.event_key_.resize(model.event_count());
    for (std::size_t e = 0; e < model.event_count(); ++e)
        g.event_key_[e] = model.event_key.empty() ? e : model.event_key[e];
    const auto node_key = [&](std::size_t v) -> std::uint64_t {
        return model.node_key.empty() ? v : model.node_key[v];
    };
    g.class_atoms_ = compile_steps::flatten_classes(model.class_components, g.composite_);

    const std::size_t nodes = model.node_count();
    const auto arc_present = [&](std::size_t row) {  // no windows: every arc is present
        return model.arc_window.empty() || compile_steps::present(model.arc_window[row], at);
    };

    // The arcs present at `at`: explicit arcs (access rows), then the implicit arcs of
    // jurisdiction rules, placed straight into CSR order by a counting sort on the source
    // (explicit arcs before rule arcs per node, each in the order they are met) without a
    // list of pending arcs in between.
    const auto rule_reaches = [&](std::size_t j, std::size_t v) {
        if (v == j || (!model.node_rule_exempt.empty() && model.node_rule_exempt[v])) return false;
        return within(model.region_parent, model.node_region[v], model.node_territory[j]);
    };
    std::vector<std::size_t> rulers;
    for (std::size_t j = 0; j < nodes; ++j)
        if (!std::isnan(model.node_compels[j])) rulers.push_back(j);
    // Everything stored per arc is 32-bit (kMaxCompiledIndex): count in 64 bits first and
    // refuse a model that does not fit before allocating per arc.
    std::vector<std::int64_t> row_start(nodes + 1, 0);
    CompiledSizes sizes;
    sizes.access_rows = model.arc_count();
    // The flattened filter of an arc has at most (its classes) x (the most atoms of a class)
    // entries; counted exactly below only when that bound does not fit.
    std::uint64_t most_atoms = 0;
    for (std::size_t c = 0; c < g.class_atoms_.rows(); ++c)
        most_atoms = std::max<std::uint64_t>(most_atoms, g.class_atoms_.size(c));
    std::uint64_t class_entries = 0;
    for (std::size_t i = 0; i < model.arc_count(); ++i) {
        if (!arc_present(i)) continue;
        ++row_start[model.arc_from[i] + 1];
        sizes.require_entries += model.arc_requires.size(i);
        class_entries += model.arc_classes.size(i) * most_atoms;
    }
    for (std::size_t j : rulers)
        for (std::size_t v = 0; v < nodes; ++v)
            if (rule_reaches(j, v)) ++row_start[j + 1];
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    sizes.arcs = static_cast<std::uint64_t>(row_start[nodes]);
    if (class_entries > static_cast<std::uint64_t>(kMaxCompiledIndex)) {
        class_entries = 0;
        std::vector<std::int32_t> filter;
        for (std::size_t i = 0; i < model.arc_count(); ++i) {
            if (!arc_present(i) || model.arc_classes.size(i) == 0) continue;
            compile_steps::atomic_filter_into(model.arc_classes, i, g.class_atoms_, filter);
            class_entries += filter.size();
        }
    }
    sizes.class_entries = class_entries;
    check_compiled_sizes(sizes);
    const auto total = static_cast<std::size_t>(sizes.arcs);
    g.out_offsets_.resize(nodes + 1);
    std::transform(row_start.begin(), row_start.end(), g.out_offsets_.begin(),
                   [](std::int64_t x) { return static_cast<std::int32_t>(x); });

    g.arc_source_.resize(total);
    g.arc_target_.resize(total);
    g.arc_p_.resize(total);
    g.arc_origin_.resize(total);
    g.arc_key_.resize(total);
    {
        auto& cursor = row_start;  // no longer needed as offsets
        for (std::size_t i = 0; i < model.arc_count(); ++i) {
            if (!arc_present(i)) continue;
            const auto a = static_cast<std::size_t>(cursor[model.arc_from[i]]++);
            g.arc_source_[a] = model.arc_from[i];
            g.arc_target_[a] = model.arc_to[i];
            g.arc_p_[a] = model.arc_p[i];
            g.arc_origin_[a] = static_cast<std::int32_t>(i);
            g.arc_key_[a] = model.arc_key.empty() ? static_cast<std::uint64_t>(i) : model.arc_key[i];
        }
        for (std::size_t j : rulers) {
            for (std::size_t v = 0; v < nodes; ++v) {
                if (!rule_reaches(j, v)) continue;
                const auto a = static_cast<std::size_t>(cursor[j]++);
                g.arc_source_[a] = static_cast<NodeIndex>(j);
                g.arc_target_[a] = static_cast<NodeIndex>(v);
                g.arc_p_[a] = model.node_compels[j];
                g.arc_origin_[a] = static_cast<std::int32_t>(jurisdiction_origin(static_cast<NodeIndex>(j)));
                g.arc_key_[a] = mix_keys(mix_keys(node_key(j), node_key(v)), 0x6A75726973ull);
            }
        }
    }

    // Class filters (flattened to atomic classes) and required events, in arc order.
    g.arc_requires_.offsets.assign(total + 1, 0);
    g.arc_classes_.offsets.assign(total + 1, 0);
    for (std::size_t a = 0; a < total; ++a) {
        const auto origin = g.arc_origin_[a];
        const auto row = static_cast<std::size_t>(is_jurisdiction_origin(origin) ? 0 : origin);
        g.arc_requires_.offsets[a + 1] =
            is_jurisdiction_origin(origin) ? 0 : static_cast<std::int32_t>(model.arc_requires.size(row));
    }
    std::partial_sum(g.arc_requires_.offsets.begin(), g.arc_requires_.offsets.end(), g.arc_requires_.offsets.begin());
    g.arc_requires_.values.resize(static_cast<std::size_t>(g.arc_requires_.offsets[total]));
    g.arc_classes_.values.reserve(model.arc_classes.values.size());
    g.arc_liveness_.resize(total);
    std::vector<std::int32_t> filter;
    for (std::size_t a = 0; a < total; ++a) {
        const auto origin = g.arc_origin_[a];
        // Each p tested alone: a product of tiny probabilities can underflow to 0.0.
        bool possible = g.arc_p_[a] > 0.0, certain = g.arc_p_[a] == 1.0;
        if (!is_jurisdiction_origin(origin)) {
            const auto row = static_cast<std::size_t>(origin);
            auto out = g.arc_requires_.values.begin() + g.arc_requires_.offsets[a];
            for (auto it = model.arc_requires.begin(row); it != model.arc_requires.end(row); ++it, ++out) {
                *out = *it;
                const double p = g.event_p_[*it];
                possible &= p > 0.0;
                certain &= p == 1.0;
            }
            if (model.arc_classes.size(row) != 0) {
                compile_steps::atomic_filter_into(model.arc_classes, row, g.class_atoms_, filter);
                g.arc_classes_.values.insert(g.arc_classes_.values.end(), filter.begin(), filter.end());
            }
        }
        g.arc_liveness_[a] = static_cast<std::uint8_t>((possible ? kPossible : 0) | (certain ? kCertain : 0));
        g.arc_classes_.offsets[a + 1] = static_cast<std::int32_t>(g.arc_classes_.values.size());
    }

    // In-arcs: a counting sort by target over ascending arc indices.
    g.in_offsets_.assign(nodes + 1, 0);
    for (NodeIndex t : g.arc_target_) ++g.in_offsets_[t + 1];
    std::partial_sum(g.in_offsets_.begin(), g.in_offsets_.end(), g.in_offsets_.begin());
    g.in_arcs_.resize(g.arc_target_.size());
    {
        auto cursor = g.in_offsets_;
        for (std::size_t a = 0; a < g.arc_target_.size(); ++a)
            g.in_arcs_[cursor[g.arc_target_[a]]++] = static_cast<std::int32_t>(a);
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

double CompiledGraph::presence_share(ClassIndex atomic_class, NodeIndex store) const {
    const auto first = presence_stores_.begin(atomic_class);
    const auto last = presence_stores_.end(atomic_class);
    const auto it = std::lower_bound(first, last, store);
    if (it == last || *it != store) return 0.0;
    return presence_shares_[static_cast<std::size_t>(it - presence_stores_.values.data())];
}

}  // namespace datareach
