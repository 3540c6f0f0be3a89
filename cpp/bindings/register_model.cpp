// Binding of the model: ModelData from the columnar tables the Python layer lowers a
// scenario to, and CompiledGraph with the few accessors the Python layer reads.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "datareach/compiled_graph.hpp"
#include "datareach/model_data.hpp"
#include "numpy_arrays.hpp"

namespace py = pybind11;
using namespace datareach;
using datareach_bindings::column;
using datareach_bindings::column_view;
using datareach_bindings::view_of;

namespace {

RaggedColumn ragged(const py::dict& tables, const std::string& name) {
    RaggedColumn r;
    r.offsets = column_view<std::int32_t>(tables, (name + "_offsets").c_str());
    r.values = column_view<std::int32_t>(tables, (name + "_values").c_str());
    return r;
}

// Windows are copied: the tables hold their two sides as separate columns.
Column<Window> windows(const py::dict& tables, const std::string& prefix) {
    const auto start = datareach_bindings::column_array<Day>(tables, (prefix + "_window_start").c_str());
    const auto end = datareach_bindings::column_array<Day>(tables, (prefix + "_window_end").c_str());
    if (start.size() != end.size()) throw ModelError(prefix + ": window columns of different lengths");
    std::vector<Window> out(static_cast<std::size_t>(start.size()));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {start.data()[i], end.data()[i]};
    return out;
}

std::shared_ptr<ModelData> model_from_tables(const py::dict& tables) {
    auto m = std::make_shared<ModelData>();
    m->region_names = tables["region_names"].cast<std::vector<std::string>>();
    m->region_parent = column_view<std::int32_t>(tables, "region_parent");
    for (auto kind : column<std::int8_t>(tables, "node_kind")) m->node_kind.push_back(static_cast<NodeKind>(kind));
    m->node_region = column_view<std::int32_t>(tables, "node_region");
    m->node_territory = column_view<std::int32_t>(tables, "node_territory");
    m->node_compels = column_view<double>(tables, "node_compels");
    if (tables.contains("node_rule_exempt"))
        m->node_rule_exempt = column_view<std::uint8_t>(tables, "node_rule_exempt");
    m->class_sensitivity = column_view<double>(tables, "class_sensitivity");
    m->class_records = column_view<double>(tables, "class_records");
    m->class_components = ragged(tables, "class_components");
    m->event_p = column_view<double>(tables, "event_p");
    m->placement_class = column_view<std::int32_t>(tables, "placement_class");
    m->placement_store = column_view<std::int32_t>(tables, "placement_store");
    m->placement_share = column_view<double>(tables, "placement_share");
    m->placement_window = windows(tables, "placement");
    m->flow_from = column_view<std::int32_t>(tables, "flow_from");
    m->flow_to = column_view<std::int32_t>(tables, "flow_to");
    m->flow_share = column_view<double>(tables, "flow_share");
    m->flow_window = windows(tables, "flow");
    m->flow_classes = ragged(tables, "flow_classes");
    m->arc_from = column_view<std::int32_t>(tables, "arc_from");
    m->arc_to = column_view<std::int32_t>(tables, "arc_to");
    m->arc_p = column_view<double>(tables, "arc_p");
    // Left out of the tables when no row gives them (ModelData: every cost 1, no windows).
    if (tables.contains("arc_cost")) m->arc_cost = column_view<double>(tables, "arc_cost");
    if (tables.contains("arc_window_start")) m->arc_window = windows(tables, "arc");
    m->arc_classes = ragged(tables, "arc_classes");
    m->arc_requires = ragged(tables, "arc_requires");
    // Keys are optional: without them the row index identifies each random variable.
    if (tables.contains("arc_key")) m->arc_key = column_view<std::uint64_t>(tables, "arc_key");
    if (tables.contains("event_key")) m->event_key = column_view<std::uint64_t>(tables, "event_key");
    if (tables.contains("node_key")) m->node_key = column_view<std::uint64_t>(tables, "node_key");
    {
        py::gil_scoped_release release;
        m->validate();
    }
    return m;
}

}  // namespace

void register_model(py::module_& m) {
    m.def(
        "arc_keys",
        [](const py::array_t<std::uint64_t>& node_key, const py::array_t<std::int32_t>& arc_from,
           const py::array_t<std::int32_t>& arc_to) {
            py::dict tables;
            tables["node_key"] = node_key;
            tables["arc_from"] = arc_from;
            tables["arc_to"] = arc_to;
            const auto keys = column<std::uint64_t>(tables, "node_key");
            const auto from = column<std::int32_t>(tables, "arc_from");
            const auto to = column<std::int32_t>(tables, "arc_to");
            std::vector<std::uint64_t> out;
            {
                py::gil_scoped_release release;
                out = arc_keys_from_nodes(keys, from, to);
            }
            return datareach_bindings::to_numpy(std::move(out));
        },
        py::arg("node_key"), py::arg("arc_from"), py::arg("arc_to"),
        "Stable keys of access arcs from the keys of their two nodes (ModelData::arc_key).");

    py::class_<ModelData, std::shared_ptr<ModelData>>(
        m, "ModelData", "The model as validated columnar tables, ids replaced by indices.")
        .def(py::init(&model_from_tables), py::arg("tables"))
        .def_property_readonly("node_count", &ModelData::node_count)
        .def_property_readonly("class_count", &ModelData::class_count)
        .def_property_readonly("arc_count", &ModelData::arc_count);

    py::class_<CompiledGraph, std::shared_ptr<CompiledGraph>>(m, "CompiledGraph",
                                                              "The model as of one date, compiled into a CSR graph.")
        .def(py::init([](const ModelData& model, std::optional<Day> at) {
                 py::gil_scoped_release release;
                 // Every ModelData here was validated when built (model_from_tables, the
                 // only constructor Python has) and Python cannot change it: not again.
                 return std::make_shared<CompiledGraph>(CompiledGraph::compile(CompiledGraph::Validated{model}, at));
             }),
             py::arg("model"), py::arg("at") = py::none())
        .def_property_readonly("node_count", &CompiledGraph::node_count)
        .def_property_readonly("arc_count", &CompiledGraph::arc_count)
        .def_property_readonly("class_count", &CompiledGraph::class_count)
        .def_property_readonly("at", &CompiledGraph::at)
        .def(
            "arc_origin",
            [](const CompiledGraph& g, ArcIndex a) {
                if (a < 0 || static_cast<std::size_t>(a) >= g.arc_count())
                    throw py::index_error("no compiled arc #" + std::to_string(a));
                return g.arc_origin(a);
            },
            py::arg("arc"))
        .def(
            "presence_share",
            [](const CompiledGraph& g, ClassIndex c, NodeIndex s) {
                if (c < 0 || static_cast<std::size_t>(c) >= g.class_count())
                    throw py::index_error("no class #" + std::to_string(c));
                if (s < 0 || static_cast<std::size_t>(s) >= g.node_count())
                    throw py::index_error("no node #" + std::to_string(s));
                return g.presence_share(c, s);
            },
            py::arg("atomic_class"), py::arg("store"))
        .def_property_readonly(
            "presence_offsets",
            [](py::object self) { return view_of(self.cast<const CompiledGraph&>().presence_stores().offsets, self); })
        .def_property_readonly(
            "presence_stores",
            [](py::object self) { return view_of(self.cast<const CompiledGraph&>().presence_stores().values, self); })
        .def_property_readonly("presence_shares", [](py::object self) {
            return view_of(self.cast<const CompiledGraph&>().presence_shares(), self);
        });
}
