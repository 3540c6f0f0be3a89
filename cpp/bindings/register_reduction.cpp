// Bindings behind cheapest_reduction: the arcs that can matter for a request, and the
// exposure with sets of arcs removed (exact or Monte Carlo), run without the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "datareach/removal.hpp"
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

py::dict as_dict(RemovalExposures&& found) {
    py::dict out;
    out["exposure"] = to_numpy(std::move(found.exposure));
    out["low"] = to_numpy(std::move(found.low));
    out["high"] = to_numpy(std::move(found.high));
    out["base"] = found.base;
    out["base_low"] = found.base_low;
    out["base_high"] = found.base_high;
    out["method"] = found.method;
    out["samples"] = found.samples;
    return out;
}

}  // namespace

void register_reduction(py::module_& m) {
    m.def(
        "relevant_arcs",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class) {
            std::vector<ArcIndex> arcs;
            {
                py::gil_scoped_release release;
                arcs = relevant_arcs(graph, adversary, atomic_class);
            }
            std::vector<std::int64_t> origin;
            std::vector<NodeIndex> from, to;
            for (ArcIndex a : arcs) {
                origin.push_back(graph.arc_origin(a));
                from.push_back(graph.arc_source(a));
                to.push_back(graph.arc_target(a));
            }
            py::dict out;
            out["arc"] = to_numpy(std::move(arcs));
            out["origin"] = to_numpy(std::move(origin));
            out["from"] = to_numpy(std::move(from));
            out["to"] = to_numpy(std::move(to));
            return out;
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"),
        "{arc, origin, from, to}: the compiled arcs on some possible path from the adversary to a "
        "store holding the class, ascending.");
    m.def(
        "exact_removal_exposures",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
           const std::vector<std::vector<ArcIndex>>& removals, std::int64_t max_variables, std::uint64_t max_steps,
           py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const ExactOptions options = exact_options(max_variables, max_steps, hook);
            RemovalExposures found = run_exact(
                hook, [&] { return exact_removal_exposures(graph, adversary, atomic_class, removals, options); });
            return as_dict(std::move(found));
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("removals"),
        py::arg("max_variables") = kExactVariableLimit, py::arg("max_steps") = 20'000'000,
        py::arg("progress") = py::none(),
        "{exposure, low, high (per removal set of compiled arcs), base, base_low, base_high, method, samples}.");
    m.def(
        "monte_carlo_removal_exposures",
        [](const CompiledGraph& graph, NodeIndex adversary, ClassIndex atomic_class,
           const std::vector<std::vector<ArcIndex>>& removals, std::int64_t samples, const py::int_& seed,
           std::int64_t threads, double confidence, py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const MonteCarloOptions options = monte_carlo_options(samples, seed, 0.0, threads, confidence, false, hook);
            RemovalExposures found;
            {
                py::gil_scoped_release release;
                found = monte_carlo_removal_exposures(graph, adversary, atomic_class, removals, options);
            }
            hook.rethrow_if_failed();
            return as_dict(std::move(found));
        },
        py::arg("graph"), py::arg("adversary"), py::arg("atomic_class"), py::arg("removals"), py::arg("samples"),
        py::arg("seed"), py::arg("threads") = 0, py::arg("confidence") = 0.95, py::arg("progress") = py::none(),
        "As exact_removal_exposures, on the worlds of monte_carlo_exposure with the same seed, with Wilson "
        "intervals.");
}
