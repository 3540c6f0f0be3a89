// Bindings of the samplers (datareach/samplers.hpp): one Monte Carlo run evaluated world
// range by world range, anywhere, its integer counts travelling as NumPy uint64 arrays (handed
// over without copying) and summed here. count() and table() run without the GIL; Ctrl-C
// stops a count() and is re-raised.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/samplers.hpp"
#include "numpy_arrays.hpp"
#include "progress.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::monte_carlo_options;
using datareach_bindings::PythonProgress;
using datareach_bindings::to_numpy;

namespace {

// The counts array `value` as the core reads it: a 1-d, C-contiguous NumPy array of native
// unsigned 64-bit integers, never converted (a count converted from another type would not
// be a count). The dtype is compared by kind, size and byte order, not by identity: an
// unpickled array has its own, equal dtype instance.
py::array counts_array(const py::handle& value, const char* name, bool writeable = false) {
    if (!py::isinstance<py::array>(value))
        throw ModelError(std::string(name) + ": expected a NumPy uint64 array of counts");
    auto array = py::reinterpret_borrow<py::array>(value);
    const py::dtype type = array.dtype();
    if (type.kind() != 'u' || type.itemsize() != sizeof(std::uint64_t) || !type.attr("isnative").cast<bool>() ||
        array.ndim() != 1 || !(array.flags() & py::array::c_style))
        throw ModelError(std::string(name) + ": expected a 1-d contiguous uint64 array of counts");
    if (writeable && !array.writeable()) throw ModelError(std::string(name) + ": expected a writeable array");
    return array;
}

CountsView view(const py::array& array) {
    return {static_cast<const std::uint64_t*>(array.data()), static_cast<std::size_t>(array.size())};
}

std::vector<NodeIndex> node_rows(const CompiledGraph& graph, const std::vector<std::int64_t>& adversaries,
                                 const std::string& where) {
    std::vector<NodeIndex> rows;
    rows.reserve(adversaries.size());
    for (auto a : adversaries) {
        if (a < 0 || static_cast<std::uint64_t>(a) >= graph.node_count())
            throw ModelError(where + ": no node #" + std::to_string(a));
        rows.push_back(static_cast<NodeIndex>(a));
    }
    return rows;
}

// A sampler with what it needs from Python: the graphs it reads (kept alive) and the hook
// that forwards Ctrl-C during count() (at a fixed address: the options point to it).
template <class Sampler>
struct Bound {
    py::tuple graphs;
    PythonProgress hook{py::none(), std::nullopt};
    std::optional<Sampler> sampler;

    Bound() = default;
    Bound(const Bound&) = delete;
    Bound& operator=(const Bound&) = delete;

    py::array_t<std::uint64_t> count(std::uint64_t first, std::uint64_t last) {
        std::vector<std::uint64_t> counts;
        {
            py::gil_scoped_release release;
            counts = sampler->count(first, last);
        }
        if (hook.error) {  // Ctrl-C: re-raise it once, and let the next count() run
            py::error_already_set error = std::move(*hook.error);
            hook.error.reset();
            throw error;
        }
        return to_numpy(std::move(counts));
    }

    void add(const py::handle& total, const py::handle& part) const {
        auto into = counts_array(total, "total", true);
        auto from = counts_array(part, "part");
        sampler->add(static_cast<std::uint64_t*>(into.mutable_data()), static_cast<std::size_t>(into.size()),
                     view(from));
    }

    double max_half_width(const py::handle& counts) const {
        return sampler->max_half_width(view(counts_array(counts, "counts")));
    }

    bool converged(const py::handle& counts) const { return sampler->converged(view(counts_array(counts, "counts"))); }

    template <class Table>
    std::shared_ptr<Table> table(const py::handle& counts) const {
        auto array = counts_array(counts, "counts");
        py::gil_scoped_release release;
        return std::make_shared<Table>(sampler->table(view(array)));
    }
};

using BoundExposure = Bound<ExposureSampler>;
using BoundComparison = Bound<ComparisonSampler>;

template <class B>
void common_methods(py::class_<B, std::shared_ptr<B>>& cls) {
    cls.def_property_readonly(
           "quanta", [](const B& b) { return b.sampler->quanta(); },
           "Quanta of 512 worlds of the whole run (samples rounded up).")
        .def_property_readonly(
            "checkpoints", [](const B& b) { return b.sampler->checkpoints(); },
            "Where the run's segments end, in quanta, ascending, the last = quanta: the\n"
            "checkpoints of a run with a tolerance; [quanta] without one.")
        .def_property_readonly(
            "counts_size", [](const B& b) { return b.sampler->counts_size(); }, "Length of a counts array.")
        .def("count", &B::count, py::arg("first"), py::arg("last"),
             "Counts (uint64 array; element 0: the worlds) of the worlds of quanta [first, last).\n"
             "Runs without the GIL; Ctrl-C stops it and is re-raised.")
        .def("add", &B::add, py::arg("total"), py::arg("part"),
             "Adds the counts `part` into the writeable array `total` (exact integer sums).")
        .def("max_half_width", &B::max_half_width, py::arg("counts"),
             "The widest probability (comparison: difference) half-width of summed counts.")
        .def("converged", &B::converged, py::arg("counts"),
             "Whether summed counts meet the tolerance: the threaded run's test at a checkpoint.");
}

}  // namespace

