// The pruned problem of one exact run: only the arcs on some path from the adversary to a
// store holding a class of the run, over arcs that can be live, in local indices. Factoring
// costs up to 2^variables, so everything that cannot change an output is dropped before it
// starts, and huge runs are recognised (and refused) without being built in full.
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/search.hpp"
#include "plan.hpp"

namespace datareach::exact {

// A probability that makes a coin or event a random variable rather than a constant.
inline bool is_random(double p) { return p > 0.0 && p < 1.0; }

// One run's problem in local indices (local node 0 is the adversary).
struct PrunedRun {
    std::vector<NodeIndex> node_global;                           // local node -> model node
    std::vector<ArcIndex> arc_global;                             // the compiled arcs kept (before reductions)
    std::vector<int> source, target;                              // per local arc
    std::vector<int> out_offsets, out_arcs, in_offsets, in_arcs;  // local CSR both ways
    std::vector<int> arc_var_offsets, arc_vars;                   // each arc's variables, ascending (= branching order)
    std::vector<int> var_arc_offsets, var_arcs;                   // each variable's arcs
    std::vector<double> var_p;
    std::vector<std::int64_t> var_global;  // event e: e; coin of arc a: event_count + a; < 0: made by a reduction
    int groups = 0;                        // the run's filter groups (local group = position in RunPlan::groups)
    bool truncated = false;                // pruning stopped early: see `counted`
    std::int64_t counted = 0;              // variables found before stopping (if truncated)
    std::vector<std::uint8_t> admits;      // groups x arcs: the arc can matter for the group
    std::size_t arc_count() const { return source.size(); }
    std::size_t node_count() const { return node_global.size(); }
    std::size_t var_count() const { return var_p.size(); }
};

// Scratch over model indices, reused by every run of one call.
struct PruningScratch {
    explicit PruningScratch(const CompiledGraph& graph);

    std::vector<double> live;  // live probability of every arc
    NodeSearch forward, backward;
    std::vector<int> node_local, event_local;  // model -> local index, -1 outside the run
    // Marks for counting distinct variables while pruning (stamped).
    std::vector<std::uint32_t> arc_counted, event_counted;
    std::uint32_t count_stamp = 0;
    std::uint32_t next_count_stamp();
};

// The pruned (and reduced, see series_parallel.hpp) problem of `run` for one adversary. When
// more than `stop_above` (>= 0) random variables are found before any reduction, stops early
// and returns a PrunedRun with only `truncated` and `counted` set.
PrunedRun prune_run(const CompiledGraph& graph, const RunPlan& plan, PruningScratch& scratch, NodeIndex adversary,
                    int run, std::int64_t stop_above = -1);

}  // namespace datareach::exact
