// Bindings of the explanations that are not paths: chokepoints and the cheapest cut, as
// NumPy arrays of node and compiled arc indices (the Python layer names them).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "datareach/chokepoints.hpp"
#include "datareach/cut.hpp"
#include "numpy_arrays.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::to_numpy;

void register_explain(py::module_& m) {
    m.def(
        "chokepoints",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) {
            Chokepoints found;
            {
                py::gil_scoped_release release;
                found = chokepoints(graph, adversary, atomic_class);
            }
            py::dict out;
            out["nodes"] = to_numpy(std::move(found.nodes));
            out["arcs_in"] = to_numpy(std::move(found.arcs_in));
            out["reachable"] = found.reachable;
            return out;
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"),
        "{nodes (outward from the adversary), arcs_in, reachable}.");
    m.def(
        "cheapest_cut",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
           const std::vector<double>& access_cost) {
            Cut cut;
            {
                py::gil_scoped_release release;
                cut = cheapest_cut(graph, adversary, atomic_class, access_cost);
            }
            std::vector<NodeIndex> from, to;
            for (const auto& [u, v] : cut.pairs) from.push_back(u), to.push_back(v);
            std::vector<std::int64_t> origins;
            for (ArcIndex a : cut.arcs) origins.push_back(graph.arc_origin(a));
            py::dict out;
            out["cost"] = cut.cost;
            out["from"] = to_numpy(std::move(from));
            out["to"] = to_numpy(std::move(to));
            out["arcs"] = to_numpy(std::move(cut.arcs));
            out["origins"] = to_numpy(std::move(origins));
            out["reachable"] = cut.reachable;
            return out;
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("access_cost"),
        "{cost, from, to (the pairs to revoke), arcs, origins (the arcs costed), reachable}.");
}
