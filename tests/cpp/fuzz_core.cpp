// Fuzzing of the C++ core: random ModelData, valid and broken, from a seeded generator, run
// through validation and compilation and then through every engine (reach, the k most likely
// paths, the cheapest cut, chokepoints, exact and Monte Carlo exposure, the paired
// comparison). The contract checked (docs/design.md §3, §7): a bad model or request throws
// datareach::ModelError naming "<table>[<row>].<field>", never another exception, a crash, a
// hang or undefined behaviour (run it in the sanitizer build for the last); results are
// probabilities in [0, 1] with intervals around them, and the exact and Monte Carlo engines
// agree with what deterministic reach settles and with each other.
//
//   datareach_fuzz_core [--iterations N] [--seconds S] [--seed X] [--first I] [--verbose]
//
// Runs iterations first .. first + N - 1 (each from its own generator, seeded by X and its
// number, so one can be replayed alone with --first I --iterations 1), stopping early after
// S seconds if given. Defaults come from DATAREACH_FUZZ_ITERATIONS, DATAREACH_FUZZ_SECONDS
// and DATAREACH_FUZZ_SEED, else 300 iterations, no time limit, seed 1. Prints one summary line
// and exits 1 if any iteration broke the contract.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "brute_force.hpp"
#include "datareach/chokepoints.hpp"
#include "datareach/comparison.hpp"
#include "datareach/compiled_graph.hpp"
#include "datareach/cut.hpp"
#include "datareach/errors.hpp"
#include "datareach/exact.hpp"
#include "datareach/model_data.hpp"
#include "datareach/monte_carlo.hpp"
#include "datareach/paths.hpp"
#include "datareach/reach.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define DATAREACH_FUZZ_SANITIZED 1
#endif

namespace {

using namespace datareach;
using Rng = std::mt19937_64;

// A broken contract: an invariant that does not hold.
struct Broken : std::exception {
    std::string what_;
    explicit Broken(std::string w) : what_(std::move(w)) {}
    const char* what() const noexcept override { return what_.c_str(); }
};

void require(bool ok, const std::string& what) {
    if (!ok) throw Broken(what);
}

// -- random values ------------------------------------------------------------------------

std::size_t pick(Rng& rng, std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); }
bool chance(Rng& rng, int one_in) { return rng() % static_cast<unsigned>(one_in) == 0; }

double probability(Rng& rng) {
    switch (rng() % 10) {
        case 0: return 0.0;
        case 1: return 1.0;
        case 2: return std::nextafter(1.0, 0.0);
        case 3: return chance(rng, 2) ? 5e-324 : 1e-300;
        default: return 0.05 + 0.9 * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    }
}

double share(Rng& rng) {
    switch (rng() % 6) {
        case 0: return 1.0;
        case 1: return 5e-324;
        default: return std::uniform_real_distribution<double>(0.1, 1.0)(rng);
    }
}

Window window(Rng& rng) {
    if (!chance(rng, 3)) return {};
    static const Day days[] = {18000, 18500, 19000, 19500};
    const auto a = pick(rng, 4), b = pick(rng, 4);
    Window w;
    if (a == b) return w;
    const Day start = days[std::min(a, b)], end = days[std::max(a, b)];
    w.start = chance(rng, 3) ? kOpenStart : start;
    w.end = chance(rng, 3) ? kOpenEnd : end;
    return w;
}

// -- a random valid model -------------------------------------------------------------------

struct Shape {
    std::vector<std::int32_t> stores;
    std::vector<std::int32_t> atoms;
};

