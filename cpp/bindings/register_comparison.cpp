// Binding of the paired comparison: ComparisonTable as NumPy views (variants x adversaries x
// classes) and monte_carlo_compare, run without the GIL with progress and Ctrl-C forwarded.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datareach/comparison.hpp"
#include "datareach/errors.hpp"
#include "progress.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::monte_carlo_options;
using datareach_bindings::PythonProgress;

namespace {

// A read-only (variants, adversaries, classes) view of a column of the table, which the view
// keeps alive.
template <class T>
py::array cube(py::object self, const std::vector<T>& values) {
    const auto& table = self.cast<const ComparisonTable&>();
    const auto v = static_cast<py::ssize_t>(table.variants), a = static_cast<py::ssize_t>(table.adversaries),
               c = static_cast<py::ssize_t>(table.classes);
    const auto item = static_cast<py::ssize_t>(sizeof(T));
    py::array_t<T> view({v, a, c}, {a * c * item, c * item, item}, values.data(), self);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return std::move(view);
}

template <std::vector<double> ComparisonTable::* column>
py::array double_cube(py::object self) {
    return cube(self, self.cast<const ComparisonTable&>().*column);
}

}  // namespace

void register_comparison(py::module_& m) {
    py::class_<ComparisonTable, std::shared_ptr<ComparisonTable>>(
        m, "ComparisonTable",
        "A paired Monte Carlo comparison: each graph's ExposureTable on the same worlds, and per\n"
        "variant, adversary and class the difference from the base with its interval; arrays are\n"
        "read-only (variants, adversaries, classes) views.")
        .def_property_readonly("tables",
                               [](py::object self) {
                                   auto& table = self.cast<ComparisonTable&>();
                                   py::list out;
                                   for (auto& t : table.tables)
                                       out.append(py::cast(&t, py::return_value_policy::reference_internal, self));
                                   return out;
                               })
        .def_property_readonly("probability_difference", &double_cube<&ComparisonTable::probability_difference>)
        .def_property_readonly("probability_difference_ci_low",
                               &double_cube<&ComparisonTable::probability_difference_ci_low>)
        .def_property_readonly("probability_difference_ci_high",
                               &double_cube<&ComparisonTable::probability_difference_ci_high>)
        .def_property_readonly("expected_share_difference", &double_cube<&ComparisonTable::expected_share_difference>)
        .def_property_readonly("expected_share_difference_ci_low",
                               &double_cube<&ComparisonTable::expected_share_difference_ci_low>)
        .def_property_readonly("expected_share_difference_ci_high",
                               &double_cube<&ComparisonTable::expected_share_difference_ci_high>)
        .def_property_readonly(
            "base_only", [](py::object self) { return cube(self, self.cast<const ComparisonTable&>().base_only); })
        .def_property_readonly(
            "variant_only",
            [](py::object self) { return cube(self, self.cast<const ComparisonTable&>().variant_only); })
        .def_property_readonly("identical",
                               [](py::object self) {
                                   // uint8 0/1 viewed as NumPy bool (same size, same layout).
                                   return cube(self, self.cast<const ComparisonTable&>().identical).view("bool");
                               })
        .def_readonly("samples", &ComparisonTable::samples)
        .def_readonly("seed", &ComparisonTable::seed)
        .def_readonly("max_half_width", &ComparisonTable::max_half_width);

    m.def(
        "monte_carlo_compare",
        [](const py::sequence& graphs, const std::vector<std::vector<std::int64_t>>& adversaries, std::int64_t samples,
           const py::int_& seed, double tolerance, std::int64_t threads, double confidence, bool places,
           py::object progress) {
            PythonProgress hook{std::move(progress), std::nullopt};
            const MonteCarloOptions options =
                monte_carlo_options(samples, seed, tolerance, threads, confidence, places, hook);
            if (graphs.size() < 2) throw ModelError("graphs: give the base and at least one variant");
            if (adversaries.size() != graphs.size())
                throw ModelError("adversaries: " + std::to_string(adversaries.size()) + " lists for " +
                                 std::to_string(graphs.size()) + " graphs");
            std::vector<const CompiledGraph*> pointers;
            for (std::size_t g = 0; g < graphs.size(); ++g) {
                try {
                    pointers.push_back(&graphs[g].cast<const CompiledGraph&>());
                } catch (const py::cast_error&) {
                    throw ModelError("graphs[" + std::to_string(g) + "]: expected a CompiledGraph");
                }
            }
            std::vector<std::vector<NodeIndex>> rows(adversaries.size());
            for (std::size_t g = 0; g < adversaries.size(); ++g) {
                for (auto a : adversaries[g]) {
                    if (a < 0 || static_cast<std::uint64_t>(a) >= pointers[g]->node_count())
                        throw ModelError("adversaries[" + std::to_string(g) + "]: no node #" + std::to_string(a));
                    rows[g].push_back(static_cast<NodeIndex>(a));
                }
            }
            std::shared_ptr<ComparisonTable> table;
            {
                py::gil_scoped_release release;
                table = std::make_shared<ComparisonTable>(monte_carlo_compare(pointers, rows, options));
            }
            hook.rethrow_if_failed();
            return table;
        },
        py::arg("graphs"), py::arg("adversaries"), py::arg("samples"), py::arg("seed"), py::arg("tolerance") = 0.0,
        py::arg("threads") = 0, py::arg("confidence") = 0.95, py::arg("places") = false,
        py::arg("progress") = py::none(),
        "Paired Monte Carlo comparison of graphs[0] (the base) with each other graph (variants).\n\n"
        "adversaries[g] lists graph g's node indices of the same adversaries (same ids, same\n"
        "order); every graph has the same classes in the same order. All graphs are evaluated on\n"
        "the same worlds (common random numbers), so per variant, adversary and class the\n"
        "difference from the base comes with a paired interval: Tango's score interval for the\n"
        "probability difference, a normal interval from the per-world differences for the\n"
        "expected share; exact (zero width) where the adversary's view of the class is the same\n"
        "in both graphs or deterministic reach settles both. tables gives each graph's own\n"
        "ExposureTable (as monte_carlo_exposure with the same seed and samples). tolerance > 0\n"
        "stops at the first checkpoint where every probability-difference half-width is <=\n"
        "tolerance. Same seed, same numbers for any thread count; the GIL is released; progress\n"
        "and cancellation as in monte_carlo_exposure.");
}
