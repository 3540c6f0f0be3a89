// Moving core results into NumPy without copying, and reading NumPy columns into the core.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datareach/errors.hpp"
#include "datareach/model_data.hpp"

namespace datareach_bindings {

namespace py = pybind11;

// Hands the vector's buffer to NumPy; the array owns it through a capsule.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule release(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>({owned->size()}, {sizeof(T)}, owned->data(), release);
}

// A read-only NumPy view of memory owned by `owner`, which the view keeps alive.
template <class T>
py::array_t<T> view_of(const std::vector<T>& values, py::handle owner) {
    py::array_t<T> view({values.size()}, {sizeof(T)}, values.data(), owner);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return view;
}

// One column of the tables handed in by the Python layer as a contiguous 1-d array of T
// (the array itself when it is one already, else a converted copy).
template <class T>
py::array_t<T> column_array(const py::dict& tables, const char* key) {
    if (!tables.contains(key)) throw datareach::ModelError(std::string("internal: missing column ") + key);
    auto array = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(tables[key]);
    if (!array || array.ndim() != 1)
        throw datareach::ModelError(std::string("internal: column ") + key + " is not a 1-d array");
    return array;
}

// Copies one column of the tables.
template <class T>
std::vector<T> column(const py::dict& tables, const char* key) {
    const auto array = column_array<T>(tables, key);
    return std::vector<T>(array.data(), array.data() + array.size());
}

// One column of the tables as a view the core reads in place (docs/design.md decision 64):
// the view holds a reference to the array, released under the GIL whenever the last copy of
// the view goes, and marks it read-only, since the core's checks of the values (done once,
// when the ModelData is built) hold only while nobody writes into them.
template <class T>
datareach::Column<T> column_view(const py::dict& tables, const char* key) {
    auto array = column_array<T>(tables, key);
    py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    const T* data = array.data();
    const auto size = static_cast<std::size_t>(array.size());
    std::shared_ptr<const void> owner(new py::object(std::move(array)), [](const void* held) {
        py::gil_scoped_acquire gil;
        delete static_cast<const py::object*>(held);
    });
    return datareach::Column<T>::view(data, size, std::move(owner));
}

}  // namespace datareach_bindings