ModelData valid_model(Rng& rng, Shape& shape) {
    ModelData m;
    // Regions: US, US/VA, US/TX, CN, CN/Beijing, SG (parents first), a random subset in use.
    m.region_names = {"US", "US/VA", "US/TX", "CN", "CN/Beijing", "SG"};
    m.region_parent = {-1, 0, 0, -1, 3, -1};
    const auto regions = static_cast<std::int32_t>(m.region_names.size());

    const std::size_t nodes = 1 + pick(rng, 8);
    for (std::size_t v = 0; v < nodes; ++v) {
        auto kind = static_cast<NodeKind>(pick(rng, 5));
        if (v + 1 == nodes && shape.stores.empty()) kind = NodeKind::store;
        m.node_kind.push_back(kind);
        m.node_region.push_back(chance(rng, 4) ? -1 : static_cast<std::int32_t>(pick(rng, regions)));
        const bool rule = kind == NodeKind::jurisdiction && chance(rng, 2);
        m.node_territory.push_back(rule ? static_cast<std::int32_t>(pick(rng, regions)) : -1);
        m.node_compels.push_back(rule ? probability(rng) : std::nan(""));
        if (kind == NodeKind::store) shape.stores.push_back(static_cast<std::int32_t>(v));
    }
    if (chance(rng, 3)) {
        for (std::size_t v = 0; v < nodes; ++v) m.node_rule_exempt.push_back(chance(rng, 4) ? 1 : 0);
    }

    const std::size_t atoms = 1 + pick(rng, 3);
    for (std::size_t c = 0; c < atoms; ++c) {
        m.class_sensitivity.push_back(static_cast<double>(pick(rng, 6)));
        m.class_records.push_back(chance(rng, 5) ? 9.2e18 : static_cast<double>(1 + pick(rng, 1000)));
        m.class_components.push_row({});
        shape.atoms.push_back(static_cast<std::int32_t>(c));
    }
    for (std::size_t k = pick(rng, 3); k > 0; --k) {  // composites of earlier classes: no cycle
        const auto classes = static_cast<std::int32_t>(m.class_count());
        std::vector<std::int32_t> parts;
        for (std::size_t i = 0; i < 2; ++i) parts.push_back(static_cast<std::int32_t>(pick(rng, classes)));
        std::sort(parts.begin(), parts.end());
        parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
        m.class_sensitivity.push_back(3.0);
        m.class_records.push_back(10.0);
        m.class_components.push_row(parts);
    }
    const auto classes = m.class_count();

    for (std::size_t e = pick(rng, 4); e > 0; --e) m.event_p.push_back(probability(rng));

    for (std::size_t k = 1 + pick(rng, 4); k > 0; --k) {
        m.placement_class.push_back(shape.atoms[pick(rng, shape.atoms.size())]);
        m.placement_store.push_back(shape.stores[pick(rng, shape.stores.size())]);
        m.placement_share.push_back(share(rng));
        m.placement_window.push_back(window(rng));
    }
    for (std::size_t k = pick(rng, 4); k > 0; --k) {
        m.flow_from.push_back(shape.stores[pick(rng, shape.stores.size())]);
        m.flow_to.push_back(shape.stores[pick(rng, shape.stores.size())]);
        m.flow_share.push_back(share(rng));
        m.flow_window.push_back(window(rng));
        std::vector<std::int32_t> filter;
        if (chance(rng, 2)) filter.push_back(static_cast<std::int32_t>(pick(rng, classes)));
        m.flow_classes.push_row(filter);
    }
    for (std::size_t k = 1 + pick(rng, 12); k > 0; --k) {
        m.arc_from.push_back(static_cast<std::int32_t>(pick(rng, nodes)));
        m.arc_to.push_back(static_cast<std::int32_t>(pick(rng, nodes)));
        m.arc_p.push_back(probability(rng));
        m.arc_cost.push_back(chance(rng, 5) ? std::numeric_limits<double>::infinity() : 0.5 + pick(rng, 4));
        m.arc_window.push_back(window(rng));
        std::vector<std::int32_t> filter, events;
        if (chance(rng, 3)) filter.push_back(static_cast<std::int32_t>(pick(rng, classes)));
        if (m.event_count() && chance(rng, 2)) events.push_back(static_cast<std::int32_t>(pick(rng, m.event_count())));
        if (m.event_count() > 1 && chance(rng, 4))
            events.push_back(static_cast<std::int32_t>(pick(rng, m.event_count())));
        std::sort(events.begin(), events.end());
        events.erase(std::unique(events.begin(), events.end()), events.end());
        m.arc_classes.push_row(filter);
        m.arc_requires.push_row(events);
    }
    if (chance(rng, 2)) {  // stable keys, as the Python layer gives them: distinct
        for (std::size_t i = 0; i < m.arc_count(); ++i) m.arc_key.push_back(rng());
        for (std::size_t i = 0; i < m.event_count(); ++i) m.event_key.push_back(rng());
        for (std::size_t i = 0; i < m.node_count(); ++i) m.node_key.push_back(rng());
    }
    return m;
}

