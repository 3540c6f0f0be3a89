// The part of a compiled graph that leads to data: the nodes from which a store holding some
// class is reached over arcs that can be live, and, one bit per arc, the arcs that can be
// live and enter one of those nodes. A Monte Carlo plan's searches, its Tarjan pass and its
// layout walk a node's out-arcs through these bits only: an adversary's rule arcs enter every
// node of its territory, most of which reach no data, and one word skips 64 of them. It
// depends on the graph alone, so the graph finds it once, by one backward search from the
// stores, when it is first asked for, and keeps it (CompiledGraph::toward_data; docs/design.md
// decision 65).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

class TowardData {
public:
    // The backward search from the stores holding some class (CompiledGraph::toward_data
    // keeps its result; this is the search itself).
    static TowardData of(const CompiledGraph& g);

    // Is some store holding a class reached from v (v itself included)?
    bool reaches_data(NodeIndex v) const { return bit(node_words_, static_cast<std::size_t>(v)); }
    // Can arc a be live, and does it enter a node that reaches data?
    bool toward(ArcIndex a) const { return bit(arc_words_, static_cast<std::size_t>(a)); }

    // The first arc in [from, end) toward data, or end.
    ArcIndex next(ArcIndex from, ArcIndex end) const {
        if (from >= end) return end;
        auto w = static_cast<std::size_t>(from) >> 6;
        const auto last = static_cast<std::size_t>(end - 1) >> 6;
        std::uint64_t bits = arc_words_[w] & (~std::uint64_t{0} << (from & 63));
        while (!bits) {
            if (++w > last) return end;
            bits = arc_words_[w];
        }
        return std::min<ArcIndex>(static_cast<ArcIndex>((w << 6) + __builtin_ctzll(bits)), end);
    }
    // Calls f(arc) for every out-arc of u toward data, in arc order.
    template <class F>
    void each_out(const CompiledGraph& g, NodeIndex u, F&& f) const {
        const ArcIndex end = g.out_end(u);
        for (ArcIndex arc = next(g.out_begin(u), end); arc < end; arc = next(arc + 1, end)) f(arc);
    }

private:
    static bool bit(const std::vector<std::uint64_t>& words, std::size_t i) { return (words[i >> 6] >> (i & 63)) & 1; }
    static void set(std::vector<std::uint64_t>& words, std::size_t i) { words[i >> 6] |= std::uint64_t{1} << (i & 63); }

    std::vector<std::uint64_t> arc_words_;
    std::vector<std::uint64_t> node_words_;
};

}  // namespace datareach
