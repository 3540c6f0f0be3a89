// What engines derive from a compiled graph once and keep with it (the graph never changes):
// the part that leads to data, found on first use, and the spare array of node numbers that
// NodeNumbers lends. Copies of a graph share it: they are the same graph.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/toward_data.hpp"

namespace datareach {

struct CompiledGraph::Derived {
    std::once_flag toward_once;
    std::unique_ptr<const TowardData> toward;

    std::mutex spare_mutex;
    std::vector<NodeIndex> spare_numbers;  // every entry NodeNumbers::kNone, or empty (lent, or never made)
};

}  // namespace datareach
