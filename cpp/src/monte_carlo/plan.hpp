// The plan of one Monte Carlo run: everything fixed before the first world is drawn (the
// kernel's own renumbered copy of the graph, per-arc random streams, share levels, the count
// layout, and what deterministic reach already settles), so that the per-block kernel only
// reads flat arrays.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/monte_carlo.hpp"
#include "datareach/random_streams.hpp"

namespace datareach::monte_carlo::detail {

// The hot word of an arc, read on every scan: its target and three flags. The rest of what
// drawing its mask needs is in ArcCold, read only when the mask is drawn.
constexpr std::uint32_t kTargetMask = (std::uint32_t{1} << 29) - 1;
constexpr std::uint32_t kDead = std::uint32_t{1} << 29;      // never live (p = 0 or an event with p = 0)
constexpr std::uint32_t kFiltered = std::uint32_t{1} << 30;  // has a class filter
constexpr std::uint32_t kRandom = std::uint32_t{1} << 31;    // neither dead nor certain: needs a mask

struct ArcCold {
    std::uint64_t stream;        // arc_stream_key(seed, arc_key)
    std::uint64_t mantissa;      // BernoulliP of the arc's own p
    std::uint32_t events_begin;  // random events (0 < p < 1) it requires, in Plan::arc_events
    std::uint32_t events_count;
    std::int16_t zero_bits;
    std::uint8_t has_coin;  // p < 1
};

enum : std::uint8_t { kNever = 1, kAlways = 2, kFixedShare = 4 };

// At most this many words (64 MiB) of per-group admission bits.
constexpr std::size_t kMaxAdmitWords = std::size_t{1} << 23;

struct EventInfo {
    std::uint64_t stream;
    BernoulliP p;
};

// Everything fixed for one run: per-arc kernel data, class groups, share levels, the layout
// of the count arrays.
//
// The kernel works on its own copy of the graph with the nodes renumbered ("internal" ids)
// in the reverse postorder of a depth-first search over the arcs that can be live, started
// from the adversaries. That order is topological on the strongly connected components, so a
// sweep over the marked nodes in id order pushes worlds down a DAG in one pass, and sweeps
// walk memory mostly sequentially. Arcs are identified by their keys, so renumbering changes
// no random number.
struct Plan {
    std::size_t nodes = 0;
    std::vector<NodeIndex> adversaries;       // model node ids
    std::vector<NodeIndex> rank;              // model node id -> internal id
    std::vector<std::uint64_t> row_start;     // internal CSR: out-arcs of internal node r
    std::vector<std::uint32_t> arc_hot;       // per internal arc: internal target | flags
    std::vector<ArcCold> arc_cold;            // per internal arc
    std::vector<std::uint32_t> arc_original;  // per internal arc: its compiled arc index
    std::vector<std::int32_t> arc_events;
    std::vector<EventInfo> events;

    // Per filter group of the compiled graph (one propagation each): the stores holding some
    // class of the group, once each (internal ids).
    RaggedIndex group_stores;  // the stores holding some class of the group, once each (internal)
    // Per group, a bit per arc: admits the group (only consulted for filtered arcs). Empty
    // when it would exceed kMaxAdmitWords; the kernel then searches the filter row.
    std::vector<std::uint64_t> group_admits;
    std::size_t admit_words = 0;

    // Share levels of each atomic class, descending: level k holds the stores with that share.
    std::vector<std::int64_t> atom_level_begin;  // per class (+1); empty range for composites
    std::vector<double> atom_level_share;
    std::vector<std::int64_t> level_entry_begin;  // per atom level (+1), into level_entry_store
    std::vector<NodeIndex> level_entry_store;     // internal ids
    std::vector<NodeIndex> entry_node;            // per presence entry: its store, internal id

    // Class levels: the distinct values X_c can take (> 0), descending, and for each the atom
    // level of every component at or above it (X_c >= l iff every component has X_d >= l).
    std::vector<std::int64_t> class_level_begin;  // per class (+1), global class level index
    std::vector<double> class_level_share;
    std::vector<std::int64_t> class_level_atoms_begin;  // per class
    std::vector<std::int32_t> class_level_atoms;        // levels x components, row-major
    std::vector<std::int32_t> class_arity;              // components per class

    // Places.
    bool places = false;
    std::vector<std::int64_t> region_slot_begin;  // per class (+1)
    std::vector<std::int32_t> slot_region;
    RaggedIndex entry_slots;  // per presence entry: the region slots it counts for
    std::size_t max_slots_per_class = 0;

    // Count layout per adversary: class levels, then presence entries, then region slots.
    std::size_t level_count = 0;
    std::size_t entry_count = 0;
    std::size_t slot_count = 0;
    std::size_t stride = 0;

    // What deterministic reach (docs/design.md §2.6) settles for each adversary: a probability that is
    // 0 or 1 in every world gets a zero-width interval, and so does a fixed exposed share.
    std::vector<std::uint8_t> class_known;  // adversaries x classes: kNever | kAlways | kFixedShare
    std::vector<double> class_top;          // adversaries x classes: largest possible X_c
    std::vector<std::uint8_t> place_known;  // adversaries x (entries + slots): kNever | kAlways
};

// Does internal arc k admit the classes of `group`? (Only asked of filtered arcs.)
inline bool admits_group(const Plan& plan, const CompiledGraph& g, std::size_t k, std::size_t group) {
    if (!plan.group_admits.empty()) return (plan.group_admits[group * plan.admit_words + k / 64] >> (k % 64)) & 1;
    const auto& f = g.arc_classes();
    const std::size_t original = plan.arc_original[k];
    return std::binary_search(f.begin(original), f.end(original), g.group_representative(group));
}

// The plan of one graph and its adversaries (model node ids, checked by the caller).
Plan build_plan(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& options);

// Fills class_known, class_top and place_known (settle.cpp).
void settle(Plan& plan, const CompiledGraph& g);

}  // namespace datareach::monte_carlo::detail
