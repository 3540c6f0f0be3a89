// Bindings of the k most likely paths: nodes, compiled arcs and their origins as NumPy
// arrays, so the Python layer can name each step by the scenario entries it came from.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "datareach/paths.hpp"
#include "numpy_arrays.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::to_numpy;

namespace {

py::tuple path_tuple(const CompiledGraph& graph, AccessPath&& path) {
    std::vector<std::int64_t> origins;
    for (ArcIndex a : path.arcs) origins.push_back(graph.arc_origin(a));
    return py::make_tuple(to_numpy(std::move(path.nodes)), to_numpy(std::move(path.arcs)), to_numpy(std::move(origins)),
                          path.probability);
}

}  // namespace

void register_paths(py::module_& m) {
    m.def(
        "most_likely_paths",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class, std::int64_t k,
           std::int64_t max_partial_paths) {
            std::vector<AccessPath> paths;
            {
                py::gil_scoped_release release;
                paths = most_likely_paths(graph, adversary, atomic_class, k, max_partial_paths);
            }
            py::list out;
            for (auto& path : paths) out.append(path_tuple(graph, std::move(path)));
            return out;
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("k"),
        py::arg("max_partial_paths") = default_max_partial_paths,
        "[(nodes, compiled arcs, arc origins, probability)] of the k most likely paths, best first.");
    m.def(
        "most_likely_path",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) -> py::object {
            std::optional<AccessPath> path;
            {
                py::gil_scoped_release release;
                path = most_likely_path(graph, adversary, atomic_class);
            }
            if (!path) return py::none();
            return path_tuple(graph, std::move(*path));
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"),
        "(nodes, compiled arcs, arc origins, probability) of the most likely path, or None.");
}
