// Small models for the GoogleTest suite, built in code: one table row per call, every id
// the row index it returns. The one model builder of tests/cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/model_data.hpp"

namespace datareach::testing {

class ModelBuilder {
public:
    ModelData data;

    // The region with this path ("US/VA"), added with its missing ancestors on first use.
    std::int32_t region(const std::string& path) {
        for (std::size_t r = 0; r < data.region_names.size(); ++r)
            if (data.region_names[r] == path) return static_cast<std::int32_t>(r);
        const auto slash = path.rfind('/');
        const std::int32_t parent = slash == std::string::npos ? -1 : region(path.substr(0, slash));
        data.region_names.push_back(path);
        data.region_parent.push_back(parent);
        return static_cast<std::int32_t>(data.region_names.size() - 1);
    }

    // A node in the region with this path ("": no region).
    std::int32_t node(NodeKind kind, const std::string& region_path = "") {
        data.node_kind.push_back(kind);
        data.node_region.push_back(region_path.empty() ? -1 : region(region_path));
        data.node_territory.push_back(-1);
        data.node_compels.push_back(std::nan(""));
        return static_cast<std::int32_t>(data.node_kind.size() - 1);
    }
    std::int32_t role(const std::string& region_path = "") { return node(NodeKind::role, region_path); }
    std::int32_t store(const std::string& region_path = "") { return node(NodeKind::store, region_path); }
    // A jurisdiction whose rule reaches every node in `territory` with p = compels.
    std::int32_t jurisdiction(const std::string& territory, double compels, const std::string& region_path = "") {
        const auto j = node(NodeKind::jurisdiction, region_path);
        data.node_territory[j] = region(territory);
        data.node_compels[j] = compels;
        return j;
    }

    std::int32_t atomic_class(double sensitivity = 1.0, double records = 1.0) {
        data.class_sensitivity.push_back(sensitivity);
        data.class_records.push_back(records);
        data.class_components.push_row({});
        return static_cast<std::int32_t>(data.class_sensitivity.size() - 1);
    }
    std::int32_t composite_class(const std::vector<std::int32_t>& components, double sensitivity = 1.0,
                                 double records = 1.0) {
        data.class_sensitivity.push_back(sensitivity);
        data.class_records.push_back(records);
        data.class_components.push_row(components);
        return static_cast<std::int32_t>(data.class_sensitivity.size() - 1);
    }

    std::int32_t event(double p) {
        data.event_p.push_back(p);
        return static_cast<std::int32_t>(data.event_p.size() - 1);
    }

    void place(std::int32_t cls, std::int32_t store, double share = 1.0, Window window = {}) {
        data.placement_class.push_back(cls);
        data.placement_store.push_back(store);
        data.placement_share.push_back(share);
        data.placement_window.push_back(window);
    }

    void flow(std::int32_t from, std::int32_t to, double share = 1.0, const std::vector<std::int32_t>& classes = {},
              Window window = {}) {
        data.flow_from.push_back(from);
        data.flow_to.push_back(to);
        data.flow_share.push_back(share);
        data.flow_window.push_back(window);
        data.flow_classes.push_row(classes);
    }

    std::int32_t arc(std::int32_t from, std::int32_t to, double p = 1.0, const std::vector<std::int32_t>& classes = {},
                     const std::vector<std::int32_t>& events = {}, Window window = {}) {
        data.arc_from.push_back(from);
        data.arc_to.push_back(to);
        data.arc_p.push_back(p);
        data.arc_cost.push_back(1.0);
        data.arc_window.push_back(window);
        data.arc_classes.push_row(classes);
        data.arc_requires.push_row(events);
        return static_cast<std::int32_t>(data.arc_from.size() - 1);
    }

    // An undirected link: two arcs with p = 1 that require one shared event of probability p.
    void link(std::int32_t a, std::int32_t b, double p) {
        const auto e = event(p);
        arc(a, b, 1.0, {}, {e});
        arc(b, a, 1.0, {}, {e});
    }

