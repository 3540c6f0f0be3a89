// Binding of importance (exact and Monte Carlo): one row per random variable as NumPy
// arrays, run without the GIL with progress and Ctrl-C forwarded.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <utility>

#include "datareach/importance.hpp"
#include "numpy_arrays.hpp"
#include "progress.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::exact_options;
using datareach_bindings::monte_carlo_options;
using datareach_bindings::PythonProgress;
using datareach_bindings::run_exact;
using datareach_bindings::to_numpy;

namespace {

// The rows as arrays; arcs also by their origin (access row, or -1 - jurisdiction node) and
// their two nodes (-1 for an event's row), which is how the Python layer names them.
py::dict as_dict(const CompiledGraph& graph, Importance&& found) {
    std::vector<std::int64_t> origin(found.size(), 0);
    std::vector<NodeIndex> from(found.size(), -1), to(found.size(), -1);
    for (std::size_t k = 0; k < found.size(); ++k)
        if (found.arc[k] >= 0) {
            origin[k] = graph.arc_origin(found.arc[k]);
            from[k] = graph.arc_source(found.arc[k]);
            to[k] = graph.arc_target(found.arc[k]);
        }
    py::dict out;
    out["origin"] = to_numpy(std::move(origin));
    out["from"] = to_numpy(std::move(from));
    out["to"] = to_numpy(std::move(to));
    out["arc"] = to_numpy(std::move(found.arc));
    out["event"] = to_numpy(std::move(found.event));
    out["p"] = to_numpy(std::move(found.p));
    out["importance"] = to_numpy(std::move(found.importance));
    out["importance_low"] = to_numpy(std::move(found.importance_low));
    out["importance_high"] = to_numpy(std::move(found.importance_high));
    out["removed"] = to_numpy(std::move(found.removed));
    out["removed_low"] = to_numpy(std::move(found.removed_low));
    out["removed_high"] = to_numpy(std::move(found.removed_high));
    out["exposure"] = found.exposure;
    out["exposure_low"] = found.exposure_low;
    out["exposure_high"] = found.exposure_high;
    out["method"] = found.method;
    out["samples"] = found.samples;
    out["max_half_width"] = found.max_half_width;
    return out;
}

}  // namespace

void register_importance(py::module_& m) {
    m.def(
        "exact_importance",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class, std::int64_t max_variables,
           std::uint64_t max_steps, py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const ExactOptions options = exact_options(max_variables, max_steps, hook);
            Importance found =
                run_exact(hook, [&] { return exact_importance(graph, adversary, atomic_class, options); });
            return as_dict(graph, std::move(found));
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("max_variables") = kExactVariableLimit,
        py::arg("max_steps") = 20'000'000, py::arg("progress") = py::none(),
        "Exact importance of every random variable that can change whether the class is reached: "
        "{arc, origin, from, to, event, p, importance(_low, _high), removed(_low, _high), exposure(_low, _high), "
        "method, samples, max_half_width}. Limits as exact_exposure's, per conditioned model.");
    m.def(
        "monte_carlo_importance",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class, std::int64_t samples,
           const py::int_& seed, double tolerance, std::int64_t threads, double confidence, py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const MonteCarloOptions options =
                monte_carlo_options(samples, seed, tolerance, threads, confidence, false, hook);
            Importance found;
            {
                py::gil_scoped_release release;
                found = monte_carlo_importance(graph, adversary, atomic_class, options);
            }
            hook.rethrow_if_failed();
            return as_dict(graph, std::move(found));
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("samples"), py::arg("seed"),
        py::arg("tolerance") = 0.0, py::arg("threads") = 0, py::arg("confidence") = 0.95,
        py::arg("progress") = py::none(),
        "Monte Carlo importance of every variable in one pass over the worlds of "
        "monte_carlo_exposure with the same seed; the same keys as exact_importance, with "
        "Wilson intervals. tolerance > 0 stops at the first checkpoint where every interval's "
        "half-width is within it.");
}