// -- breaking it --------------------------------------------------------------------------

const double kBadNumbers[] = {-0.5,
                              1.5,
                              -0.0,
                              0.0,
                              std::nan(""),
                              std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(),
                              1e308,
                              -5e-324,
                              std::nextafter(1.0, 2.0)};
const std::int32_t kBadIndices[] = {
    -1, -2, 8, 1000, std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min()};

double bad_number(Rng& rng) { return kBadNumbers[pick(rng, std::size(kBadNumbers))]; }
std::int32_t bad_index(Rng& rng) { return kBadIndices[pick(rng, std::size(kBadIndices))]; }

template <class T>
void set_some(Rng& rng, Column<T>& column, T value) {
    if (!column.empty()) column[pick(rng, column.size())] = value;
}

void break_ragged(Rng& rng, RaggedColumn& ragged, std::int32_t bad) {
    if (ragged.offsets.empty()) {  // broken once already: no offsets at all
        ragged.values.push_back(bad);
        return;
    }
    switch (rng() % 5) {
        case 0: ragged.offsets.clear(); break;
        case 1: ragged.offsets.push_back(ragged.offsets.back() + 1); break;  // a row too many, past the values
        case 2:
            if (ragged.offsets.size() > 2)
                std::swap(ragged.offsets[1], ragged.offsets.back());
            else
                ragged.offsets.back() += 3;
            break;
        case 3: ragged.values.push_back(bad); break;  // values past the last offset
        default:
            if (!ragged.values.empty())
                ragged.values[pick(rng, ragged.values.size())] = bad;
            else if (ragged.rows()) {
                ragged.values.push_back(bad);
                for (std::size_t r = 1; r < ragged.offsets.size(); ++r) ++ragged.offsets[r];
            }
    }
}

// One of many ways to break a valid model; returns its name (nullptr: the model is still valid).
const char* break_model(Rng& rng, ModelData& m) {
    switch (rng() % 30) {
        case 0: set_some(rng, m.arc_p, bad_number(rng)); return "arc p";
        case 1: set_some(rng, m.event_p, bad_number(rng)); return "event p";
        case 2: set_some(rng, m.arc_cost, chance(rng, 2) ? 0.0 : bad_number(rng)); return "arc cost";
        case 3: set_some(rng, m.placement_share, bad_number(rng)); return "placement share";
        case 4: set_some(rng, m.flow_share, bad_number(rng)); return "flow share";
        case 5: set_some(rng, m.class_records, bad_number(rng)); return "class records";
        case 6: set_some(rng, m.class_sensitivity, bad_number(rng)); return "class sensitivity";
        case 7: set_some(rng, m.arc_from, bad_index(rng)); return "arc from";
        case 8: set_some(rng, m.arc_to, bad_index(rng)); return "arc to";
        case 9: set_some(rng, m.placement_class, bad_index(rng)); return "placement class";
        case 10: set_some(rng, m.placement_store, chance(rng, 2) ? bad_index(rng) : 0); return "placement store";
        case 11: set_some(rng, m.flow_from, chance(rng, 2) ? bad_index(rng) : 0); return "flow from";
        case 12: set_some(rng, m.node_region, bad_index(rng)); return "node region";
        case 13: set_some(rng, m.node_territory, bad_index(rng)); return "node territory";
        case 14: set_some(rng, m.node_compels, chance(rng, 2) ? 0.5 : bad_number(rng)); return "node compels";
        case 15: set_some(rng, m.node_kind, static_cast<NodeKind>(chance(rng, 2) ? 5 : -1)); return "node kind";
        case 16: set_some(rng, m.region_parent, bad_index(rng)); return "region parent";
        case 17:  // a cycle of region parents
            if (m.region_parent.size() < 2) return nullptr;
            m.region_parent[0] = 1;
            m.region_parent[1] = chance(rng, 2) ? 0 : 1;
            return "region parent cycle";
        case 18: break_ragged(rng, m.arc_classes, bad_index(rng)); return "arc classes";
        case 19: break_ragged(rng, m.arc_requires, bad_index(rng)); return "arc requires";
        case 20: break_ragged(rng, m.flow_classes, bad_index(rng)); return "flow classes";
        case 21: break_ragged(rng, m.class_components, bad_index(rng)); return "class components";
        case 22: {  // a cycle of composite classes
            const auto c = static_cast<std::int32_t>(m.class_count());
            m.class_sensitivity.push_back(1.0);
            m.class_records.push_back(1.0);
            m.class_components.push_row({0, c});
            return "composite cycle";
        }
        case 23: {  // a window that ends before it starts
            auto& windows = chance(rng, 2) ? m.arc_window : m.placement_window;
            if (!windows.empty()) windows[pick(rng, windows.size())] = {19000, chance(rng, 2) ? 19000 : 18000};
            return "window";
        }
        case 24:  // columns of different lengths
            switch (rng() % 6) {
                case 0: m.arc_p.resize(m.arc_p.size() + 1); break;
                case 1: m.node_compels.push_back(0.5); break;
                case 2: m.class_records.push_back(1.0); break;
                case 3: m.placement_window.push_back({}); break;
                case 4: m.flow_to.push_back(0); break;
                default: m.region_names.push_back("X"); break;
            }
            return "column lengths";
        case 25:  // keys for some rows only
            m.arc_key.assign(m.arc_count() + 1, 7);
            if (chance(rng, 2)) m.event_key.assign(m.event_count() + 1, 7);
            return "keys";
        case 26: m.node_rule_exempt.assign(m.node_count() + 1, 1); return "rule exempt";
        case 27: {  // a composite placed, or a placement in a composite's place
            const auto c = static_cast<std::int32_t>(m.class_count());
            m.class_sensitivity.push_back(1.0);
            m.class_records.push_back(1.0);
            m.class_components.push_row({0});
            set_some(rng, m.placement_class, c);
            return "composite placed";
        }
        case 28:  // a jurisdiction rule on a node that is no jurisdiction, or half a rule
            if (!m.node_kind.empty()) {
                const auto v = pick(rng, m.node_count());
                m.node_territory[v] = chance(rng, 2) ? 0 : -1;
                m.node_compels[v] = chance(rng, 2) ? 0.5 : std::nan("");
            }
            return "rule";
        default:  // a model with no rows at all (valid), or left as it is
            if (chance(rng, 2)) m = ModelData{};
            return nullptr;
    }
}

