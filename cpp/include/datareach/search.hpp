// The one graph search of the core: breadth-first over the compiled graph's CSR arrays,
// forward (out-arcs) or in reverse (in-arcs), over the arcs a caller's rule lets through.
// Reach, pruning for the exact engine, the deterministic part of a Monte Carlo plan and the
// view matching of a comparison all ask "which nodes can the adversary reach (or can reach a
// store) over arcs that can be live and admit the class"; they differ only in that rule, so
// the walk itself lives here once. Marks are stamped, so a search restarts in O(1).
#pragma once

#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

enum class Direction : std::uint8_t { forward, reverse };

// What the search does with one arc.
enum class Step : std::uint8_t {
    skip,  // ignore the arc
    take,  // reach its other end (queued unless reached already)
    stop,  // end the search now
};

// Which arcs the rule is asked about.
enum class ArcsAsked : std::uint8_t {
    to_unreached,  // only arcs whose other end is not reached yet (plain reachability)
    all,           // every arc of every expanded node (the rule may record or count arcs)
};

class NodeSearch {
public:
    explicit NodeSearch(std::size_t nodes = 0) : stamp_of_(nodes, 0) {}

    // Forgets every mark and the queue.
    void restart();
    bool reached(NodeIndex v) const { return stamp_of_[v] == stamp_; }
    // Marks v reached and queues it for expansion (no-op if reached already).
    void seed(NodeIndex v) {
        if (reached(v)) return;
        stamp_of_[v] = stamp_;
        queue_.push_back(v);
    }
    // Every reached node, in the order it was reached.
    const std::vector<NodeIndex>& reached_nodes() const { return queue_; }

    // Expands queued nodes breadth-first until none is left. For node v and each arc a
    // leaving v (forward) or entering v (reverse), with w the arc's other end, rule(v, a, w)
    // returns a Step. Returns false iff the rule stopped the search.
    template <class Rule>
    bool run(const CompiledGraph& graph, Direction direction, ArcsAsked asked, Rule&& rule) {
        for (; head_ < queue_.size(); ++head_) {
            const NodeIndex v = queue_[head_];
            const bool forward = direction == Direction::forward;
            const ArcIndex first = forward ? graph.out_begin(v) : graph.in_begin(v);
            const ArcIndex last = forward ? graph.out_end(v) : graph.in_end(v);
            for (ArcIndex i = first; i < last; ++i) {
                const ArcIndex a = forward ? i : graph.in_arc(i);
                const NodeIndex w = forward ? graph.arc_target(a) : graph.arc_source(a);
                if (asked == ArcsAsked::to_unreached && reached(w)) continue;
                const Step step = rule(v, a, w);
                if (step == Step::stop) return false;
                if (step == Step::take) seed(w);
            }
        }
        return true;
    }

private:
    std::vector<std::uint32_t> stamp_of_;
    std::uint32_t stamp_ = 1;
    std::vector<NodeIndex> queue_;
    std::size_t head_ = 0;
};

}  // namespace datareach
