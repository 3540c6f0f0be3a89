// Validation of ModelData before compilation: every error names the scenario-file entry and
// field, so a front end can report it without knowing the core's indices.
#include "datareach/model_data.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "datareach/errors.hpp"

namespace datareach {
namespace {

// Builds "<table>[<row>].<field>: <why>" so every message points at the file entry.
[[noreturn]] void fail(const char* table, std::size_t row, const char* field, const std::string& why) {
    std::ostringstream message;
    message << table << '[' << row << "]." << field << ": " << why;
    throw ModelError(message.str());
}

std::string show(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

void check_probability(const char* table, std::size_t row, const char* field, double p) {
    if (!(p >= 0.0 && p <= 1.0)) fail(table, row, field, "must lie in [0, 1], got " + show(p));
}

void check_share(const char* table, std::size_t row, const char* field, double share) {
    if (!(share > 0.0 && share <= 1.0)) fail(table, row, field, "must lie in (0, 1], got " + show(share));
}

void check_non_negative(const char* table, std::size_t row, const char* field, double value) {
    if (!(value >= 0.0) || std::isinf(value))
        fail(table, row, field, "must be a finite number >= 0, got " + show(value));
}

void check_index(const char* table, std::size_t row, const char* field, std::int64_t index, std::size_t count,
                 const char* what) {
    if (index < 0 || static_cast<std::size_t>(index) >= count)
        fail(table, row, field, std::string("no ") + what + " #" + std::to_string(index));
}

void check_node_is(const ModelData& m, const char* table, std::size_t row, const char* field, std::int32_t node,
                   NodeKind kind, const char* what) {
    check_index(table, row, field, node, m.node_count(), "node");
    if (m.node_kind[node] != kind) fail(table, row, field, "node #" + std::to_string(node) + " is not a " + what);
}

void check_window(const char* table, std::size_t row, const Window& w) {
    if (w.start >= w.end) fail(table, row, "window", "start must come before end");
}

void check_ragged(const char* table, const char* field, const RaggedColumn& ragged, std::size_t rows,
                  std::size_t value_count, const char* what) {
    if (ragged.offsets.empty() || ragged.rows() != rows || ragged.offsets.front() != 0 ||
        static_cast<std::size_t>(ragged.offsets.back()) != ragged.values.size())
        fail(table, 0, field, "malformed index table");
    // Offsets must not decrease, checked for every row before any row's values are read: an
    // offset past the values followed by a smaller one would otherwise be read through.
    for (std::size_t row = 0; row < rows; ++row)
        if (ragged.offsets[row + 1] < ragged.offsets[row]) fail(table, row, field, "malformed index table");
    for (std::size_t row = 0; row < rows; ++row) {
        for (auto it = ragged.begin(row); it != ragged.end(row); ++it)
            check_index(table, row, field, *it, value_count, what);
    }
}

// Every walk up the parents of a region must end (the engines walk them to find which
// regions a node lies in); a cycle would make that walk endless.
void check_region_tree(const Column<std::int32_t>& parent) {
    enum : std::uint8_t { unseen, on_walk, done };
    std::vector<std::uint8_t> state(parent.size(), unseen);
    std::vector<std::int32_t> walk;
    for (std::size_t r = 0; r < parent.size(); ++r) {
        walk.clear();
        std::int32_t x = static_cast<std::int32_t>(r);
        while (x != -1 && state[x] == unseen) {
            state[x] = on_walk;
            walk.push_back(x);
            x = parent[x];
        }
        if (x != -1 && state[x] == on_walk)
            fail("regions", static_cast<std::size_t>(x), "parent",
                 "region parents form a cycle through regions[" + std::to_string(x) + "]");
        for (const auto y : walk) state[y] = done;
    }
}

template <class... Columns>
void check_lengths(const char* table, std::size_t rows, const Columns&... columns) {
    if (((columns.size() != rows) || ...)) fail(table, 0, "*", "columns of different lengths");
}

}  // namespace

void ModelData::validate() const {
    const std::size_t regions = region_names.size();
    if (region_parent.size() != regions) fail("regions", 0, "parent", "columns of different lengths");
    for (std::size_t r = 0; r < regions; ++r)
        if (region_parent[r] != -1) check_index("regions", r, "parent", region_parent[r], regions, "region");
    check_region_tree(region_parent);

    const std::size_t nodes = node_count();
    check_lengths("nodes", nodes, node_region, node_territory, node_compels);
    if (!node_rule_exempt.empty()) check_lengths("nodes", nodes, node_rule_exempt);
    for (std::size_t v = 0; v < nodes; ++v) {
        const auto kind = static_cast<int>(node_kind[v]);
        if (kind < 0 || kind > static_cast<int>(NodeKind::gateway))
            fail("nodes", v, "kind", "unknown kind code " + std::to_string(kind));
        if (node_region[v] != -1) check_index("nodes", v, "region", node_region[v], regions, "region");
        const bool has_rule = !std::isnan(node_compels[v]);
        if (node_territory[v] != -1) check_index("nodes", v, "territory", node_territory[v], regions, "region");
        if (has_rule || node_territory[v] != -1) {
            if (node_kind[v] != NodeKind::jurisdiction)
                fail("nodes", v, has_rule ? "compels" : "territory", "only a jurisdiction has a rule");
            if (has_rule != (node_territory[v] != -1))
                fail("nodes", v, has_rule ? "territory" : "compels",
                     "a jurisdiction rule needs both territory and compels");
        }
        if (has_rule) check_probability("nodes", v, "compels", node_compels[v]);
    }

    const std::size_t classes = class_count();
    check_lengths("classes", classes, class_records);
    check_ragged("classes", "components", class_components, classes, classes, "class");
    for (std::size_t c = 0; c < classes; ++c) {
        check_non_negative("classes", c, "sensitivity", class_sensitivity[c]);
        check_non_negative("classes", c, "records", class_records[c]);
    }

    for (std::size_t e = 0; e < event_count(); ++e) check_probability("events", e, "p", event_p[e]);

    check_lengths("placements", placement_count(), placement_store, placement_share, placement_window);
    for (std::size_t i = 0; i < placement_count(); ++i) {
        check_index("placements", i, "class", placement_class[i], classes, "class");
        check_node_is(*this, "placements", i, "store", placement_store[i], NodeKind::store, "store");
        check_share("placements", i, "share", placement_share[i]);
        check_window("placements", i, placement_window[i]);
    }

    check_lengths("flows", flow_count(), flow_to, flow_share, flow_window);
    check_ragged("flows", "classes", flow_classes, flow_count(), classes, "class");
    for (std::size_t i = 0; i < flow_count(); ++i) {
        check_node_is(*this, "flows", i, "from", flow_from[i], NodeKind::store, "store");
        check_node_is(*this, "flows", i, "to", flow_to[i], NodeKind::store, "store");
        check_share("flows", i, "share", flow_share[i]);
        check_window("flows", i, flow_window[i]);
    }

    if (!arc_key.empty() && arc_key.size() != arc_count()) fail("access", 0, "key", "one key per arc expected");
    if (!event_key.empty() && event_key.size() != event_count()) fail("events", 0, "key", "one key per event expected");
    if (!node_key.empty() && node_key.size() != node_count()) fail("nodes", 0, "key", "one key per node expected");
    check_lengths("access", arc_count(), arc_to, arc_p);
    if (!arc_cost.empty()) check_lengths("access", arc_count(), arc_cost);
    if (!arc_window.empty()) check_lengths("access", arc_count(), arc_window);
    check_ragged("access", "classes", arc_classes, arc_count(), classes, "class");
    check_ragged("access", "requires", arc_requires, arc_count(), event_count(), "event");
    for (std::size_t i = 0; i < arc_count(); ++i) {
        check_index("access", i, "from", arc_from[i], nodes, "node");
        check_index("access", i, "to", arc_to[i], nodes, "node");
        check_probability("access", i, "p", arc_p[i]);
        // An infinite cost is allowed: an arc that cannot be removed.
        if (!arc_cost.empty() && !(arc_cost[i] > 0.0))
            fail("access", i, "cost", "must be > 0, got " + show(arc_cost[i]));
        if (!arc_window.empty()) check_window("access", i, arc_window[i]);
    }
}

}  // namespace datareach
