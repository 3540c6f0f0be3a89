// The model as of one date, compiled into an immutable compact graph, so that every engine
// reads one representation built once: jurisdiction rules expanded into explicit arcs,
// absent (out-of-window) elements dropped, arcs in compressed sparse row arrays both ways
// (out-arcs by source, in-arcs by target), composite classes flattened to their atomic
// parts, the presence share of every class in every store computed once, and the classes
// grouped by the arcs that admit them (one search serves a whole group).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "datareach/model_data.hpp"

namespace datareach {

// Arc attributes live in arrays indexed by the arc's position in the out-arc CSR order.
using ArcIndex = std::int64_t;
using NodeIndex = std::int32_t;
using ClassIndex = std::int32_t;

// Where a compiled arc came from: an access entry (its row, >= 0) or the rule of a
// jurisdiction node (encoded as -1 - node).
inline constexpr std::int64_t jurisdiction_origin(NodeIndex node) { return -1 - std::int64_t{node}; }
inline constexpr bool is_jurisdiction_origin(std::int64_t origin) { return origin < 0; }
// A well-mixed 64-bit combination of two keys (the splitmix64 finaliser over their sum).
inline constexpr std::uint64_t mix_keys(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline constexpr NodeIndex jurisdiction_of_origin(std::int64_t origin) { return static_cast<NodeIndex>(-1 - origin); }

// The per-arc arrays of a compiled graph hold 32-bit integers (arc indices, origins, CSR
// offsets, the offsets of the per-arc lists) because memory per arc is what bounds the
// models that fit: about 40 bytes per arc instead of 56 with 64-bit ones. The accessors
// widen on read (ArcIndex stays 64-bit for the callers). compile refuses, with a ModelError,
// a model whose compiled arcs (present access arcs plus rule arcs), access rows, or entries
// of the arcs' class filters or required events exceed kMaxCompiledIndex, before it
// allocates anything per arc; nothing wraps silently.
inline constexpr std::int64_t kMaxCompiledIndex = std::numeric_limits<std::int32_t>::max();

// A RaggedIndex (model_data.hpp) with 32-bit offsets, for the per-arc lists of a compiled
// graph (ModelData's lists have 32-bit offsets too, as Columns: RaggedColumn).
using RaggedIndex32 = BasicRagged<std::int32_t>;

// What compile counts before it allocates per arc; each must be at most kMaxCompiledIndex.
struct CompiledSizes {
    std::uint64_t access_rows = 0;      // rows of the access table (origins name them)
    std::uint64_t arcs = 0;             // present access arcs plus jurisdiction rule arcs
    std::uint64_t class_entries = 0;    // atomic classes over every arc's filter
    std::uint64_t require_entries = 0;  // required events over every arc
};
// Throws ModelError naming the first count that does not fit.
void check_compiled_sizes(const CompiledSizes& sizes);

class TowardData;
class NodeNumbers;

class CompiledGraph {
public:
    // Validates the model (ModelError) and compiles it as of `at` (nullopt: ignore windows).
    static CompiledGraph compile(const ModelData& model, std::optional<Day> at = std::nullopt);
    // The same for a model its holder has validated and not changed since: the binding's
    // ModelData, validated when it is built from the lowered tables and never changed from
    // Python (docs/design.md §8, decision 57). Nothing outside C++ chooses this overload.
    struct Validated {
        const ModelData& model;
    };
    static CompiledGraph compile(Validated validated, std::optional<Day> at = std::nullopt);

    std::size_t node_count() const { return out_offsets_.empty() ? 0 : out_offsets_.size() - 1; }
    std::size_t arc_count() const { return arc_p_.size(); }
    std::size_t class_count() const { return class_atoms_.rows(); }
    std::size_t event_count() const { return event_p_.size(); }
    std::optional<Day> at() const { return at_; }

    // Out-arcs: the arcs leaving node v are the arc indices [out_begin(v), out_end(v)), in the
    // order of the access table, rule arcs last.
    ArcIndex out_begin(NodeIndex v) const { return out_offsets_[v]; }
    ArcIndex out_end(NodeIndex v) const { return out_offsets_[v + 1]; }
    // In-arcs: the arcs entering node v are in_arc(i) for i in [in_begin(v), in_end(v)),
    // ascending by arc index.
    ArcIndex in_begin(NodeIndex v) const { return in_offsets_[v]; }
    ArcIndex in_end(NodeIndex v) const { return in_offsets_[v + 1]; }
    ArcIndex in_arc(ArcIndex i) const { return in_arcs_[i]; }
    NodeIndex arc_source(ArcIndex a) const { return arc_source_[a]; }
    NodeIndex arc_target(ArcIndex a) const { return arc_target_[a]; }
    double arc_p(ArcIndex a) const { return arc_p_[a]; }
    std::int64_t arc_origin(ArcIndex a) const { return arc_origin_[a]; }
    const RaggedIndex32& arc_requires() const { return arc_requires_; }
    // Stable identities for common random numbers (see ModelData::arc_key).
    std::uint64_t arc_key(ArcIndex a) const { return arc_key_[a]; }
    std::uint64_t event_key(std::int32_t e) const { return event_key_[e]; }
    // The atomic classes an arc lets through; an empty row admits every class.
    const RaggedIndex32& arc_classes() const { return arc_classes_; }
    bool admits(ArcIndex a, ClassIndex atomic_class) const;
    // p of the arc's own coin times the p of every event it requires.
    double arc_live_probability(ArcIndex a) const;
    // True iff the arc is live in some world: its p and every event it requires are > 0
    // (each tested alone: the product of tiny probabilities can underflow to 0.0).
    bool arc_possible(ArcIndex a) const { return arc_liveness_[a] & kPossible; }
    // True iff the arc is live in every world (its p and all its events are 1).
    bool arc_certain(ArcIndex a) const { return arc_liveness_[a] & kCertain; }

    std::int32_t node_region(NodeIndex v) const { return node_region_[v]; }
    const std::vector<std::int32_t>& region_parent() const { return region_parent_; }

    double event_p(std::int32_t e) const { return event_p_[e]; }
    const std::vector<double>& event_p() const { return event_p_; }

    bool is_composite(ClassIndex c) const { return composite_[c] != 0; }
    // The atomic classes of c: c itself if atomic, its flattened components otherwise.
    const RaggedIndex& class_atoms() const { return class_atoms_; }

    // Presence (docs/design.md §2.1): the stores holding atomic class d with share > 0, as parallel
    // arrays sorted by store, and a dense lookup for one class.
    const RaggedIndex& presence_stores() const { return presence_stores_; }
    const std::vector<double>& presence_shares() const { return presence_shares_; }
    double presence_share(ClassIndex atomic_class, NodeIndex store) const;

    // Filter groups: the atomic classes held somewhere (share > 0) grouped so that exactly the
    // same arcs admit every class of a group (the same filtered arcs name them). A search or
    // propagation for the group's representative (its smallest class) serves all of them.
    // Rows are groups ordered by their smallest class; each row is sorted.
    const RaggedIndex& filter_groups() const { return filter_groups_; }
    std::size_t filter_group_count() const { return filter_groups_.rows(); }
    ClassIndex group_representative(std::size_t group) const { return *filter_groups_.begin(group); }
    // The group of an atomic class held somewhere; -1 for a composite or a class held nowhere.
    std::int32_t filter_group_of(ClassIndex c) const { return filter_group_of_[c]; }

    // The part of the graph that leads to data (datareach/toward_data.hpp): found on the
    // first call and kept with the graph, which never changes; safe to ask from several
    // threads at once.
    const TowardData& toward_data() const;

    // What engines derive from the graph and keep with it (graph/derived.hpp): shared by the
    // copies of a graph, made empty with it.
    struct Derived;

private:
    friend class NodeNumbers;
    static std::shared_ptr<Derived> make_derived();
    std::shared_ptr<Derived> derived_ = make_derived();

    std::optional<Day> at_;
    // 32-bit storage, widened by the accessors (see kMaxCompiledIndex).
    std::vector<std::int32_t> out_offsets_;  // nodes + 1
    std::vector<NodeIndex> arc_target_;
    std::vector<std::int32_t> in_offsets_;  // nodes + 1
    std::vector<std::int32_t> in_arcs_;     // arc indices grouped by target
    std::vector<NodeIndex> arc_source_;
    std::vector<double> arc_p_;
    // Per arc, kPossible | kCertain, fixed at compile: every engine asks this of most arcs on
    // every run, and a byte read in arc order costs far less than the arc's p and events.
    enum : std::uint8_t { kPossible = 1, kCertain = 2 };
    std::vector<std::uint8_t> arc_liveness_;
    std::vector<std::int32_t> arc_origin_;
    std::vector<std::uint64_t> arc_key_;
    std::vector<std::uint64_t> event_key_;
    RaggedIndex32 arc_classes_;
    RaggedIndex32 arc_requires_;

    std::vector<std::int32_t> node_region_;
    std::vector<std::int32_t> region_parent_;
    std::vector<double> event_p_;

    std::vector<std::uint8_t> composite_;
    RaggedIndex class_atoms_;

    RaggedIndex presence_stores_;          // rows: classes (composite rows empty)
    std::vector<double> presence_shares_;  // parallel to presence_stores_.values

    RaggedIndex filter_groups_;
    std::vector<std::int32_t> filter_group_of_;
};

}  // namespace datareach
