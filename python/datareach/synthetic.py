"""Synthetic enterprise models of realistic shape, from a thousand to ten million arcs.

``enterprise(roles=..., stores=..., classes=..., seed=...)`` builds a model in the image of
the multinational platforms docs/design.md starts from:

* **jurisdictions** (default US, CN, EU), each a node with a ``territory`` and a
  ``compels`` rule that reaches every node located in it; they are the model's
  adversaries;
* **organisations** grouped into multinational groups: one organisation per jurisdiction
  in each group, the group's head ``controls`` the others (gated by the member's
  "approval-granted" event);
* **role hierarchies** in every organisation: the organisation ``employs`` its head,
  every role ``manages`` ``span`` others (departments, managers, staff as a tree); a few
  roles of each organisation work abroad (in another jurisdiction's territory);
* **access**: every role ``read``\\ s ``reads_per_role`` stores, mostly of its own
  organisation, some of other organisations (gated by that organisation's
  "approval-granted"), some gated by its own organisation's approval, some with a class
  filter (one data category); a few ``admin`` roles reach many stores of their group
  (across organisations gated by "insider-complies"); some stores hold credentials to
  others (gated by a global "credential-leak");
* **stores**: primaries holding the placements of the data classes, replicas (partial,
  share < 1) and backups (full) fed by flows, some flows carrying one category only, some
  replicas and backups offshore; a ``gateway`` in front of some primaries takes every arc
  into them;
* **data classes** in categories (personal, content, behavioural, financial) and
  composite classes of two or three of them (the mosaic effect).

Everything is drawn with NumPy from one ``seed`` into bulk frames (``Model.add_nodes``,
``add_arcs``, ...): the same arguments give the same model, and no Python loop runs per
node or arc (only over jurisdictions and organisations).

How the arcs scale
------------------
With ``R`` roles, ``S`` stores, ``O`` organisations in ``g`` groups, ``P`` primary stores
of which ``G = floor(gateway_share * P)`` are gated, the compiled graph (the explicit
access arcs plus the arcs the jurisdiction rules imply) has exactly::

    arcs = R * (2 + reads_per_role)              # hierarchy, reads, one rule arc per role
         + floor(R * admin_share) * admin_reads  # admin arcs
         + S + 2 * G + floor(S * credential_share)
         + 2 * O - g                             # controls, one rule arc per organisation

(:func:`expected_arcs`). With the defaults (``stores = roles // 5``) that is about
6.45 arcs per role: 155 roles make 10³ arcs, 1.55 million roles 10⁷.
:func:`enterprise_with_arcs` picks the number of roles for a target arc count.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModelError
from .model import Model

__all__ = [
    "CATEGORIES",
    "DEFAULT_JURISDICTIONS",
    "EnterpriseFrames",
    "enterprise",
    "enterprise_frames",
    "enterprise_frames_with_arcs",
    "enterprise_with_arcs",
    "expected_arcs",
]

#: Jurisdiction id (also its territory) → the probability its rule compels a node there.
DEFAULT_JURISDICTIONS: dict[str, float] = {"US": 0.3, "CN": 0.9, "EU": 0.2}
_SUBREGIONS: dict[str, tuple[str, ...]] = {
    "US": ("VA", "TX", "CA", "OR"),
    "CN": ("Beijing", "Shanghai", "Shenzhen"),
    "EU": ("IE", "DE", "FR", "NL"),
}
#: Data categories: a class filter admits the classes of one category.
CATEGORIES: tuple[str, ...] = ("personal", "content", "behavioural", "financial")
_SENSITIVITY = {"personal": 5.0, "content": 1.0, "behavioural": 3.0, "financial": 8.0}

# The shape of a model besides its size, with defaults.
_SHAPE_DEFAULTS: dict[str, Any] = {
    "jurisdictions": None,  # DEFAULT_JURISDICTIONS
    "organizations": None,  # one group per 10,000 roles (at most 100 groups)
    "composites": None,  # classes // 4
    "span": 8,
    "reads_per_role": 4,
    "admin_share": 0.01,
    "admin_reads": 20,
    "cross_share": 0.05,
    "event_share": 0.1,
    "filter_share": 0.1,
    "abroad_share": 0.05,
    "offshore_share": 0.3,
    "gateway_share": 0.2,
    "replica_share": 0.3,
    "backup_share": 0.2,
    "credential_share": 0.05,
    "placements_per_class": 2,
}
_FRACTIONS = (
    "admin_share",
    "cross_share",
    "event_share",
    "filter_share",
    "abroad_share",
    "offshore_share",
    "gateway_share",
    "replica_share",
    "backup_share",
    "credential_share",
)


# -- arguments ---------------------------------------------------------------------------


def _integer(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ModelError(f"expected an integer >= {minimum}, got {value!r}", where=name)
    return int(value)


def _fraction(value: Any, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not 0.0 <= float(value) <= 1.0
    ):
        raise ModelError(f"expected a number in [0, 1], got {value!r}", where=name)
    return float(value)


def _jurisdictions(value: Any) -> dict[str, float]:
    if value is None:
        return dict(DEFAULT_JURISDICTIONS)
    if not isinstance(value, Mapping) or not value:
        raise ModelError(
            f"expected a non-empty mapping of jurisdiction id to compels probability, got {value!r}",
            where="jurisdictions",
        )
    out = {}
    for key, p in value.items():
        if not isinstance(key, str) or not key or "/" in key or key != key.strip() or not key.isprintable():
            raise ModelError(
                f"a jurisdiction id must be a top-level region name without '/', got {key!r}",
                where="jurisdictions",
            )
        out[key] = _fraction(p, f"jurisdictions.{key}")
    return out


def _shape(roles: Any, stores: Any, classes: Any, shape: Mapping[str, Any]) -> dict[str, Any]:
    """Checked arguments, defaults filled."""
    for key in shape:
        if key not in _SHAPE_DEFAULTS:
            known = ", ".join(sorted(_SHAPE_DEFAULTS))
            raise ModelError(f"unknown shape parameter; expected one of {known}", where=str(key))
    s = {**_SHAPE_DEFAULTS, **shape}
    s["roles"] = _integer(roles, "roles", 1)
    s["stores"] = max(1, s["roles"] // 5) if stores is None else _integer(stores, "stores", 1)
    s["classes"] = _integer(classes, "classes", 1)
    s["jurisdictions"] = _jurisdictions(s["jurisdictions"])
    n_jur = len(s["jurisdictions"])
    if s["organizations"] is None:
        groups = max(1, min(100, s["roles"] // 10_000))
        s["organizations"] = min(n_jur * groups, s["roles"])
    s["organizations"] = _integer(s["organizations"], "organizations", 1)
    if s["organizations"] > s["roles"]:
        raise ModelError(
            f"at most one organisation per role: {s['organizations']} organisations for {s['roles']} roles",
            where="organizations",
        )
    if s["composites"] is None:
        s["composites"] = s["classes"] // 4 if s["classes"] >= 2 else 0
    s["composites"] = _integer(s["composites"], "composites", 0)
    if s["composites"] and s["classes"] < 2:
        raise ModelError("composite classes need at least 2 atomic classes", where="composites")
    s["span"] = _integer(s["span"], "span", 1)
    for name in ("reads_per_role", "admin_reads"):
        s[name] = _integer(s[name], name, 0)
    s["placements_per_class"] = _integer(s["placements_per_class"], "placements_per_class", 1)
    for name in _FRACTIONS:
        s[name] = _fraction(s[name], name)
    if s["replica_share"] + s["backup_share"] >= 1.0:
        raise ModelError(
            f"replica_share + backup_share must be < 1 (primaries hold the data), got "
            f"{s['replica_share']} + {s['backup_share']}",
            where="backup_share",
        )
    return s


def _counts(s: Mapping[str, Any]) -> dict[str, int]:
    """Sizes that follow from the arguments (shared by expected_arcs and enterprise)."""
    roles, stores, orgs = s["roles"], s["stores"], s["organizations"]
    n_jur = len(s["jurisdictions"])
    replicas = math.floor(stores * s["replica_share"])
    backups = math.floor(stores * s["backup_share"])
    primaries = stores - replicas - backups  # >= 1: replica_share + backup_share < 1
    return {
        "groups": math.ceil(orgs / n_jur),
        "primaries": primaries,
        "replicas": replicas,
        "backups": backups,
        "gateways": math.floor(primaries * s["gateway_share"]),
        "admins": math.floor(roles * s["admin_share"]),
        "credentials": math.floor(stores * s["credential_share"]),
    }


def expected_arcs(roles: int, stores: int | None = None, **shape: Any) -> int:
    """The number of arcs of the compiled graph of ``enterprise(roles, stores, ...,
    **shape)``: explicit access arcs plus the arcs jurisdiction rules imply (see the module
    docstring for the formula). Depends neither on ``classes`` nor on ``seed``."""
    s = _shape(roles, stores, 1, shape)
    c = _counts(s)
    R, S, O = s["roles"], s["stores"], s["organizations"]  # noqa: E741 - the counts of the shape, named as in its docstring
    arcs: int = (
        R * (2 + s["reads_per_role"])
        + c["admins"] * s["admin_reads"]
        + S
        + 2 * c["gateways"]
        + c["credentials"]
        + 2 * O
        - c["groups"]
    )
    return arcs


def enterprise_with_arcs(n_arcs: int, *, classes: int = 8, seed: int = 0, **shape: Any) -> Model:
    """``enterprise(...)`` with the number of roles chosen so that the compiled graph has
    about ``n_arcs`` arcs (the closest count the shape allows; stores default to
    ``roles // 5``; every other argument as for :func:`enterprise`)."""
    return enterprise_frames_with_arcs(n_arcs, classes=classes, seed=seed, **shape).model()


def enterprise_frames_with_arcs(n_arcs: int, *, classes: int = 8, seed: int = 0, **shape: Any) -> EnterpriseFrames:
    """The frames of :func:`enterprise_with_arcs` (see :func:`enterprise_frames`)."""
    n_arcs = _integer(n_arcs, "n_arcs", 1)
    stores = shape.pop("stores", None)
    if shape.get("organizations") is not None:
        _integer(shape["organizations"], "organizations", 1)

    def arcs(r: int) -> int:
        if shape.get("organizations") is not None:
            return expected_arcs(r, stores, **{**shape, "organizations": min(shape["organizations"], r)})
        return expected_arcs(r, stores, **shape)

    minimum = arcs(1)
    if n_arcs < minimum:
        raise ModelError(f"the smallest model of this shape has {minimum} arcs, got {n_arcs}", where="n_arcs")
    low, high = 1, 2
    while arcs(high) < n_arcs:
        low, high = high, high * 2
    while high - low > 1:  # arcs(low) < n_arcs <= arcs(high)
        middle = (low + high) // 2
        if arcs(middle) < n_arcs:
            low = middle
        else:
            high = middle
    roles = high if abs(arcs(high) - n_arcs) <= abs(arcs(low) - n_arcs) else low
    if shape.get("organizations"):
        shape = {**shape, "organizations": min(shape["organizations"], roles)}
    return enterprise_frames(roles, stores, classes, seed, **shape)


@dataclasses.dataclass(frozen=True)
class EnterpriseFrames:
    """A synthetic model as the bulk frames it is built from (one per section, in the
    order they are added), its name and its adversaries: what a user loading a model from
    their own tables holds before ``Model.add_nodes``, ``add_arcs``, ..."""

    name: str
    events: pd.DataFrame
    nodes: pd.DataFrame
    classes: pd.DataFrame
    placements: pd.DataFrame
    flows: pd.DataFrame
    access: pd.DataFrame
    adversaries: tuple[str, ...]

    def model(self) -> Model:
        """The model: every frame added in bulk, then the adversaries."""
        model = Model(self.name)
        model.add_events(self.events)
        model.add_nodes(self.nodes)
        model.add_classes(self.classes)
        model.add_placements(self.placements)
        model.add_flows(self.flows)
        model.add_arcs(self.access)
        model.adversaries = self.adversaries
        return model


# -- building ----------------------------------------------------------------------------


def _ids(prefix: np.ndarray | str, numbers: np.ndarray) -> np.ndarray:
    """``prefix + str(number)`` elementwise, as an object array of str (vectorised)."""
    text = np.char.add(np.asarray(prefix, dtype=str), numbers.astype(np.int64).astype(str))
    return text.astype(object)


def _tuples(items: list[tuple[str, ...]]) -> np.ndarray:
    """An object array whose elements are the given tuples (not broadcast as sequences)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _pick_within(rng: np.random.Generator, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A uniform index in ``[start, start + size)`` per element (``size`` > 0)."""
    result: np.ndarray = start + np.minimum((rng.random(len(start)) * size).astype(np.int64), size - 1)
    return result


def _p(rng: np.random.Generator, n: int, low: float, certain: float) -> np.ndarray:
    """Probabilities: 1 with probability ``certain``, else uniform in [low, 1), two decimals."""
    p = np.round(rng.uniform(low, 1.0, n), 2)
    p = np.clip(p, 0.01, 1.0)
    p[rng.random(n) < certain] = 1.0
    return p


def enterprise(
    roles: int = 1000,
    stores: int | None = None,
    classes: int = 8,
    seed: int = 0,
    **shape: Any,
) -> Model:
    """A synthetic multinational: jurisdictions → organisations → role hierarchies → stores,
    replicas and backups, with shared events, class filters and gateways (module docstring).

    ``roles``, ``stores`` (default ``roles // 5``) and ``classes`` (atomic data classes)
    set the size; ``seed`` the draw (same arguments, same model). Shape keywords, with
    defaults: ``jurisdictions`` (mapping id → compels p; default US 0.3, CN 0.9, EU 0.2),
    ``organizations`` (one per jurisdiction per 10,000 roles), ``composites``
    (``classes // 4`` composite classes of 2-3 atomic ones), ``span`` (8 reports per
    manager), ``reads_per_role`` (4), ``admin_share`` (0.01 of roles are admins) with
    ``admin_reads`` (20 arcs each), ``cross_share`` (0.05 of reads go to other
    organisations' stores), ``event_share`` (0.1 of own reads need approval),
    ``filter_share`` (0.1 of reads and of flows admit one category), ``abroad_share`` (0.05
    of roles located in another jurisdiction), ``offshore_share`` (0.3 of replicas and
    backups), ``gateway_share`` (0.2 of primaries), ``replica_share`` (0.3) and
    ``backup_share`` (0.2) of stores, ``credential_share`` (store-to-store credential arcs
    per store, 0.05), ``placements_per_class`` (2 primaries, equal shares).

    The compiled graph has :func:`expected_arcs` arcs; the model's adversaries are the
    jurisdictions. Raises :class:`~datareach.ModelError` naming a bad argument.
    """
    return enterprise_frames(roles, stores, classes, seed, **shape).model()


def enterprise_frames(
    roles: int = 1000,
    stores: int | None = None,
    classes: int = 8,
    seed: int = 0,
    **shape: Any,
) -> EnterpriseFrames:
    """The bulk frames of :func:`enterprise` (same arguments, same draw), not yet a
    model: :meth:`EnterpriseFrames.model` builds it. Building from frames is what
    ``benchmarks/bench_build.py`` times."""
    s = _shape(roles, stores, classes, shape)
    seed = _integer(seed, "seed", 0)
    c = _counts(s)
    rng = np.random.default_rng(seed)
    R, S, O, C = s["roles"], s["stores"], s["organizations"], s["classes"]  # noqa: E741 - as above
    juris = list(s["jurisdictions"])
    J = len(juris)
    subregions = [
        np.array([f"{j}/{sub}" for sub in _SUBREGIONS.get(j, ("r0", "r1", "r2"))], dtype=object) for j in juris
    ]
    n_sub = np.array([len(x) for x in subregions])
    region_table = np.concatenate(subregions)
    region_start = np.concatenate([[0], np.cumsum(n_sub)[:-1]])

    def region_in(jurisdiction: np.ndarray) -> np.ndarray:
        result: np.ndarray = region_table[_pick_within(rng, region_start[jurisdiction], n_sub[jurisdiction])]
        return result

    def elsewhere(jurisdiction: np.ndarray) -> np.ndarray:
        """A random other jurisdiction (itself when there is only one)."""
        if J == 1:
            return jurisdiction
        return (jurisdiction + rng.integers(1, J, len(jurisdiction))) % J

    name = f"synthetic enterprise: {R} roles, {S} stores, {C} classes, seed {seed}"

    # -- organisations: groups of one organisation per jurisdiction ------------------------
    org_group = np.arange(O) // J
    org_jur = np.arange(O) % J
    group_count = c["groups"]
    head_offset = rng.integers(0, J, group_count)
    group_start = np.arange(group_count) * J
    group_size = np.minimum(J, O - group_start)
    head_offset = np.minimum(head_offset, group_size - 1)
    group_head = group_start + head_offset
    org_ids = np.char.add(np.char.add(np.asarray(juris, dtype=str)[org_jur], "-org"), org_group.astype(str)).astype(
        object
    )
    org_region = region_in(org_jur)

    # Events: two per organisation, and one global.
    insider = np.char.add(org_ids.astype(str), "/insider-complies").astype(object)
    approval = np.char.add(org_ids.astype(str), "/approval-granted").astype(object)
    events_frame = pd.DataFrame(
        {
            "id": np.concatenate([insider, approval, np.array(["credential-leak"], dtype=object)]),
            "p": np.concatenate([np.round(rng.uniform(0.1, 0.5, O), 2), np.round(rng.uniform(0.2, 0.8, O), 2), [0.02]]),
        }
    )
    insider_req = _tuples([(e,) for e in insider])  # per organisation: one loop over O
    approval_req = _tuples([(e,) for e in approval])
    credential_req = _tuples([("credential-leak",)])

    # -- roles: a tree per organisation ---------------------------------------------------
    weights = rng.dirichlet(np.full(O, 2.0))
    role_count = 1 + rng.multinomial(R - O, weights)
    role_start = np.concatenate([[0], np.cumsum(role_count)[:-1]])
    role_org = np.repeat(np.arange(O), role_count)
    local = np.arange(R) - role_start[role_org]
    role_ids = np.char.add(np.char.add(org_ids.astype(str)[role_org], "/r"), local.astype(str)).astype(object)
    role_jur = org_jur[role_org].copy()
    abroad = rng.random(R) < s["abroad_share"]
    role_jur[abroad] = elsewhere(role_jur[abroad])
    role_region = region_in(role_jur)

    # -- stores: primaries, replicas, backups; gateways in front of some primaries --------
    P, n_rep, n_bak, G = c["primaries"], c["replicas"], c["backups"], c["gateways"]
    store_org = np.concatenate([np.arange(min(O, S)), rng.choice(O, S - min(O, S), p=role_count / R)])
    store_org.sort()  # stores of an organisation are contiguous
    store_count = np.bincount(store_org, minlength=O)
    store_start = np.concatenate([[0], np.cumsum(store_count)[:-1]])
    store_type = rng.permutation(np.repeat(np.arange(3), [P, n_rep, n_bak]))  # 0 primary, 1 replica, 2 backup
    type_name = np.array(["db", "replica", "backup"], dtype=str)[store_type]
    store_local = np.arange(S) - store_start[store_org]
    store_ids = np.char.add(
        np.char.add(np.char.add(org_ids.astype(str)[store_org], "/"), type_name), store_local.astype(str)
    ).astype(object)
    store_jur = org_jur[store_org].copy()
    offshore = (store_type != 0) & (rng.random(S) < s["offshore_share"])
    store_jur[offshore] = elsewhere(store_jur[offshore])
    store_region = region_in(store_jur)
    primaries = np.flatnonzero(store_type == 0)
    gated = np.sort(rng.choice(primaries, G, replace=False))
    gateway_ids = np.char.add(store_ids[gated].astype(str), "/gateway").astype(object)
    # Where an arc into a store lands: the store itself or its gateway.
    entry = np.arange(S, dtype=np.int64)
    entry[gated] = S + np.arange(G)

    all_ids = np.concatenate([np.asarray(juris, dtype=object), org_ids, role_ids, store_ids, gateway_ids])
    org_at, role_at, store_at = J, J + O, J + O + R
    # Ids interned once, as a user holding millions of arcs would (pandas categoricals): the
    # node ids as categories, each flow's and arc's ends as codes.
    node_index = pd.Index(all_ids, dtype=object)
    node_kind = np.concatenate(
        [
            np.full(J, "jurisdiction", dtype=object),
            np.full(O, "organization", dtype=object),
            np.full(R, "role", dtype=object),
            np.full(S, "store", dtype=object),
            np.full(G, "gateway", dtype=object),
        ]
    )
    nodes_frame = pd.DataFrame(
        {
            "id": all_ids,
            "kind": node_kind,
            "region": np.concatenate(
                [np.full(J, None, dtype=object), org_region, role_region, store_region, store_region[gated]]
            ),
            "territory": np.concatenate(
                [np.asarray(juris, dtype=object), np.full(len(all_ids) - J, None, dtype=object)]
            ),
            "compels": np.concatenate([np.array(list(s["jurisdictions"].values())), np.full(len(all_ids) - J, np.nan)]),
        }
    )

    # -- data classes ---------------------------------------------------------------------
    K = min(len(CATEGORIES), C)
    category_of = np.arange(C) % K
    categories = np.asarray(CATEGORIES[:K], dtype=object)
    class_ids = _ids(np.char.add(np.asarray(CATEGORIES, dtype=str)[category_of], "-"), np.arange(C) // K)
    members = [tuple(class_ids[category_of == k]) for k in range(K)]  # loop over categories
    category_filter = _tuples(members)
    n_comp = s["composites"]
    size = np.minimum(2 + (rng.random(n_comp) < 0.5), C)
    order = np.argsort(rng.random((n_comp, C)), axis=1)[:, :3] if n_comp else np.zeros((0, 3), dtype=np.int64)
    comp_parts = [tuple(class_ids[row[:k]]) for row, k in zip(order, size)]  # one per composite
    records = np.round(10 ** rng.uniform(4, 8, C), -3)
    sensitivity = np.array([_SENSITIVITY[x] for x in CATEGORIES])[category_of]
    comp_sensitivity = np.array([1.5 * sensitivity[row[:k]].sum() for row, k in zip(order, size)])
    comp_records = np.array([records[row[:k]].max() for row, k in zip(order, size)])
    classes_frame = pd.DataFrame(
        {
            "id": np.concatenate([class_ids, _ids("profile-", np.arange(n_comp))]),
            "sensitivity": np.concatenate([sensitivity, comp_sensitivity]),
            "records": np.concatenate([records, comp_records]),
            "category": np.concatenate([categories[category_of], np.full(n_comp, "profile", dtype=object)]),
            "components": np.concatenate([np.full(C, None, dtype=object), _tuples(comp_parts)]),
        }
    )

    # -- placements: every atomic class in k distinct primaries, equal shares -------------
    k = min(s["placements_per_class"], P)
    offsets = np.concatenate([[0], 1 + rng.choice(P - 1, k - 1, replace=False)]) if k > 1 else np.zeros(1, np.int64)
    first = rng.integers(0, P, C)
    holder = primaries[(first[:, None] + offsets[None, :]) % P]
    placements_frame = pd.DataFrame(
        {
            "class": np.repeat(class_ids, k),
            "store": store_ids[holder.ravel()],
            "share": np.full(C * k, 1.0 / k),
        }
    )

    # -- flows: replicas and backups from a primary of the same organisation --------------
    copies = np.flatnonzero(store_type != 0)
    primary_org = store_org[primaries]  # sorted, since stores are sorted by organisation
    p_start = np.searchsorted(primary_org, np.arange(O))
    p_count = np.searchsorted(primary_org, np.arange(O), side="right") - p_start
    own = p_count[store_org[copies]] > 0
    source = np.where(
        own,
        _pick_within(rng, p_start[store_org[copies]], np.maximum(p_count[store_org[copies]], 1)),
        rng.integers(0, P, len(copies)),
    )
    is_replica = store_type[copies] == 1
    flow_filter = np.full(len(copies), None, dtype=object)
    filtered = rng.random(len(copies)) < s["filter_share"]
    flow_filter[filtered] = category_filter[rng.integers(0, K, int(filtered.sum()))]
    flows_frame = pd.DataFrame(
        {
            "from": pd.Categorical.from_codes(store_at + primaries[source], categories=node_index),
            "to": pd.Categorical.from_codes(store_at + copies, categories=node_index),
            "classes": flow_filter,
            "share": np.where(is_replica, np.round(rng.uniform(0.1, 1.0, len(copies)), 2), 1.0),
            "kind": np.where(is_replica, "replica", "backup").astype(object),
        }
    )

    # -- access arcs ----------------------------------------------------------------------
    parts: list[dict[str, np.ndarray]] = []
    kinds: dict[str, int] = {}  # arc kind → its code in the categorical kind column

    def arcs(
        src: np.ndarray,
        dst: np.ndarray,
        p: np.ndarray,
        kind: str,
        requires: np.ndarray | None = None,
        filters: np.ndarray | None = None,
    ) -> None:
        n = len(src)
        parts.append(
            {
                "from": src,
                "to": dst,
                "p": p,
                "kind": np.full(n, kinds.setdefault(kind, len(kinds)), dtype=np.int8),
                "requires": np.full(n, None, dtype=object) if requires is None else requires,
                "classes": np.full(n, None, dtype=object) if filters is None else filters,
            }
        )

    # Group heads control the other organisations of their group, with the member's approval.
    members_ = np.flatnonzero(np.arange(O) != group_head[org_group])
    arcs(
        org_at + group_head[org_group[members_]],
        org_at + members_,
        np.full(len(members_), 0.8),
        "controls",
        approval_req[members_],
    )
    # Each organisation employs its head role; every other role has a manager.
    arcs(org_at + np.arange(O), role_at + role_start, np.ones(O), "employs")
    subordinate = np.flatnonzero(local > 0)
    manager = role_start[role_org[subordinate]] + (local[subordinate] - 1) // s["span"]
    arcs(role_at + manager, role_at + subordinate, _p(rng, len(subordinate), 0.6, 0.5), "manages")

    # Reads: reads_per_role per role, to own stores or (cross_share) anyone's.
    n_reads = R * s["reads_per_role"]
    reader = np.repeat(np.arange(R), s["reads_per_role"])
    reader_org = role_org[reader]
    has_own = store_count[reader_org] > 0
    cross = (rng.random(n_reads) < s["cross_share"]) | ~has_own
    target = np.where(
        cross,
        rng.integers(0, S, n_reads),
        _pick_within(rng, store_start[reader_org], np.maximum(store_count[reader_org], 1)),
    )
    requires = np.full(n_reads, None, dtype=object)
    foreign = cross & (store_org[target] != reader_org)
    requires[foreign] = approval_req[store_org[target[foreign]]]
    approval_needed = ~cross & (rng.random(n_reads) < s["event_share"])
    requires[approval_needed] = approval_req[reader_org[approval_needed]]
    filters = np.full(n_reads, None, dtype=object)
    filtered = rng.random(n_reads) < s["filter_share"]
    filters[filtered] = category_filter[rng.integers(0, K, int(filtered.sum()))]
    arcs(role_at + reader, store_at + entry[target], _p(rng, n_reads, 0.2, 0.2), "read", requires, filters)

    # Admins: admin_reads arcs each into the stores of their whole group.
    admin = np.sort(rng.choice(R, c["admins"], replace=False))
    admin_src = np.repeat(admin, s["admin_reads"])
    admin_group = org_group[role_org[admin_src]]
    g_first = store_start[np.minimum(group_start[admin_group], O - 1)]
    g_last = np.where(
        group_start[admin_group] + group_size[admin_group] < O,
        store_start[np.minimum(group_start[admin_group] + group_size[admin_group], O - 1)],
        S,
    )
    g_count = g_last - g_first
    admin_dst = np.where(
        g_count > 0, _pick_within(rng, g_first, np.maximum(g_count, 1)), rng.integers(0, S, len(admin_src))
    )
    requires = np.full(len(admin_src), None, dtype=object)
    other = store_org[admin_dst] != role_org[admin_src]
    requires[other] = insider_req[store_org[admin_dst[other]]]
    arcs(role_at + admin_src, store_at + entry[admin_dst], _p(rng, len(admin_src), 0.8, 0.5), "admin", requires)

    # Gateways pass arcs on to the store behind them.
    arcs(store_at + S + np.arange(G), store_at + gated, np.full(G, 0.95), "gateway")
    # Some stores hold credentials that open other stores, if the credentials leak.
    n_cred = c["credentials"]
    cred_req = np.empty(n_cred, dtype=object)
    cred_req[:] = credential_req[np.zeros(n_cred, dtype=np.int64)]
    arcs(
        store_at + rng.integers(0, S, n_cred),
        store_at + entry[rng.integers(0, S, n_cred)],
        np.full(n_cred, 0.5),
        "credentials",
        cred_req,
    )

    frame = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    access = pd.DataFrame(frame)
    for end in ("from", "to"):
        access[end] = pd.Categorical.from_codes(frame[end], categories=node_index)
    access["kind"] = pd.Categorical.from_codes(frame["kind"], categories=pd.Index(list(kinds), dtype=object))
    return EnterpriseFrames(
        name=name,
        events=events_frame,
        nodes=nodes_frame,
        classes=classes_frame,
        placements=placements_frame,
        flows=flows_frame,
        access=access,
        adversaries=tuple(juris),
    )
