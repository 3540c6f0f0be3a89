// The model as plain columnar tables: what a scenario file says, with every id already
// replaced by its row index. This is the contract between any front end (the Python layer,
// a C++ program) and the core; the core never sees names, only indices.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "datareach/column.hpp"

namespace datareach {

// Dates are whole days since 1970-01-01. A window is [start, end); an open side is the
// sentinel below, so "no window" is [kOpenStart, kOpenEnd).
using Day = std::int32_t;
inline constexpr Day kOpenStart = std::numeric_limits<Day>::min();
inline constexpr Day kOpenEnd = std::numeric_limits<Day>::max();

enum class NodeKind : std::int8_t {
    jurisdiction = 0,
    organization = 1,
    role = 2,
    store = 3,
    gateway = 4,
};

// A list of small integer lists (class filters, required events, components) stored as one
// offsets array of length rows + 1 and one values array. An empty row means "none"; for a
// class filter an empty row means "all classes". `Store` holds the two arrays: vectors in
// the compiled graph and the plans, Columns (owned or viewed) in ModelData.
template <class T>
using Vector = std::vector<T>;
template <class Offset, template <class> class Store = Vector>
struct BasicRagged {
    Store<Offset> offsets{0};
    Store<std::int32_t> values;

    std::size_t rows() const { return offsets.size() - 1; }
    std::size_t size(std::size_t row) const { return static_cast<std::size_t>(offsets[row + 1] - offsets[row]); }
    const std::int32_t* begin(std::size_t row) const { return values.data() + offsets[row]; }
    const std::int32_t* end(std::size_t row) const { return values.data() + offsets[row + 1]; }
    // One row, for range-for loops.
    struct Row {
        const std::int32_t* first;
        const std::int32_t* last;
        const std::int32_t* begin() const { return first; }
        const std::int32_t* end() const { return last; }
    };
    Row row(std::size_t r) const { return {begin(r), end(r)}; }
    void push_row(const std::vector<std::int32_t>& row) {
        if constexpr (std::is_same_v<Store<std::int32_t>, std::vector<std::int32_t>>) {
            values.insert(values.end(), row.begin(), row.end());
        } else {
            values.append(row.begin(), row.end());
        }
        offsets.push_back(static_cast<Offset>(values.size()));
    }
};
using RaggedIndex = BasicRagged<std::int64_t>;
// The ragged tables of ModelData: 32-bit offsets, as the Python layer keeps them (it refuses
// lists of more than 2^31 - 1 ids over a section's rows), so that the core reads them in
// place; validate() refuses offsets that do not ascend to the values' count.
using RaggedColumn = BasicRagged<std::int32_t, Column>;

struct Window {
    Day start = kOpenStart;
    Day end = kOpenEnd;
    bool contains(Day day) const { return start <= day && day < end; }
};

struct ModelData {
    // Regions: every distinct region or territory string, each with its parent (-1 for a
    // top-level region). "US/VA" has parent "US"; the front end adds missing ancestors.
    std::vector<std::string> region_names;
    Column<std::int32_t> region_parent;

    // Nodes.
    Column<NodeKind> node_kind;
    Column<std::int32_t> node_region;     // -1: no region
    Column<std::int32_t> node_territory;  // -1: none (only jurisdictions have one)
    Column<double> node_compels;          // NaN: no rule; otherwise p of the rule
    // 1: no jurisdiction rule reaches the node (what-if `disable`). Empty: no node is exempt.
    Column<std::uint8_t> node_rule_exempt;

    // Data classes. components: empty row for an atomic class; composite components may
    // be composite themselves, but not cyclic.
    Column<double> class_sensitivity;
    Column<double> class_records;
    RaggedColumn class_components;

    // Events.
    Column<double> event_p;

    // Placements.
    Column<std::int32_t> placement_class;
    Column<std::int32_t> placement_store;
    Column<double> placement_share;
    Column<Window> placement_window;

    // Flows (store → store copies). flow_classes: empty row = every class.
    Column<std::int32_t> flow_from;
    Column<std::int32_t> flow_to;
    Column<double> flow_share;
    Column<Window> flow_window;
    RaggedColumn flow_classes;

    // Access arcs. arc_classes: empty row = every class; arc_requires: events. arc_cost
    // empty: every arc costs 1 (the default); arc_window empty: every arc is present at every
    // date (so that a model that gives neither holds no column of them per arc).
    Column<std::int32_t> arc_from;
    Column<std::int32_t> arc_to;
    Column<double> arc_p;
    Column<double> arc_cost;
    Column<Window> arc_window;
    RaggedColumn arc_classes;
    RaggedColumn arc_requires;

    // Stable identities of the random variables, for common random numbers: the Monte Carlo
    // engine draws an arc's coin (an event's state) from (seed, key, world), so two variants
    // of a model that share an arc or event see it in the same state in the same world.
    // Empty: the row index is the key. Otherwise one key per row.
    // Rule arcs of a jurisdiction take their key from the keys of their two nodes.
    Column<std::uint64_t> arc_key;
    Column<std::uint64_t> event_key;
    Column<std::uint64_t> node_key;

    std::size_t node_count() const { return node_kind.size(); }
    std::size_t class_count() const { return class_sensitivity.size(); }
    std::size_t event_count() const { return event_p.size(); }
    std::size_t placement_count() const { return placement_class.size(); }
    std::size_t flow_count() const { return flow_from.size(); }
    std::size_t arc_count() const { return arc_from.size(); }

    // Throws ModelError naming the first bad entry as "<table>[<row>].<field>: <why>",
    // with the table names of the scenario file (nodes, classes, events, placements,
    // flows, access).
    void validate() const;
};

// The stable key of every access arc (ModelData::arc_key) from the keys of its two nodes:
// mix_keys(pair, rank), where pair = mix_keys(node_key[from], node_key[to]) and rank counts
// the earlier arcs (in row order) with the same pair, so that parallel arcs differ. Linear in
// the arcs (a radix sort of the pairs), on `threads` threads (0: every core; the keys are the
// same for any number). Throws ModelError for a node index out of range (the first such row).
std::vector<std::uint64_t> arc_keys_from_nodes(const std::vector<std::uint64_t>& node_key,
                                               const std::vector<std::int32_t>& arc_from,
                                               const std::vector<std::int32_t>& arc_to, unsigned threads = 0);

}  // namespace datareach