// -- printing a model (--verbose, on a failure) ------------------------------------------------

template <class Values>
std::string list(const Values& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ", ";
        if constexpr (std::is_floating_point_v<typename Values::value_type>) {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", values[i]);
            out += text;
        } else {
            out += std::to_string(static_cast<long long>(values[i]));
        }
    }
    return out + "]";
}

std::string ragged(const RaggedColumn& r) { return "offsets " + list(r.offsets) + " values " + list(r.values); }

std::string windows(const Column<Window>& w) {
    std::vector<long long> flat;
    for (const auto& x : w) {
        flat.push_back(x.start);
        flat.push_back(x.end);
    }
    return list(flat);
}

void dump(const ModelData& m, std::optional<Day> at) {
    std::printf("    at %s\n", at ? std::to_string(*at).c_str() : "none");
    std::printf("    region_parent %s\n", list(m.region_parent).c_str());
    std::vector<int> kinds;
    for (auto k : m.node_kind) kinds.push_back(static_cast<int>(k));
    std::printf("    node kind %s region %s territory %s compels %s exempt %s\n", list(kinds).c_str(),
                list(m.node_region).c_str(), list(m.node_territory).c_str(), list(m.node_compels).c_str(),
                list(m.node_rule_exempt).c_str());
    std::printf("    classes sensitivity %s records %s components %s\n", list(m.class_sensitivity).c_str(),
                list(m.class_records).c_str(), ragged(m.class_components).c_str());
    std::printf("    events %s\n", list(m.event_p).c_str());
    std::printf("    placements class %s store %s share %s window %s\n", list(m.placement_class).c_str(),
                list(m.placement_store).c_str(), list(m.placement_share).c_str(), windows(m.placement_window).c_str());
    std::printf("    flows from %s to %s share %s window %s classes %s\n", list(m.flow_from).c_str(),
                list(m.flow_to).c_str(), list(m.flow_share).c_str(), windows(m.flow_window).c_str(),
                ragged(m.flow_classes).c_str());
    std::printf("    arcs from %s to %s p %s window %s classes %s requires %s keys %s\n", list(m.arc_from).c_str(),
                list(m.arc_to).c_str(), list(m.arc_p).c_str(), windows(m.arc_window).c_str(),
                ragged(m.arc_classes).c_str(), ragged(m.arc_requires).c_str(), list(m.arc_key).c_str());
}

