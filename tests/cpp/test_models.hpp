// Small models for the GoogleTest suite, built in code: one table row per call.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "datareach/model_data.hpp"

namespace datareach::testing {

class ModelBuilder {
public:
    ModelData data;

    std::int32_t region(const std::string& path) {
        for (std::size_t r = 0; r < data.region_names.size(); ++r)
            if (data.region_names[r] == path) return static_cast<std::int32_t>(r);
        const auto slash = path.rfind('/');
        const std::int32_t parent = slash == std::string::npos ? -1 : region(path.substr(0, slash));
        data.region_names.push_back(path);
        data.region_parent.push_back(parent);
        return static_cast<std::int32_t>(data.region_names.size() - 1);
    }

    std::int32_t node(NodeKind kind, const std::string& region_path = "") {
        data.node_kind.push_back(kind);
        data.node_region.push_back(region_path.empty() ? -1 : region(region_path));
        data.node_territory.push_back(-1);
        data.node_compels.push_back(std::nan(""));
        return static_cast<std::int32_t>(data.node_kind.size() - 1);
    }
    std::int32_t role(const std::string& region_path = "") { return node(NodeKind::role, region_path); }
    std::int32_t store(const std::string& region_path = "") { return node(NodeKind::store, region_path); }
    std::int32_t jurisdiction(const std::string& territory, double compels) {
        const auto j = node(NodeKind::jurisdiction);
        data.node_territory[j] = region(territory);
        data.node_compels[j] = compels;
        return j;
    }

    std::int32_t atomic_class(double sensitivity = 1.0, double records = 1.0) {
        data.class_sensitivity.push_back(sensitivity);
        data.class_records.push_back(records);
        data.class_components.push_row({});
        return static_cast<std::int32_t>(data.class_sensitivity.size() - 1);
    }
    std::int32_t composite_class(const std::vector<std::int32_t>& components) {
        data.class_sensitivity.push_back(1.0);
        data.class_records.push_back(1.0);
        data.class_components.push_row(components);
        return static_cast<std::int32_t>(data.class_sensitivity.size() - 1);
    }

    std::int32_t event(double p) {
        data.event_p.push_back(p);
        return static_cast<std::int32_t>(data.event_p.size() - 1);
    }

    void place(std::int32_t cls, std::int32_t store, double share = 1.0, Window window = {}) {
        data.placement_class.push_back(cls);
        data.placement_store.push_back(store);
        data.placement_share.push_back(share);
        data.placement_window.push_back(window);
    }

    void flow(std::int32_t from, std::int32_t to, double share = 1.0, const std::vector<std::int32_t>& classes = {},
              Window window = {}) {
        data.flow_from.push_back(from);
        data.flow_to.push_back(to);
        data.flow_share.push_back(share);
        data.flow_window.push_back(window);
        data.flow_classes.push_row(classes);
    }

    std::int32_t arc(std::int32_t from, std::int32_t to, double p = 1.0, const std::vector<std::int32_t>& classes = {},
                     const std::vector<std::int32_t>& events = {}, Window window = {}) {
        data.arc_from.push_back(from);
        data.arc_to.push_back(to);
        data.arc_p.push_back(p);
        data.arc_cost.push_back(1.0);
        data.arc_window.push_back(window);
        data.arc_classes.push_row(classes);
        data.arc_requires.push_row(events);
        return static_cast<std::int32_t>(data.arc_from.size() - 1);
    }

    // An undirected link: two arcs with p = 1 that require one shared event of probability p.
    void link(std::int32_t a, std::int32_t b, double p) {
        const auto e = event(p);
        arc(a, b, 1.0, {}, {e});
        arc(b, a, 1.0, {}, {e});
    }
};

}  // namespace datareach::testing
