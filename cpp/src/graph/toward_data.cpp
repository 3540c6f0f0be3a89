// The part of a compiled graph that leads to data (datareach/toward_data.hpp), found by the
// core's one search (datareach/search.hpp) run backward from the stores holding some class,
// and kept with the graph.
#include "datareach/toward_data.hpp"

#include "datareach/search.hpp"
#include "derived.hpp"

namespace datareach {

TowardData TowardData::of(const CompiledGraph& g) {
    TowardData out;
    out.arc_words_.assign((g.arc_count() + 63) / 64, 0);
    out.node_words_.assign((g.node_count() + 63) / 64, 0);
    NodeSearch search(g.node_count());
    for (NodeIndex store : g.presence_stores().values) search.seed(store);
    // Every arc that can be live into a node reached backward is toward data, whether or not
    // its source was reached already.
    search.run(g, Direction::reverse, ArcsAsked::all, [&](NodeIndex, ArcIndex arc, NodeIndex) {
        if (!g.arc_possible(arc)) return Step::skip;
        set(out.arc_words_, static_cast<std::size_t>(arc));
        return Step::take;
    });
    for (NodeIndex v : search.reached_nodes()) set(out.node_words_, static_cast<std::size_t>(v));
    return out;
}

std::shared_ptr<CompiledGraph::Derived> CompiledGraph::make_derived() { return std::make_shared<Derived>(); }

const TowardData& CompiledGraph::toward_data() const {
    std::call_once(derived_->toward_once,
                   [&] { derived_->toward = std::make_unique<const TowardData>(TowardData::of(*this)); });
    return *derived_->toward;
}

}  // namespace datareach