// -- the checks -------------------------------------------------------------------------------

// The contract of a refusal: "<table>[<row>].<field>: <why>" (or a request's own wording),
// short, and not empty.
bool located(const std::string& m) {
    std::size_t i = 0;
    const auto letters = [&](const char* extra) {
        const std::size_t from = i;
        while (i < m.size() && ((m[i] >= 'a' && m[i] <= 'z') || std::strchr(extra, m[i]) != nullptr)) ++i;
        return i > from;
    };
    if (!letters("_") || i >= m.size() || m[i++] != '[') return false;
    const std::size_t digits = i;
    while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
    if (i == digits || m.compare(i, 2, "].") != 0) return false;
    i += 2;
    return letters("_*") && m.compare(i, 2, ": ") == 0 && m.size() > i + 2;
}

void check_refusal(const ModelError& error, bool from_validation) {
    const std::string message = error.what();
    require(!message.empty() && message.size() < 600, "a refusal of " + std::to_string(message.size()) + " characters");
    if (from_validation) require(located(message), "a refusal that names no entry: " + message);
}

void check_probability(double p, const std::string& what) {
    require(p >= 0.0 && p <= 1.0, what + " = " + std::to_string(p) + " is outside [0, 1]");
}

void check_table(const ExposureTable& t, std::size_t adversaries, std::size_t classes, const std::string& engine) {
    require(static_cast<std::size_t>(t.probability.rows()) == adversaries &&
                static_cast<std::size_t>(t.probability.cols()) == classes,
            engine + ": table of the wrong shape");
    for (Eigen::Index i = 0; i < t.probability.rows(); ++i)
        for (Eigen::Index c = 0; c < t.probability.cols(); ++c) {
            const double p = t.probability(i, c);
            check_probability(p, engine + " probability");
            check_probability(t.ci_low(i, c), engine + " ci_low");
            check_probability(t.ci_high(i, c), engine + " ci_high");
            require(t.ci_low(i, c) <= p + 1e-12 && p <= t.ci_high(i, c) + 1e-12,
                    engine + ": interval misses its value");
            const double x = t.expected_share(i, c);
            require(x >= -1e-12 && x <= p + 1e-9, engine + ": expected share outside [0, probability]");
        }
    for (double p : t.by_store.probability) check_probability(p, engine + " store probability");
    for (double p : t.by_region.probability) check_probability(p, engine + " region probability");
}

struct Counts {
    std::uint64_t iterations = 0, refused = 0, broken_accepted = 0, engine_refusals = 0, failures = 0, paths = 0,
                  exact_runs = 0, brute_force_runs = 0;
};