    CompiledGraph compile(std::optional<Day> at = std::nullopt) const { return CompiledGraph::compile(data, at); }
};

// Network-reliability benchmarks with published values, built from undirected links of
// probability p: roles, and one store holding all of atomic class 0 at the target.

// The bridge network: source 0, nodes 1 and 2, target store 3; links 0-1, 0-2, 1-2, 1-3, 2-3.
inline ModelBuilder bridge(double p, std::int32_t& source, std::int32_t& target) {
    ModelBuilder b;
    std::vector<std::int32_t> v;
    for (int i = 0; i < 3; ++i) v.push_back(b.role());
    v.push_back(b.store());
    for (auto [x, y] : {std::pair{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}}) b.link(v[x], v[y], p);
    b.place(b.atomic_class(), v[3]);
    source = v[0];
    target = v[3];
    return b;
}

// A rows x cols grid, row by row: links to the right and down neighbours; source is the
// first corner, target the store in the opposite corner.
inline ModelBuilder grid(int rows, int cols, double p, std::int32_t& source, std::int32_t& target) {
    ModelBuilder b;
    std::vector<std::int32_t> id(rows * cols);
    for (int i = 0; i < rows * cols; ++i) id[i] = (i == rows * cols - 1) ? b.store() : b.role();
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            if (c + 1 < cols) b.link(id[r * cols + c], id[r * cols + c + 1], p);
            if (r + 1 < rows) b.link(id[r * cols + c], id[(r + 1) * cols + c], p);
        }
    b.place(b.atomic_class(), id.back());
    source = id[0];
    target = id.back();
    return b;
}

// Nodes 0 .. nodes - 1 of b: every store_every-th (node i with i % store_every ==
// store_every - 1) a store in US/VA or CN/Beijing, the others roles in US or CN. Returns the
// stores, in node order.
inline std::vector<std::int32_t> stores_among_roles(ModelBuilder& b, int nodes, int store_every) {
    std::vector<std::int32_t> stores;
    for (int i = 0; i < nodes; ++i) {
        if (i % store_every == store_every - 1)
            stores.push_back(b.store(i % 2 ? "US/VA" : "CN/Beijing"));
        else
            b.role(i % 3 ? "US" : "CN");
    }
    return stores;
}

// A random graph of `nodes` nodes (every seventh a store) and `arcs` arcs with impossible
// arcs (p = 0 or an event with p = 0), certain ones, filters, events, and loops; data on a
// few stores only, so that part of the graph is not swept.
inline ModelData random_sweep_model(std::mt19937_64& rng, int nodes, int arcs, int placements) {
    ModelBuilder b;
    auto pick = [&](int n) { return static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(n)); };
    const std::vector<std::int32_t> stores = stores_among_roles(b, nodes, 7);
    const int classes = 3;
    for (int c = 0; c < classes; ++c) b.atomic_class();
    b.composite_class({0, 1});
    for (int k = 0; k < placements; ++k)
        b.place(pick(classes), stores[static_cast<std::size_t>(pick(static_cast<int>(stores.size())))],
                0.25 * (1 + pick(4)));
    const double event_p[] = {0.0, 0.5, 1.0, 0.7};
    for (double p : event_p) b.event(p);
    const double ps[] = {1.0, 0.0, 0.5, 0.3, 0.9, 1.0};
    for (int k = 0; k < arcs; ++k) {
        std::vector<std::int32_t> filter, req;
        if (pick(4) == 0) filter.push_back(pick(classes));
        if (pick(5) == 0) filter.push_back(pick(classes));
        std::sort(filter.begin(), filter.end());
        filter.erase(std::unique(filter.begin(), filter.end()), filter.end());
        if (pick(3) == 0) req.push_back(pick(4));
        if (pick(6) == 0) req.push_back(pick(4));
        const std::int32_t from = pick(nodes);
        b.arc(from, pick(8) == 0 ? from : pick(nodes), ps[pick(6)], filter, req);
    }
    return b.data;
}

