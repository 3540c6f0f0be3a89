// Binding of the common result table: ExposureTable's matrices and place rows as read-only
// NumPy views that keep the table alive, so results cross into Python without copies.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "datareach/exposure.hpp"
#include "numpy_arrays.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::view_of;

namespace {

// A read-only NumPy view of a score matrix; the table stays alive while the view does.
py::array matrix_view(py::object self, const ScoreMatrix& matrix) {
    py::array view = py::cast(Eigen::Ref<const ScoreMatrix>(matrix), py::return_value_policy::reference_internal, self);
    return view;
}

py::dict place_columns(py::object self, const PlaceExposure& rows, const char* place_name) {
    py::dict out;
    out["adversary_row"] = view_of(rows.adversary_row, self);
    out["class"] = view_of(rows.class_index, self);
    out[place_name] = view_of(rows.place, self);
    out["probability"] = view_of(rows.probability, self);
    out["ci_low"] = view_of(rows.ci_low, self);
    out["ci_high"] = view_of(rows.ci_high, self);
    return out;
}

}  // namespace

void register_exposure(py::module_& m) {
    py::class_<ExposureTable, std::shared_ptr<ExposureTable>>(
        m, "ExposureTable", "Exposure scores of one run; matrices are adversaries x classes, read-only views.")
        .def_property_readonly(
            "adversaries", [](py::object self) { return view_of(self.cast<const ExposureTable&>().adversaries, self); })
        .def_property_readonly(
            "probability",
            [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().probability); })
        .def_property_readonly(
            "ci_low", [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().ci_low); })
        .def_property_readonly(
            "ci_high", [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().ci_high); })
        .def_property_readonly(
            "expected_share",
            [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().expected_share); })
        .def_property_readonly(
            "expected_share_ci_low",
            [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().expected_share_ci_low); })
        .def_property_readonly(
            "expected_share_ci_high",
            [](py::object self) { return matrix_view(self, self.cast<const ExposureTable&>().expected_share_ci_high); })
        .def_property_readonly(
            "by_store",
            [](py::object self) { return place_columns(self, self.cast<const ExposureTable&>().by_store, "store"); })
        .def_property_readonly(
            "by_region",
            [](py::object self) { return place_columns(self, self.cast<const ExposureTable&>().by_region, "region"); })
        .def_readonly("method", &ExposureTable::method)
        .def_readonly("samples", &ExposureTable::samples)
        .def_readonly("seed", &ExposureTable::seed)
        .def_readonly("max_half_width", &ExposureTable::max_half_width);
}