void run_engines(const ModelData& m, const CompiledGraph& g, Rng& rng, Counts& counts) {
    const auto nodes = g.node_count();
    if (nodes == 0) return;
    std::vector<NodeIndex> adversaries{static_cast<NodeIndex>(pick(rng, nodes))};
    if (nodes > 1 && chance(rng, 2)) {
        const auto other = static_cast<NodeIndex>(pick(rng, nodes));
        if (other != adversaries[0]) adversaries.push_back(other);
    }
    const auto classes = g.class_count();

    const ReachTable reach_table = reach(g, adversaries);
    require(reach_table.rows() == adversaries.size() * classes, "reach: wrong number of rows");
    for (std::size_t r = 0; r < reach_table.rows(); ++r)
        require(!reach_table.certain[r] || reach_table.possible[r], "reach: certain but not possible");

    for (std::size_t i = 0; i < adversaries.size(); ++i)
        for (ClassIndex c = 0; c < static_cast<ClassIndex>(classes); ++c) {
            const bool possible = reach_table.possible[i * classes + c] != 0;
            if (g.is_composite(c)) {
                bool threw = false;
                try {
                    most_likely_paths(g, adversaries[i], c, 3);
                } catch (const ModelError&) {
                    threw = true;
                }
                require(threw, "paths of a composite class did not throw");
                continue;
            }
            const auto paths = most_likely_paths(g, adversaries[i], c, 3, 200000);
            counts.paths += paths.size();
            require(paths.empty() != possible, "paths: found iff possible fails");
            for (std::size_t k = 0; k < paths.size(); ++k) {
                const auto& path = paths[k];
                check_probability(path.probability, "path probability");
                require(path.nodes.front() == adversaries[i], "path: does not start at the adversary");
                require(path.arcs.size() + 1 == path.nodes.size(), "path: arcs and nodes disagree");
                require(g.presence_share(c, path.nodes.back()) > 0, "path: ends at a store not holding the class");
                if (k)
                    // Products of the same coins taken in another order may differ in the last bit.
                    require(path.probability <= paths[k - 1].probability * (1 + 1e-12),
                            "paths: not best first (" + std::to_string(paths[k - 1].probability) + " then " +
                                std::to_string(path.probability) + ", adversary node " +
                                std::to_string(adversaries[i]) + ", class " + std::to_string(c) + ")");
            }
            const auto cut = cheapest_cut(g, adversaries[i], c, m.arc_cost.to_vector());
            require(cut.cost >= 0 && cut.reachable == possible, "cut: cost < 0 or reachable != possible");
            require(cut.pairs.empty() || std::isfinite(cut.cost), "cut: pairs listed for an infinite cut");
            const auto choke = chokepoints(g, adversaries[i], c);
            require(choke.reachable == possible, "chokepoints: reachable != possible");
            require(std::find(choke.nodes.begin(), choke.nodes.end(), adversaries[i]) == choke.nodes.end(),
                    "chokepoints: the adversary is listed");
        }

    const ExactComplexity complexity = exact_complexity(g, adversaries, 40);
    require(complexity.variables.size() == adversaries.size(), "exact_complexity: wrong size");

    MonteCarloOptions mc;
    mc.samples = 2048;
    mc.seed = rng();
    mc.threads = 1;
    mc.block_words = static_cast<unsigned>(1u << pick(rng, 4));
    const ExposureTable sampled = monte_carlo_exposure(g, adversaries, mc);
    check_table(sampled, adversaries.size(), classes, "monte carlo");

    std::optional<ExposureTable> exact;
    try {
        ExactOptions options;
        options.max_variables = 24;
        options.max_steps = 200000;
        exact = exact_exposure(g, adversaries, options);
        ++counts.exact_runs;
    } catch (const ModelError& error) {
        check_refusal(error, false);
        ++counts.engine_refusals;
    }
    for (std::size_t i = 0; i < adversaries.size(); ++i)
        for (std::size_t c = 0; c < classes; ++c) {
            const auto row = static_cast<Eigen::Index>(i), col = static_cast<Eigen::Index>(c);
            const bool possible = reach_table.possible[i * classes + c] != 0;
            const bool certain = reach_table.certain[i * classes + c] != 0;
            const double p = sampled.probability(row, col);
            if (!possible) require(p == 0.0, "monte carlo: not possible but probability > 0");
            if (certain) require(p == 1.0, "monte carlo: certain but probability < 1");
            if (!exact) continue;
            const double q = exact->probability(row, col);
            if (!possible) require(q == 0.0, "exact: not possible but probability > 0");
            if (certain) require(q == 1.0, "exact: certain but probability < 1");
        }
    if (exact) check_table(*exact, adversaries.size(), classes, "exact");

    // Small enough to enumerate every world: the brute-force reference of the GoogleTests
    // (written from docs/design.md §2 alone) says what the exact engine must give.
    int variables = 0;
    for (std::size_t e = 0; e < g.event_count(); ++e)
        variables += g.event_p(static_cast<std::int32_t>(e)) > 0 && g.event_p(static_cast<std::int32_t>(e)) < 1;
    for (std::size_t a = 0; a < g.arc_count(); ++a)
        variables += g.arc_p(static_cast<ArcIndex>(a)) > 0 && g.arc_p(static_cast<ArcIndex>(a)) < 1;
    if (variables <= 14) {
        ++counts.brute_force_runs;
        const auto truth = datareach::testing::brute_force(g, adversaries);
        for (std::size_t i = 0; i < adversaries.size(); ++i)
            for (std::size_t c = 0; c < classes; ++c) {
                const auto row = static_cast<Eigen::Index>(i), col = static_cast<Eigen::Index>(c);
                const double want = truth.probability[i][c];
                const auto where = " (adversary node " + std::to_string(adversaries[i]) + ", class " +
                                   std::to_string(c) + ", brute force " + std::to_string(want) + ")";
                if (exact)
                    require(std::abs(exact->probability(row, col) - want) <= 1e-9,
                            "exact gives " + std::to_string(exact->probability(row, col)) + where);
                require(std::abs(sampled.probability(row, col) - want) <= 0.15,
                        "monte carlo gives " + std::to_string(sampled.probability(row, col)) + where);
            }
    }
    // 2,048 worlds: a standard error of at most 0.011; 0.15 apart is a gross disagreement.
    if (exact)
        for (std::size_t i = 0; i < adversaries.size(); ++i)
            for (std::size_t c = 0; c < classes; ++c) {
                const auto row = static_cast<Eigen::Index>(i), col = static_cast<Eigen::Index>(c);
                const double p = sampled.probability(row, col), q = exact->probability(row, col);
                require(std::abs(p - q) <= 0.15, "exact " + std::to_string(q) + " and monte carlo " +
                                                     std::to_string(p) + " disagree (adversary node " +
                                                     std::to_string(adversaries[i]) + ", class " + std::to_string(c) +
                                                     ")");
            }

    // A comparison of the model with itself differs by exactly nothing; with a variant whose
    // first arc has another p, every difference lies in [-1, 1] inside its interval.
    ModelData variant = m;
    if (variant.arc_count()) variant.arc_p[0] = probability(rng);
    const CompiledGraph g2 = CompiledGraph::compile(variant, g.at());
    MonteCarloOptions paired = mc;
    paired.samples = 1024;
    const ComparisonTable same = monte_carlo_compare({&g, &g}, {adversaries, adversaries}, paired);
    for (double d : same.probability_difference) require(d == 0.0, "compare with itself: a difference");
    const ComparisonTable differs = monte_carlo_compare({&g, &g2}, {adversaries, adversaries}, paired);
    for (std::size_t k = 0; k < differs.probability_difference.size(); ++k) {
        const double d = differs.probability_difference[k];
        require(d >= -1.0 && d <= 1.0, "compare: a difference outside [-1, 1]");
        require(differs.probability_difference_ci_low[k] <= d + 1e-12 &&
                    d <= differs.probability_difference_ci_high[k] + 1e-12,
                "compare: an interval misses its difference");
    }
}