// Nodes reached from `from` along arcs that can be live (forward or backward), by a plain
// search that knows nothing of the plan.
inline std::vector<std::uint8_t> reached_over_possible_arcs(const CompiledGraph& g, const std::vector<NodeIndex>& from,
                                                            bool forward) {
    std::vector<std::uint8_t> seen(g.node_count(), 0);
    for (NodeIndex v : from) seen[v] = 1;
    for (bool grew = true; grew;) {  // relax every arc until nothing changes
        grew = false;
        for (std::size_t a = 0; a < g.arc_count(); ++a) {
            const auto arc = static_cast<ArcIndex>(a);
            if (!g.arc_possible(arc)) continue;
            const NodeIndex x = forward ? g.arc_source(arc) : g.arc_target(arc);
            const NodeIndex y = forward ? g.arc_target(arc) : g.arc_source(arc);
            if (seen[x] && !seen[y]) seen[y] = 1, grew = true;
        }
    }
    return seen;
}

// A medium random model (fixed seed): 300 nodes (every fifth a store in US/VA or CN/Beijing,
// the others roles in US or CN), three atomic classes and a composite of the first two,
// five events, 1500 arcs with filters and events whose p is p_min + p_span * k / 1000 for a
// random k in [0, 1000), and a jurisdiction rule for CN (compels 0.3).
inline ModelData medium_model(double p_min, double p_span) {
    std::mt19937_64 rng(7);
    ModelBuilder b;
    const int n = 300;
    stores_among_roles(b, n, 5);
    const auto d = b.atomic_class(), e = b.atomic_class();
    b.atomic_class();
    b.composite_class({d, e});
    for (int i = 4; i < n; i += 5) b.place(static_cast<std::int32_t>(rng() % 3), i, 0.25 * (1 + rng() % 4));
    for (int k = 0; k < 5; ++k) b.event(0.5 + 0.1 * k);
    for (int k = 0; k < 1500; ++k) {
        std::vector<std::int32_t> filter, req;
        if (rng() % 4 == 0) filter.push_back(static_cast<std::int32_t>(rng() % 3));
        if (rng() % 3 == 0) req.push_back(static_cast<std::int32_t>(rng() % 5));
        b.arc(static_cast<std::int32_t>(rng() % n), static_cast<std::int32_t>(rng() % n),
              p_min + p_span * (rng() % 1000) / 1000.0, filter, req);
    }
    b.jurisdiction("CN", 0.3);
    return b.data;
}

// A random model in the all-terminal shape, into `b`: the adversary (node 0, a role) and
// n - 1 stores, each holding its own atomic class (at share 0.5 one time in three), then a
// spanning tree from the adversary and more connections, 16 at most: links or, one time in
// three when `one_way`, a one-way arc. Regions at random. Returns the atoms.
template <class Pick>
std::vector<std::int32_t> random_all_terminal(ModelBuilder& b, Pick&& pick, int n, bool one_way) {
    const char* regions[] = {"", "A", "A/x", "B"};
    std::vector<std::int32_t> atoms;
    b.role(regions[pick(4)]);
    for (int v = 1; v < n; ++v) {
        b.store(regions[pick(4)]);
        atoms.push_back(b.atomic_class());
        b.place(atoms.back(), v, pick(3) == 0 ? 0.5 : 1.0);
    }
    const int connections = n - 1 + pick(n + 2);
    for (int i = 0; i < connections && i < 16; ++i) {
        const int u = i < n - 1 ? pick(i + 1) : pick(n), v = i < n - 1 ? i + 1 : pick(n);  // a tree first
        if (u == v) continue;
        if (one_way && pick(3) == 0)
            b.arc(u, v, 0.1 * (1 + pick(9)));
        else
            b.link(u, v, 0.1 * (1 + pick(9)));
    }
    return atoms;
}

}  // namespace datareach::testing
