// Binding of the core's one error type: ModelError surfaces in Python as datareach's
// ModelError (a ValueError), so callers catch one exception for a bad model or request.
#include <pybind11/pybind11.h>

#include "datareach/errors.hpp"

namespace py = pybind11;

// Core errors become datareach.ModelError (a ValueError) defined by the Python layer, so a
// user catches one class whichever tier found the problem.
void register_errors(py::module_& m) {
    py::register_exception_translator([](std::exception_ptr error) {
        try {
            if (error) std::rethrow_exception(error);
        } catch (const datareach::ModelError& e) {
            py::object model_error = py::module_::import("datareach.errors").attr("ModelError");
            PyErr_SetString(model_error.ptr(), e.what());
        }
    });
    (void)m;
}