// One iteration; returns a description of a broken contract, or "".
std::string iteration(std::uint64_t seed, std::uint64_t index, Counts& counts, bool verbose) {
    Rng rng(seed * 0x9E3779B97F4A7C15ull + index);
    Shape shape;
    ModelData m = valid_model(rng, shape);
    const char* broken = nullptr;
    if (chance(rng, 2)) {
        broken = break_model(rng, m);
        if (chance(rng, 4)) {
            const char* second = break_model(rng, m);
            if (!broken) broken = second;
        }
    }
    std::optional<Day> at;
    if (chance(rng, 2)) at = static_cast<Day>(17800 + pick(rng, 2000));
    if (verbose) {
        std::printf("  #%llu %s\n", static_cast<unsigned long long>(index), broken ? broken : "valid");
        std::fflush(stdout);
    }
    try {
        std::optional<CompiledGraph> g;
        try {
            g = CompiledGraph::compile(m, at);
        } catch (const ModelError& error) {
            check_refusal(error, true);
            ++counts.refused;
            if (verbose) std::printf("    refused: %s\n", error.what());
            require(broken != nullptr, std::string("a valid model was refused: ") + error.what());
            return "";
        }
        if (broken) ++counts.broken_accepted;  // e.g. a bad value in a column no row reads
        run_engines(m, *g, rng, counts);
        return "";
    } catch (const Broken& b) {
        if (verbose) dump(m, at);
        return b.what_;
    } catch (const ModelError& error) {
        return std::string("an engine refused a compiled model: ") + error.what();
    } catch (const std::exception& error) {
        return std::string("an exception other than ModelError: ") + error.what();
    } catch (...) {
        return "an exception of an unknown type";
    }
}

