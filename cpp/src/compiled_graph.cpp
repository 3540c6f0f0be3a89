#include "datareach/compiled_graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <string>
#include <utility>

#include "datareach/errors.hpp"

namespace datareach {
namespace {

bool present(const Window& window, std::optional<Day> at) { return !at || window.contains(*at); }

// Flattens every class into its atomic parts; composites may nest but not form a cycle.
RaggedIndex flatten_classes(const RaggedIndex& components, std::vector<std::uint8_t>& composite) {
    const std::size_t count = components.rows();
    composite.assign(count, 0);
    enum : std::uint8_t { unseen, active, done };
    std::vector<std::uint8_t> state(count, unseen);
    std::vector<std::vector<std::int32_t>> atoms(count);

    // Iterative depth-first search so deep component chains cannot overflow the stack.
    for (std::size_t root = 0; root < count; ++root) {
        if (state[root] == done) continue;
        std::vector<std::pair<std::int32_t, std::int64_t>> stack{{static_cast<std::int32_t>(root), 0}};
        state[root] = active;
        while (!stack.empty()) {
            auto& [c, next] = stack.back();
            const auto first = components.offsets[c];
            if (first + next < components.offsets[c + 1]) {
                const std::int32_t child = components.values[first + next];
                ++next;
                if (state[child] == active)
                    throw ModelError("classes[" + std::to_string(c) +
                                     "].components: composite classes form a cycle through classes[" +
                                     std::to_string(child) + "]");
                if (state[child] == unseen) {
                    state[child] = active;
                    stack.emplace_back(child, 0);
                }
                continue;
            }
            auto& mine = atoms[c];
            if (components.size(c) == 0) {
                mine.push_back(c);
            } else {
                composite[c] = 1;
                for (auto it = components.begin(c); it != components.end(c); ++it)
                    mine.insert(mine.end(), atoms[*it].begin(), atoms[*it].end());
                std::sort(mine.begin(), mine.end());
                mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
            }
            state[c] = done;
            stack.pop_back();
        }
    }
    RaggedIndex flat;
    for (const auto& row : atoms) flat.push_row(row);
    return flat;
}

// The atomic classes a filter row names; empty stays empty (= every class).
std::vector<std::int32_t> atomic_filter(const RaggedIndex& filter, std::size_t row, const RaggedIndex& atoms) {
    std::vector<std::int32_t> out;
    for (auto it = filter.begin(row); it != filter.end(row); ++it)
        out.insert(out.end(), atoms.begin(*it), atoms.end(*it));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool within(const std::vector<std::int32_t>& parent, std::int32_t region, std::int32_t ancestor) {
    for (; region != -1; region = parent[region])
        if (region == ancestor) return true;
    return false;
}

struct PendingArc {
    NodeIndex from;
    NodeIndex to;
    double p;
    double cost;
    std::int64_t origin;  // access row, or a jurisdiction origin (rule arcs: no filter, no events)
};

}  // namespace

CompiledGraph CompiledGraph::compile(const ModelData& model, std::optional<Day> at) {
    model.validate();
    CompiledGraph g;
    g.at_ = at;
    g.node_kind_ = model.node_kind;
    g.node_region_ = model.node_region;
    g.region_parent_ = model.region_parent;
    g.event_p_ = model.event_p;
    g.event_key_.resize(model.event_count());
    for (std::size_t e = 0; e < model.event_count(); ++e)
        g.event_key_[e] = model.event_key.empty() ? e : model.event_key[e];
    const auto node_key = [&](std::size_t v) -> std::uint64_t {
        return model.node_key.empty() ? v : model.node_key[v];
    };
    g.class_sensitivity_ = model.class_sensitivity;
    g.class_records_ = model.class_records;
    g.class_atoms_ = flatten_classes(model.class_components, g.composite_);

    const std::size_t nodes = model.node_count();

    // Explicit arcs present at `at`, then the implicit arcs of jurisdiction rules.
    std::vector<PendingArc> arcs;
    arcs.reserve(model.arc_count());
    for (std::size_t i = 0; i < model.arc_count(); ++i) {
        if (!present(model.arc_window[i], at)) continue;
        arcs.push_back(
            {model.arc_from[i], model.arc_to[i], model.arc_p[i], model.arc_cost[i], static_cast<std::int64_t>(i)});
    }
    for (std::size_t j = 0; j < nodes; ++j) {
        if (std::isnan(model.node_compels[j])) continue;
        const std::int32_t territory = model.node_territory[j];
        for (std::size_t v = 0; v < nodes; ++v) {
            if (v == j || (!model.node_rule_exempt.empty() && model.node_rule_exempt[v])) continue;
            if (!within(model.region_parent, model.node_region[v], territory)) continue;
            arcs.push_back({static_cast<NodeIndex>(j), static_cast<NodeIndex>(v), model.node_compels[j], 1.0,
                            jurisdiction_origin(static_cast<NodeIndex>(j))});
        }
    }

    // Stable counting sort by source: CSR order, explicit arcs before rule arcs per node.
    std::vector<std::int64_t> row_start(nodes + 1, 0);
    for (const auto& a : arcs) ++row_start[a.from + 1];
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    std::vector<std::size_t> order(arcs.size());
    {
        auto cursor = row_start;
        for (std::size_t i = 0; i < arcs.size(); ++i) order[cursor[arcs[i].from]++] = i;
    }

    std::vector<std::pair<std::size_t, std::size_t>> edges;
    edges.reserve(arcs.size());
    g.arc_source_.reserve(arcs.size());
    g.arc_p_.reserve(arcs.size());
    g.arc_cost_.reserve(arcs.size());
    g.arc_origin_.reserve(arcs.size());
    g.arc_key_.reserve(arcs.size());
    const std::vector<std::int32_t> no_indices;
    for (std::size_t i : order) {
        const auto& a = arcs[i];
        edges.emplace_back(a.from, a.to);
        g.arc_source_.push_back(a.from);
        g.arc_p_.push_back(a.p);
        g.arc_cost_.push_back(a.cost);
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
                g.arc_classes_.push_row(atomic_filter(model.arc_classes, row, g.class_atoms_));
            g.arc_requires_.values.insert(g.arc_requires_.values.end(), model.arc_requires.begin(row),
                                          model.arc_requires.end(row));
            g.arc_requires_.offsets.push_back(static_cast<std::int64_t>(g.arc_requires_.values.size()));
        }
    }
    g.graph_ = ArcGraph(boost::edges_are_sorted, edges.begin(), edges.end(), nodes);