void register_samplers(py::module_& m) {
    py::class_<BoundExposure, std::shared_ptr<BoundExposure>> exposure(
        m, "ExposureSampler",
        "Monte Carlo exposure of one graph, world range by world range: count() the quanta of a\n"
        "range anywhere (same graph, adversaries and arguments), add() the counts, table() them:\n"
        "the table of monte_carlo_exposure with the same arguments, for any split into ranges.\n"
        "threads applies to each count().");
    exposure.def(
        py::init([](py::object graph, const std::vector<std::int64_t>& adversaries, std::int64_t samples,
                    const py::int_& seed, double tolerance, std::int64_t threads, double confidence, bool places) {
            auto bound = std::make_shared<BoundExposure>();
            const auto& compiled = graph.cast<const CompiledGraph&>();
            bound->graphs = py::make_tuple(graph);
            const MonteCarloOptions options =
                monte_carlo_options(samples, seed, tolerance, threads, confidence, places, bound->hook);
            const std::vector<NodeIndex> rows = node_rows(compiled, adversaries, "adversaries");
            bound->sampler.emplace(compiled, rows, options);
            return bound;
        }),
        py::arg("graph"), py::arg("adversaries"), py::arg("samples"), py::arg("seed"), py::arg("tolerance") = 0.0,
        py::arg("threads") = 0, py::arg("confidence") = 0.95, py::arg("places") = true);
    common_methods(exposure);
    exposure.def("table", &BoundExposure::table<ExposureTable>, py::arg("counts"),
                 "The ExposureTable of summed counts (as monte_carlo_exposure's for these worlds).");

    py::class_<BoundComparison, std::shared_ptr<BoundComparison>> comparison(
        m, "ComparisonSampler",
        "The paired comparison of graphs[0] with the other graphs, world range by world range; as\n"
        "ExposureSampler, with the arguments of monte_carlo_compare; table() gives its\n"
        "ComparisonTable.");
    comparison.def(
        py::init([](const py::sequence& graphs, const std::vector<std::vector<std::int64_t>>& adversaries,
                    std::int64_t samples, const py::int_& seed, double tolerance, std::int64_t threads,
                    double confidence, bool places) {
            auto bound = std::make_shared<BoundComparison>();
            const MonteCarloOptions options =
                monte_carlo_options(samples, seed, tolerance, threads, confidence, places, bound->hook);
            if (graphs.size() < 2) throw ModelError("graphs: give the base and at least one variant");
            if (adversaries.size() != graphs.size())
                throw ModelError("adversaries: " + std::to_string(adversaries.size()) + " lists for " +
                                 std::to_string(graphs.size()) + " graphs");
            bound->graphs = py::tuple(graphs);
            std::vector<const CompiledGraph*> pointers;
            std::vector<std::vector<NodeIndex>> rows;
            for (std::size_t g = 0; g < bound->graphs.size(); ++g) {
                try {
                    pointers.push_back(&bound->graphs[g].cast<const CompiledGraph&>());
                } catch (const py::cast_error&) {
                    throw ModelError("graphs[" + std::to_string(g) + "]: expected a CompiledGraph");
                }
                rows.push_back(node_rows(*pointers.back(), adversaries[g], "adversaries[" + std::to_string(g) + "]"));
            }
            bound->sampler.emplace(pointers, rows, options);
            return bound;
        }),
        py::arg("graphs"), py::arg("adversaries"), py::arg("samples"), py::arg("seed"), py::arg("tolerance") = 0.0,
        py::arg("threads") = 0, py::arg("confidence") = 0.95, py::arg("places") = false);
    common_methods(comparison);
    comparison.def("table", &BoundComparison::table<ComparisonTable>, py::arg("counts"),
                   "The ComparisonTable of summed counts (as monte_carlo_compare's for these worlds).");
}
