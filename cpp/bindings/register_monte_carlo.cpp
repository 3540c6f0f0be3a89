#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/exposure_monte_carlo.hpp"

namespace py = pybind11;
using namespace datareach;

namespace {

// Python's view of the progress hook: called by the engine from this (the calling) thread
// about ten times a second with the GIL released. It takes the GIL, lets Python run pending
// signal handlers (Ctrl-C raises KeyboardInterrupt there), then calls the optional callable.
// A Python exception, or the callable returning False, stops the run; the exception is kept
// and re-raised once the engine has returned.
struct PythonProgress {
    py::object callback;
    std::optional<py::error_already_set> error;

    bool operator()(std::uint64_t done, std::uint64_t total) {
        py::gil_scoped_acquire acquire;
        if (error) return false;
        if (PyErr_CheckSignals() != 0) {
            error.emplace();  // fetches the pending exception (KeyboardInterrupt)
            return false;
        }
        if (callback.is_none()) return true;
        try {
            py::object answer = callback(done, total);
            if (answer.is_none()) return true;
            const int truth = PyObject_IsTrue(answer.ptr());
            if (truth < 0) throw py::error_already_set();
            return truth != 0;
        } catch (py::error_already_set& e) {
            error.emplace(std::move(e));
            return false;
        }
    }
};

std::uint64_t seed_bits(const py::int_& seed) {
    // Any Python int: its low 64 bits (two's complement for negative seeds).
    py::int_ low = py::reinterpret_steal<py::int_>(PyNumber_And(seed.ptr(), py::int_(~std::uint64_t{0}).ptr()));
    if (!low) throw py::error_already_set();
    return low.cast<std::uint64_t>();
}

}  // namespace

void register_monte_carlo(py::module_& m) {
    m.def(
        "monte_carlo_exposure",
        [](const CompiledGraph& graph, const std::vector<std::int64_t>& adversaries, std::int64_t samples,
           const py::int_& seed, double tolerance, std::int64_t threads, double confidence, bool places,
           py::object progress) {
            if (samples <= 0) throw ModelError("samples: must be > 0, got " + std::to_string(samples));
            if (threads < 0) throw ModelError("threads: must be >= 0, got " + std::to_string(threads));
            if (threads > 1024) throw ModelError("threads: at most 1024, got " + std::to_string(threads));
            if (!progress.is_none() && !PyCallable_Check(progress.ptr()))
                throw ModelError("progress: expected a callable or None");
            std::vector<NodeIndex> rows;
            rows.reserve(adversaries.size());
            for (auto a : adversaries) {
                if (a < 0 || static_cast<std::uint64_t>(a) >= graph.node_count())
                    throw ModelError("adversaries: no node #" + std::to_string(a));
                rows.push_back(static_cast<NodeIndex>(a));
            }
            MonteCarloOptions options;
            options.samples = static_cast<std::uint64_t>(samples);
            options.seed = seed_bits(seed);
            options.tolerance = tolerance;
            options.threads = static_cast<unsigned>(threads);
            options.confidence = confidence;
            options.places = places;
            PythonProgress hook{std::move(progress), std::nullopt};
            options.progress = [&hook](std::uint64_t done, std::uint64_t total) { return hook(done, total); };
            std::shared_ptr<ExposureTable> table;
            {
                py::gil_scoped_release release;
                table = std::make_shared<ExposureTable>(monte_carlo_exposure(graph, rows, options));
            }
            if (hook.error) throw std::move(*hook.error);
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
