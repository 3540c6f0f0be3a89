// Series-parallel reduction of a pruned run: merging single-coin arcs removes variables
// before factoring, where each one removed halves the worst-case work.
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach::exact {

// A local arc while the run is being reduced.
struct WorkArc {
    int source, target;
    double p;         // the coin (for a merged arc: of the merged coins)
    ArcIndex origin;  // the compiled arc, or -1 for an arc made by a reduction
    bool pure;        // no event with 0 < p < 1: the arc is one coin
    bool alive;
};

// Series-parallel reduction of arcs that are one coin each (no uncertain event):
//  - parallel: such arcs u -> v admitting the same groups become one arc with
//    p = 1 - prod(1 - p_i);
//  - series: a node that holds nothing of the run, with one arc in (u -> v) and one out
//    (v -> w), both single coins, becomes one arc u -> w with p = p1 * p2 admitting the
//    groups both admit (dropped when that is none or u == w).
// Every world of the merged coins maps to the same reach of the nodes that remain, so the
// scores are unchanged; fewer variables remain to factor on. `admits` holds, per work arc,
// one byte per group; merged arcs are appended to `work` and `admits`, replaced ones marked
// dead. `holds[v]`: local node v holds a class of the run (never reduced away).
void reduce_series_parallel(std::vector<WorkArc>& work, std::vector<std::uint8_t>& admits, int groups,
                            const std::vector<std::uint8_t>& holds);

}  // namespace datareach::exact
