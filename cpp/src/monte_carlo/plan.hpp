// The plan of one Monte Carlo run: everything fixed before the first world is drawn (the
// kernel's own renumbered copy of the graph, per-arc random streams, share levels, the count
// layout, and what deterministic reach already settles), so that the per-block kernel only
// reads flat arrays.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/monte_carlo.hpp"
#include "datareach/node_numbers.hpp"
#include "datareach/random_streams.hpp"

namespace datareach::monte_carlo::detail {

// The word of a plan arc read on every sweep: its source (an internal id) and two flags.
// Arcs that are never live (p = 0 or an event with p = 0) are left out of the plan.
constexpr std::uint32_t kNodeMask = (std::uint32_t{1} << 29) - 1;
constexpr std::uint32_t kFiltered = std::uint32_t{1} << 30;  // has a class filter
constexpr std::uint32_t kRandom = std::uint32_t{1} << 31;    // not certain: its live words are drawn

// An arc's own coin: p's bits (BernoulliP) or none (p = 1), and its stream.
constexpr std::int32_t kNoCoin = -1;  // in Plan::arc_zero_bits

enum : std::uint8_t { kNever = 1, kAlways = 2, kFixedShare = 4 };

// The number of a node never swept while the plan numbers its nodes (no internal id: its
// worlds are the zero row's); as unsigned it exceeds every internal id.
constexpr NodeIndex kNotSwept = NodeNumbers::kNone;

// At most this many words (64 MiB) of per-group admission bits.
constexpr std::size_t kMaxAdmitWords = std::size_t{1} << 23;

// Which live words a graph draws itself in each block, and which it copies from another
// graph's (the base of a comparison): copies hold (arc, donor arc) pairs of arcs with the same
// coin stream, p and random events (same key, same seed: the same words). Lists ascend.
struct DrawList {
    std::vector<std::uint32_t> coin_arcs;        // arcs with a coin and no random event
    std::vector<std::uint32_t> event_arcs;       // arcs requiring random events
    std::vector<std::uint32_t> event_coin_arcs;  // those of them with a coin too
    std::vector<std::pair<std::uint32_t, std::uint32_t>> copies;
};

struct EventInfo {
    std::uint64_t stream;
    BernoulliP p;
};

// Everything fixed for one run: per-arc kernel data, class groups, share levels, the layout
// of the count arrays.
//
// The kernel works on its own copy of the graph ("internal" ids), reduced to the nodes that
// matter: those some adversary may reach and from which some store holding a class may be
// reached (the "swept" nodes, internal ids 0 .. swept - 1). They are numbered in a
// topological order of their strongly connected components (the nodes of a component
// consecutive), so that one sweep in id order, each node pulling the worlds of its sources
// along its in-arcs, reaches the fixpoint; only components with a cycle are iterated. The
// in-arcs of a node are consecutive plan arcs, by source. Arcs are identified by their
// keys, so renumbering changes no random number.
struct Plan {
    std::size_t nodes = 0;
    std::size_t swept = 0;                      // nodes 0 .. swept - 1 are swept; the others are never reached
    std::size_t groups = 0;                     // filter groups of the graph (channels: adversaries x groups)
    std::vector<NodeIndex> adversaries;         // model node ids
    std::vector<NodeIndex> swept_nodes;         // internal id -> model node id
    std::vector<std::uint32_t> adversary_rows;  // per adversary: its row (Plan::swept if never swept)
    std::vector<std::uint64_t> in_start;        // per swept node (+1): its in-arcs among the plan arcs
    std::vector<std::uint32_t> arc_hot;         // per plan arc: internal source | flags
    std::vector<std::uint32_t> arc_original;    // per plan arc: its compiled arc index
    // Cyclic components: [first, last) of internal ids, ascending (every other swept node is a
    // component of its own without a loop).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> cycles;

    // Per plan arc, what drawing its live words needs (arrays, read many at a time): the
    // stream of its coin, p's bits (arc_zero_bits == kNoCoin: no coin, p = 1), and the random
    // events (0 < p < 1) it requires, plan.arc_events[arc_events_begin[k] .. [k + 1]).
    std::vector<std::uint64_t> arc_stream;
    std::vector<std::uint64_t> arc_mantissa;
    std::vector<std::int32_t> arc_zero_bits;
    std::vector<std::uint32_t> arc_events_begin;  // plan arcs + 1
    std::vector<std::int32_t> arc_events;
    std::vector<EventInfo> events;
    // The events some plan arc requires, ascending: the only ones a block draws (lay_out_arcs).
    std::vector<std::int32_t> drawn_events;
    // What a block draws for this plan (all of it: the plan copies nothing).
    DrawList draws;
    // The sweep in chunks whose live words are drawn just before the sweep reaches them
    // (docs/design.md decision 59): chunk c is the swept nodes [live_chunks[c],
    // live_chunks[c + 1]), whose in-arcs are the plan arcs from in_start of its first node
    // to in_start of the next chunk's. A chunk ends where a component ends (a cyclic one is
    // pulled again and again, its live words all the while) and holds at most
    // max_chunk_arcs plan arcs.
    std::vector<std::uint32_t> live_chunks;
    std::size_t max_chunk_arcs = 0;

    std::size_t arc_count() const { return arc_hot.size(); }

    // Per group, a bit per plan arc: admits the group (only consulted for filtered arcs). Empty
    // when it would exceed kMaxAdmitWords; the kernel then searches the filter row.
    std::vector<std::uint64_t> group_admits;
    std::size_t admit_words = 0;

    // Share levels of each atomic class, descending: level k holds the stores with that share.
    std::vector<std::int64_t> atom_level_begin;  // per class (+1); empty range for composites
    std::vector<double> atom_level_share;
    std::vector<std::int64_t> level_entry_begin;   // per atom level (+1), into level_entry_store
    std::vector<std::uint32_t> level_entry_store;  // rows (as entry_node)
    std::vector<std::uint32_t> entry_node;         // per presence entry: its store's row (lay_out_arcs)

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

// Does plan arc k admit the classes of `group`? (Only asked of filtered arcs.)
inline bool admits_group(const Plan& plan, const CompiledGraph& g, std::size_t k, std::size_t group) {
    if (!plan.group_admits.empty()) return (plan.group_admits[group * plan.admit_words + k / 64] >> (k % 64)) & 1;
    const auto& f = g.arc_classes();
    const std::size_t original = plan.arc_original[k];
    return std::binary_search(f.begin(original), f.end(original), g.group_representative(group));
}

// Plan arcs per chunk of the sweep, at least (a chunk ends with a component): their live words
// (W words each) stay in the cache between drawing and pulling.
constexpr std::size_t kChunkArcs = 4096;

// Cuts the swept nodes into chunks of at least `chunk_arcs` plan arcs (the last may be
// shorter), ending with components: fills live_chunks and max_chunk_arcs.
void cut_live_chunks(Plan& plan, std::size_t chunk_arcs = kChunkArcs);

// The plan of one graph and its adversaries (model node ids, checked by the caller).
Plan build_plan(const CompiledGraph& g, const std::vector<NodeIndex>& adversaries, const MonteCarloOptions& options);

// Fills the swept nodes, their order and the plan arcs with their coins (sweep_order.cpp).
void lay_out_arcs(Plan& plan, const CompiledGraph& g, const MonteCarloOptions& options);

// Fills class_known, class_top and place_known (settle.cpp), on up to `threads` threads.
void settle(Plan& plan, const CompiledGraph& g, unsigned threads);

}  // namespace datareach::monte_carlo::detail
