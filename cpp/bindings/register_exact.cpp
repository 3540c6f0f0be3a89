// Binding of the exact engine: exact_complexity (to choose a method cheaply) and
// exact_exposure, run without the GIL with progress and Ctrl-C forwarded.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "datareach/exact.hpp"

namespace py = pybind11;
using namespace datareach;

void register_exact(py::module_& m) {
    m.def(
        "exact_complexity",
        [](const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries, std::optional<std::int64_t> cap,
           int max_frontier_width) {
            ExactComplexity c;
            {
                py::gil_scoped_release release;
                c = exact_complexity(graph, adversaries, cap ? std::max<std::int64_t>(*cap, 0) : -1,
                                     max_frontier_width);
            }
            py::dict out;
            out["variables"] = py::cast(c.variables);
            out["max_run_variables"] = py::cast(c.max_run_variables);
            out["max_run_width"] = py::cast(c.max_run_width);
            out["max_factoring_variables"] = py::cast(c.max_factoring_variables);
            out["arcs"] = py::cast(c.arcs);
            py::list capped;
            for (auto flag : c.capped) capped.append(py::bool_(flag != 0));
            out["capped"] = capped;
            out["work"] = c.work;
            return out;
        },
        py::arg("graph"), py::arg("adversaries"), py::arg("cap") = py::none(),
        py::arg("max_frontier_width") = kFrontierWidthLimit,
        "Size of the exact problem after pruning: per adversary the random variables that can "
        "matter ('variables'), the most of them one run has ('max_run_variables'), the largest "
        "frontier width of a run the frontier method can solve ('max_run_width', 0 if none), "
        "the most variables of a run exact_exposure would factor ('max_factoring_variables': "
        "runs the frontier method cannot solve or wider than max_frontier_width), the arcs that "
        "can matter ('arcs'), and 'work', the cost of plain enumeration (an upper bound on "
        "factoring's). With cap=N counting stops once a count passes N ('capped' is True for "
        "that adversary): fast on huge models; widths are counted in full.");

    m.def(
        "exact_exposure",
        [](const CompiledGraph& graph, const std::vector<NodeIndex>& adversaries, std::int64_t max_variables,
           std::uint64_t max_steps, bool places, py::object progress, int max_frontier_width) {
            ExactOptions options;
            options.max_variables = max_variables;
            options.max_frontier_width = max_frontier_width;
            options.max_steps = max_steps;
            options.places = places;
            // Polled from the computing thread (this one, with the GIL released): take the
            // GIL, let Python handle pending signals (Ctrl-C raises KeyboardInterrupt there),
            // then report progress to the optional callable; either can stop the run.
            bool stopped_by_callback = false;
            options.progress = [&](std::uint64_t done, std::uint64_t total) {
                py::gil_scoped_acquire acquire;
                if (PyErr_CheckSignals() != 0) return false;
                if (progress.is_none()) return true;
                try {
                    py::object answer = progress(done, total);
                    if (!answer.is_none() && !answer.cast<bool>()) {
                        stopped_by_callback = true;
                        return false;
                    }
                } catch (py::error_already_set& e) {
                    e.restore();  // re-raised below once the computation has unwound
                    return false;
                }
                return true;
            };
            auto table = std::make_shared<ExposureTable>();
            try {
                py::gil_scoped_release release;
                *table = exact_exposure(graph, adversaries, options);
            } catch (const ExactCancelled&) {
                if (PyErr_Occurred()) throw py::error_already_set();
                if (stopped_by_callback) throw py::value_error("exact method: stopped by the progress callback");
                throw;
            }
            return table;
        },
        py::arg("graph"), py::arg("adversaries"), py::arg("max_variables") = kExactVariableLimit,
        py::arg("max_steps") = 20'000'000, py::arg("places") = true, py::arg("progress") = py::none(),
        py::arg("max_frontier_width") = kFrontierWidthLimit,
        "Exact exposure scores (an ExposureTable). Runs of one filter group without composite "
        "classes whose frontier width is at most max_frontier_width (0: never) are solved by the "
        "frontier method, with no variable limit; the others by factoring, which raises "
        "ModelError when a run has more than max_variables random variables after pruning or "
        "needs more than max_steps conditioning steps (0: unlimited). progress(done, total) is "
        "called now and then with finished/total runs; returning False stops (ValueError). "
        "Ctrl-C stops cleanly.");
}
