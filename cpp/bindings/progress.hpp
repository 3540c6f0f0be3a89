// Shared by the bindings of long computations: the Python view of a progress hook, and
// seeds from any Python int.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "datareach/errors.hpp"
#include "datareach/exact.hpp"
#include "datareach/monte_carlo.hpp"

namespace datareach_bindings {

namespace py = pybind11;

// Python's view of the progress hook: called by the engine from the calling thread about ten
// times a second with the GIL released. It takes the GIL, lets Python run pending signal
// handlers (Ctrl-C raises KeyboardInterrupt there), then calls the optional callable. A
// Python exception, or the callable returning False, stops the run; the exception is kept
// and re-raised once the engine has returned (rethrow_if_failed, with the GIL held).
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

    void rethrow_if_failed() {
        if (error) throw std::move(*error);
    }
};

// Any Python int as a seed: its low 64 bits (two's complement for negative seeds).
inline std::uint64_t seed_bits(const py::int_& seed) {
    py::int_ low = py::reinterpret_steal<py::int_>(PyNumber_And(seed.ptr(), py::int_(~std::uint64_t{0}).ptr()));
    if (!low) throw py::error_already_set();
    return low.cast<std::uint64_t>();
}

// The options both Monte Carlo bindings (exposure, comparison) build from their arguments,
// checked once here; `hook` reports progress and must outlive the run.
inline datareach::MonteCarloOptions monte_carlo_options(std::int64_t samples, const py::int_& seed, double tolerance,
                                                        std::int64_t threads, double confidence, bool places,
                                                        PythonProgress& hook) {
    using datareach::ModelError;
    if (samples <= 0) throw ModelError("samples: must be > 0, got " + std::to_string(samples));
    if (threads < 0) throw ModelError("threads: must be >= 0, got " + std::to_string(threads));
    if (threads > 1024) throw ModelError("threads: at most 1024, got " + std::to_string(threads));
    if (!hook.callback.is_none() && !PyCallable_Check(hook.callback.ptr()))
        throw ModelError("progress: expected a callable or None");
    datareach::MonteCarloOptions options;
    options.samples = static_cast<std::uint64_t>(samples);
    options.seed = seed_bits(seed);
    options.tolerance = tolerance;
    options.threads = static_cast<unsigned>(threads);
    options.confidence = confidence;
    options.places = places;
    options.progress = [&hook](std::uint64_t done, std::uint64_t total) { return hook(done, total); };
    return options;
}

// The options of the exact explanations' bindings (importance, removals): limits from the
// arguments, progress through `hook`, which must outlive the run.
inline datareach::ExactOptions exact_options(std::int64_t max_variables, std::uint64_t max_steps,
                                             PythonProgress& hook) {
    if (!hook.callback.is_none() && !PyCallable_Check(hook.callback.ptr()))
        throw datareach::ModelError("progress: expected a callable or None");
    datareach::ExactOptions options;
    options.max_variables = max_variables;
    options.max_steps = max_steps;
    options.progress = [&hook](std::uint64_t done, std::uint64_t total) { return hook(done, total); };
    return options;
}

// Runs an exact computation without the GIL; a stop by the progress hook re-raises the
// hook's exception (Ctrl-C, an error in the callback) or says the callback stopped it.
template <class Compute>
auto run_exact(PythonProgress& hook, Compute&& compute) {
    try {
        py::gil_scoped_release release;
        return compute();
    } catch (const datareach::ExactCancelled&) {
        hook.rethrow_if_failed();
        throw py::value_error("exact method: stopped by the progress callback");
    }
}

}  // namespace datareach_bindings
