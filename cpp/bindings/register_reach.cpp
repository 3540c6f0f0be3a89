// Binding of deterministic reach: the reach table as flat NumPy columns (ragged store lists
// as offsets and values), which the Python layer turns into a DataFrame.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "datareach/reach.hpp"
#include "numpy_arrays.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::to_numpy;

void register_reach(py::module_& m) {
    m.def(
        "reach",
        [](const CompiledGraph& graph, std::vector<NodeIndex> adversaries) {
            for (auto a : adversaries)
                if (a < 0 || static_cast<std::size_t>(a) >= graph.node_count())
                    throw ModelError("adversaries: no node #" + std::to_string(a));
            ReachTable table;
            {
                py::gil_scoped_release release;
                table = reach(graph, adversaries);
            }
            py::dict out;
            out["adversary"] = to_numpy(std::move(table.adversary));
            out["class"] = to_numpy(std::move(table.class_index));
            out["possible"] = to_numpy(std::move(table.possible)).attr("astype")("bool");
            out["certain"] = to_numpy(std::move(table.certain)).attr("astype")("bool");
            out["possible_stores_offsets"] = to_numpy(std::move(table.possible_stores.offsets));
            out["possible_stores_values"] = to_numpy(std::move(table.possible_stores.values));
            out["certain_stores_offsets"] = to_numpy(std::move(table.certain_stores.offsets));
            out["certain_stores_values"] = to_numpy(std::move(table.certain_stores.values));
            return out;
        },
        py::arg("graph"), py::arg("adversaries"),
        "Possible and certain reach per (adversary, class), adversary-major, as NumPy columns.");
}
