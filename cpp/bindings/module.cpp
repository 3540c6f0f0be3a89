// The compiled module: one register_<area> function per area, each in its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_errors(py::module_& m);
void register_model(py::module_& m);
void register_reach(py::module_& m);
void register_paths(py::module_& m);
void register_explain(py::module_& m);
void register_importance(py::module_& m);
void register_reduction(py::module_& m);
void register_exposure(py::module_& m);
void register_exact(py::module_& m);
void register_monte_carlo(py::module_& m);
void register_comparison(py::module_& m);
void register_samplers(py::module_& m);

PYBIND11_MODULE(_core, m) {
    m.doc() = "datareach compiled core: model compilation, reachability, paths";
    register_errors(m);
    register_model(m);
    register_reach(m);
    register_paths(m);
    register_explain(m);
    register_importance(m);
    register_reduction(m);
    register_exposure(m);
    register_exact(m);
    register_monte_carlo(m);
    register_comparison(m);
    register_samplers(m);
}
