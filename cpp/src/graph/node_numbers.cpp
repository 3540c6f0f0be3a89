// Node numbers lent by a compiled graph (datareach/node_numbers.hpp).
#include "datareach/node_numbers.hpp"

#include "derived.hpp"

namespace datareach {

NodeNumbers::NodeNumbers(const CompiledGraph& graph) : owner_(graph.derived_) {
    {
        std::lock_guard<std::mutex> lock(owner_->spare_mutex);
        numbers_.swap(owner_->spare_numbers);
    }
    if (numbers_.size() != graph.node_count()) numbers_.assign(graph.node_count(), kNone);
}

NodeNumbers::~NodeNumbers() {
    for (NodeIndex v : set_) numbers_[static_cast<std::size_t>(v)] = kNone;
    try {
        std::lock_guard<std::mutex> lock(owner_->spare_mutex);
        if (owner_->spare_numbers.empty()) owner_->spare_numbers.swap(numbers_);
    } catch (...) {  // the lock failed: the array is freed instead of kept
    }
}

}  // namespace datareach
