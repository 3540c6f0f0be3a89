// Binding of Monte Carlo exposure: monte_carlo_exposure, run without the GIL with progress
// and Ctrl-C forwarded; seeds of any Python int size are folded to 64 bits.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/monte_carlo.hpp"
#include "progress.hpp"

namespace py = pybind11;
using namespace datareach;

using datareach_bindings::monte_carlo_options;
using datareach_bindings::PythonProgress;

void register_monte_carlo(py::module_& m) {
    m.def(
        "monte_carlo_exposure",
        [](const CompiledGraph& graph, const std::vector<std::int64_t>& adversaries, std::int64_t samples,
           const py::int_& seed, double tolerance, std::int64_t threads, double confidence, bool places,
           py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const MonteCarloOptions options =
                monte_carlo_options(samples, seed, tolerance, threads, confidence, places, hook);
            std::vector<NodeIndex> rows;
            rows.reserve(adversaries.size());
            for (auto a : adversaries) {
                if (a < 0 || static_cast<std::uint64_t>(a) >= graph.node_count())
                    throw ModelError("adversaries: no node #" + std::to_string(a));
                rows.push_back(static_cast<NodeIndex>(a));
            }
            std::shared_ptr<ExposureTable> table;
            {
                py::gil_scoped_release release;
                table = std::make_shared<ExposureTable>(monte_carlo_exposure(graph, rows, options));
            }
            hook.rethrow_if_failed();
            return table;
        },
        py::arg("graph"), py::arg("adversaries"), py::arg("samples"), py::arg("seed"), py::arg("tolerance") = 0.0,
        py::arg("threads") = 0, py::arg("confidence") = 0.95, py::arg("places") = true,
        py::arg("progress") = py::none(),
        "Bit-parallel Monte Carlo exposure of every class to every adversary (node indices).\n\n"
        "samples caps the worlds (rounded up to a multiple of 512); tolerance > 0 stops at the\n"
        "first checkpoint where every class-level probability interval has half-width <= tolerance;\n"
        "the same seed gives the same table for any thread count (threads = 0: all cores). The GIL\n"
        "is released; progress(done, total) is called about ten times a second from this thread\n"
        "and returning False stops early (the table covers the worlds drawn). Ctrl-C or an\n"
        "exception in progress stops the run and is re-raised.");
}
