// A number per node of a compiled graph, kNone until set, lent by the graph: a Monte Carlo
// plan numbers its swept nodes, a few thousand among millions in a model whose data sits in
// a few stores, and filling a fresh array of every node for each run was a third of such a
// run's serial work. The graph keeps one array, every entry kNone; a borrower sets entries,
// and giving the numbers back (the destructor) resets exactly the entries it set. A second
// borrower while the array is out gets an array of its own, so runs on one graph from
// several threads never share numbers (docs/design.md decision 65).
#pragma once

#include <memory>
#include <vector>

#include "datareach/compiled_graph.hpp"

namespace datareach {

class NodeNumbers {
public:
    static constexpr NodeIndex kNone = -1;

    explicit NodeNumbers(const CompiledGraph& graph);
    ~NodeNumbers();
    NodeNumbers(const NodeNumbers&) = delete;
    NodeNumbers& operator=(const NodeNumbers&) = delete;

    NodeIndex operator[](NodeIndex v) const { return numbers_[static_cast<std::size_t>(v)]; }
    void set(NodeIndex v, NodeIndex number) {
        NodeIndex& entry = numbers_[static_cast<std::size_t>(v)];
        if (entry == kNone) set_.push_back(v);
        entry = number;
    }

private:
    std::shared_ptr<CompiledGraph::Derived> owner_;
    std::vector<NodeIndex> numbers_;
    std::vector<NodeIndex> set_;  // every node whose entry was kNone when set
};

}  // namespace datareach