    // Presence (DESIGN 2.1): the widest path over flows, where a path's width is the product
    // of shares. Shares are <= 1, so widths only shrink along a path and a label-setting
    // search (Dijkstra with max-product) is exact, cycles included.
    const std::size_t classes = model.class_count();
    std::vector<std::vector<std::pair<std::size_t, double>>> flows_from(nodes);
    std::vector<std::vector<std::int32_t>> flow_filter(model.flow_count());
    for (std::size_t f = 0; f < model.flow_count(); ++f) {
        if (!present(model.flow_window[f], at)) continue;
        flows_from[model.flow_from[f]].emplace_back(f, model.flow_share[f]);
        flow_filter[f] = atomic_filter(model.flow_classes, f, g.class_atoms_);
    }
    std::vector<double> best(nodes, 0.0);
    std::vector<NodeIndex> touched;
    std::vector<std::vector<std::size_t>> placements_of(classes);
    for (std::size_t i = 0; i < model.placement_count(); ++i)
        if (present(model.placement_window[i], at)) placements_of[model.placement_class[i]].push_back(i);

    for (std::size_t d = 0; d < classes; ++d) {
        std::vector<std::pair<NodeIndex, double>> row;
        if (!g.composite_[d]) {
            using Entry = std::pair<double, NodeIndex>;
            std::priority_queue<Entry> queue;
            for (std::size_t i : placements_of[d]) {
                const NodeIndex s = model.placement_store[i];
                if (best[s] == 0.0) touched.push_back(s);
                if (model.placement_share[i] > best[s]) {
                    best[s] = model.placement_share[i];
                    queue.emplace(best[s], s);
                }
            }
            while (!queue.empty()) {
                const auto [width, s] = queue.top();
                queue.pop();
                if (width < best[s]) continue;
                for (const auto& [f, share] : flows_from[s]) {
                    const auto& filter = flow_filter[f];
                    if (!filter.empty() &&
                        !std::binary_search(filter.begin(), filter.end(), static_cast<std::int32_t>(d)))
                        continue;
                    const NodeIndex t = model.flow_to[f];
                    const double candidate = width * share;
                    if (candidate > best[t]) {
                        if (best[t] == 0.0) touched.push_back(t);
                        best[t] = candidate;
                        queue.emplace(candidate, t);
                    }
                }
            }
            std::sort(touched.begin(), touched.end());
            for (NodeIndex s : touched) {
                row.emplace_back(s, best[s]);
                best[s] = 0.0;
            }
            touched.clear();
        }
        std::vector<std::int32_t> stores;
        for (const auto& [s, share] : row) {
            stores.push_back(s);
            g.presence_shares_.push_back(share);
        }
        g.presence_stores_.push_row(stores);
    }
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

bool CompiledGraph::region_within(std::int32_t region, std::int32_t ancestor) const {
    return within(region_parent_, region, ancestor);
}

double CompiledGraph::presence_share(ClassIndex atomic_class, NodeIndex store) const {
    const auto first = presence_stores_.begin(atomic_class);
    const auto last = presence_stores_.end(atomic_class);
    const auto it = std::lower_bound(first, last, store);
    if (it == last || *it != store) return 0.0;
    return presence_shares_[static_cast<std::size_t>(it - presence_stores_.values.data())];
}

}  // namespace datareach