std::uint64_t number(const char* text) { return std::strtoull(text, nullptr, 10); }

// A hang is a broken contract too: an iteration takes milliseconds, so one that runs for
// kHangSeconds is reported (with how to replay it) and ends the process.
constexpr double kHangSeconds = 60.0;
std::atomic<std::uint64_t> current_iteration{0};
std::atomic<std::int64_t> iteration_started_ns{0};
std::atomic<bool> finished{false};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::uint64_t replay_seed = 0;

// Under the sanitizers a report ends the process: say which iteration to replay first.
[[maybe_unused]] void on_sanitizer_death() {
    std::printf(
        "FAILED iteration %llu (replay: --seed %llu --first %llu --iterations 1): stopped by a sanitizer "
        "report (on stderr)\n",
        static_cast<unsigned long long>(current_iteration.load()), static_cast<unsigned long long>(replay_seed),
        static_cast<unsigned long long>(current_iteration.load()));
    std::fflush(stdout);
}

void watch(std::uint64_t seed) {
    while (!finished.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const double running = static_cast<double>(now_ns() - iteration_started_ns.load()) * 1e-9;
        if (!finished.load() && running > kHangSeconds) {
            std::printf(
                "FAILED iteration %llu (replay: --seed %llu --first %llu --iterations 1): still running "
                "after %.0f s (a hang)\n",
                static_cast<unsigned long long>(current_iteration.load()), static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(current_iteration.load()), running);
            std::fflush(stdout);
            std::_Exit(3);
        }
    }
}

std::uint64_t from_env(const char* name, std::uint64_t fallback) {
    const char* value = std::getenv(name);
    return value && *value ? number(value) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t iterations = from_env("DATAREACH_FUZZ_ITERATIONS", 300);
    double seconds = static_cast<double>(from_env("DATAREACH_FUZZ_SECONDS", 0));
    std::uint64_t seed = from_env("DATAREACH_FUZZ_SEED", 1);
    std::uint64_t first = 0;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--iterations" && has_value)
            iterations = number(argv[++i]);
        else if (arg == "--seconds" && has_value)
            seconds = std::strtod(argv[++i], nullptr);
        else if (arg == "--seed" && has_value)
            seed = number(argv[++i]);
        else if (arg == "--first" && has_value)
            first = number(argv[++i]);
        else if (arg == "--verbose")
            verbose = true;
        else {
            std::fprintf(stderr, "usage: %s [--iterations N] [--seconds S] [--seed X] [--first I] [--verbose]\n",
                         argv[0]);
            return 2;
        }
    }
    const auto started = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    Counts counts;
    replay_seed = seed;
#ifdef DATAREACH_FUZZ_SANITIZED
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
    iteration_started_ns = now_ns();
    std::thread watchdog(watch, seed);
    for (std::uint64_t k = first; k < first + iterations; ++k) {
        if (seconds > 0 && elapsed() >= seconds) break;
        current_iteration = k;
        iteration_started_ns = now_ns();
        const std::string problem = iteration(seed, k, counts, verbose);
        ++counts.iterations;
        if (!problem.empty()) {
            ++counts.failures;
            std::printf("FAILED iteration %llu (replay: --seed %llu --first %llu --iterations 1): %s\n",
                        static_cast<unsigned long long>(k), static_cast<unsigned long long>(seed),
                        static_cast<unsigned long long>(k), problem.c_str());
        }
    }
    finished = true;
    watchdog.join();
    std::printf(
        "fuzz_core: iterations=%llu refused=%llu broken_but_compiled=%llu engine_refusals=%llu exact_runs=%llu "
        "brute_force_runs=%llu paths=%llu failures=%llu seconds=%.1f seed=%llu\n",
        static_cast<unsigned long long>(counts.iterations), static_cast<unsigned long long>(counts.refused),
        static_cast<unsigned long long>(counts.broken_accepted),
        static_cast<unsigned long long>(counts.engine_refusals), static_cast<unsigned long long>(counts.exact_runs),
        static_cast<unsigned long long>(counts.brute_force_runs), static_cast<unsigned long long>(counts.paths),
        static_cast<unsigned long long>(counts.failures), elapsed(), static_cast<unsigned long long>(seed));
    return counts.failures ? 1 : 0;
}
