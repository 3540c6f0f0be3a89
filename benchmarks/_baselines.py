"""What a user would write without datareach: the model as NumPy arrays, and Monte Carlo
exposure estimators on networkx and on python-igraph (docs/design.md §2, probabilities only).

Shared by ``bench_exposure.py`` and ``bench_reach.py``. The arrays are built from the
model's own tables (``Model.access``, ``.nodes``, ``.placements``, ``.flows``), with the
jurisdiction rules expanded here and presence computed here over the flows, so the
baselines are independent of datareach's core and their agreement with it is a check.

Per world both estimators draw every arc's coin and every event with one vectorised NumPy
call each, keep the live arcs (coin up and every required event up), and then, per group of
classes that admit the same arcs (the classes of one category here), take the live arcs
admitting the group and search from each adversary; a class is exposed when a store
holding it is reached, a composite when all its parts are.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:
    import datareach as dr
except ImportError:  # run from a source checkout without PYTHONPATH
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
    import datareach as dr


def _ragged(lists: np.ndarray, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """A column of id tuples (None: empty) as CSR offsets and positions in ``index``."""
    lengths = np.fromiter((0 if x is None else len(x) for x in lists), dtype=np.int64, count=len(lists))
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = [v for x in lists if x is not None for v in x]
    return offsets, index.get_indexer(pd.Index(flat, dtype=object)).astype(np.int64)


@dataclasses.dataclass
class Arrays:
    """The model as arrays a NumPy user would make (rule arcs included)."""

    node_ids: list[str]
    src: np.ndarray  # arc sources (node index)
    dst: np.ndarray
    p: np.ndarray  # each arc's own coin
    req_offsets: np.ndarray  # required events per arc (CSR)
    req_values: np.ndarray
    event_p: np.ndarray
    filtered: np.ndarray  # bool: the arc has a class filter
    groups: list[np.ndarray]  # atomic class indices per group of classes admitting the same arcs
    group_admits: list[np.ndarray]  # bool per arc, per group: a filtered arc that admits it
    stores_of: list[np.ndarray]  # per class: node indices of stores holding it (atomic only)
    atoms: list[np.ndarray]  # per class: its atomic classes (itself when atomic)
    class_ids: list[str]

    @property
    def arcs(self) -> int:
        return len(self.src)

    def live(self, rng: np.random.Generator) -> np.ndarray:
        """One random world: which arcs are live (vectorised)."""
        live = rng.random(self.arcs) < self.p
        up = rng.random(len(self.event_p)) < self.event_p
        needs = np.diff(self.req_offsets) > 0
        if needs.any():
            ok = np.ones(self.arcs, dtype=bool)
            starts = self.req_offsets[:-1][needs]
            ok[needs] = np.logical_and.reduceat(up[self.req_values], starts)
            live &= ok
        return live


def arrays(model: dr.Model) -> Arrays:
    nodes = model.nodes
    node_index = pd.Index(nodes["id"].to_numpy(dtype=object), dtype=object)
    events = model.events
    event_index = pd.Index(events["id"].to_numpy(dtype=object), dtype=object)
    classes = model.classes
    class_ids = classes["id"].tolist()
    class_index = pd.Index(np.asarray(class_ids, dtype=object), dtype=object)
    components = classes["components"].to_numpy(dtype=object)

    # Atomic parts of every class (composites may name composites).
    def flatten(c: int) -> list[int]:
        if components[c] is None:
            return [c]
        return sorted({a for part in components[c] for a in flatten(class_index.get_loc(part))})

    atoms = [np.array(flatten(c), dtype=np.int64) for c in range(len(class_ids))]
    atomic = np.array([components[c] is None for c in range(len(class_ids))])

    access = model.access
    src = node_index.get_indexer(access["from"].to_numpy(dtype=object))
    dst = node_index.get_indexer(access["to"].to_numpy(dtype=object))
    p = access["p"].to_numpy(dtype=float)
    req_offsets, req_values = _ragged(access["requires"].to_numpy(dtype=object), event_index)
    f_offsets, f_values = _ragged(access["classes"].to_numpy(dtype=object), class_index)

    # Jurisdiction rules: one arc to every other node located in the territory.
    regions = nodes["region"].to_numpy(dtype=object)
    region_series = pd.Series(regions, dtype=object)
    rule_src, rule_dst, rule_p = [], [], []
    for j in np.flatnonzero(nodes["compels"].notna().to_numpy()):
        territory = nodes["territory"].iloc[j]
        inside = (region_series == territory) | region_series.str.startswith(territory + "/", na=False)
        inside = inside.to_numpy(dtype=bool, copy=True)
        inside[j] = False
        targets = np.flatnonzero(inside)
        rule_src.append(np.full(len(targets), j))
        rule_dst.append(targets)
        rule_p.append(np.full(len(targets), nodes["compels"].iloc[j]))
    n_rule = sum(len(x) for x in rule_dst)
    src = np.concatenate([src, *rule_src]).astype(np.int64)
    dst = np.concatenate([dst, *rule_dst]).astype(np.int64)
    p = np.concatenate([p, *rule_p])
    req_offsets = np.concatenate([req_offsets, np.full(n_rule, req_offsets[-1])])
    f_offsets = np.concatenate([f_offsets, np.full(n_rule, f_offsets[-1])])
    m = len(src)

    # Which filtered arcs admit which atomic class (a filter naming a composite admits its parts).
    filtered = np.diff(f_offsets) > 0
    arc_of_value = np.repeat(np.arange(m), np.diff(f_offsets))
    admits = {}
    atomic_ids = np.flatnonzero(atomic)
    value_atoms = [atoms[v] for v in range(len(class_ids))]
    for d in atomic_ids:  # one loop over classes, vectorised over arcs
        names = np.array([d in value_atoms[v] for v in range(len(class_ids))])
        mask = np.zeros(m, dtype=bool)
        mask[arc_of_value[names[f_values]]] = True
        admits[d] = mask
    # Group classes whose filtered-arc masks are identical: one search serves them all.
    groups: dict[bytes, list[int]] = {}
    for d in atomic_ids:
        groups.setdefault(np.packbits(admits[d]).tobytes(), []).append(int(d))
    group_list = [np.array(g) for g in groups.values()]
    group_admits = [admits[g[0]] for g in group_list]

    # Presence: placements, then flows carrying the class (a closure over the flow graph).
    placements = model.placements
    flows = model.flows
    flow_from = node_index.get_indexer(flows["from"].to_numpy(dtype=object))
    flow_to = node_index.get_indexer(flows["to"].to_numpy(dtype=object))
    flow_classes = flows["classes"].to_numpy(dtype=object)
    stores_of = []
    for d in range(len(class_ids)):
        if not atomic[d]:
            stores_of.append(np.zeros(0, dtype=np.int64))
            continue
        name = class_ids[d]
        held = set(node_index.get_indexer(placements["store"][placements["class"] == name].to_numpy(dtype=object)))
        carries = np.array(
            [c is None or any(d in atoms[class_index.get_loc(x)] for x in c) for c in flow_classes], dtype=bool
        )
        out: dict[int, list[int]] = {}
        for a, b in zip(flow_from[carries], flow_to[carries]):
            out.setdefault(int(a), []).append(int(b))
        frontier = list(held)
        while frontier:
            s = frontier.pop()
            for t in out.get(s, ()):
                if t not in held:
                    held.add(t)
                    frontier.append(t)
        stores_of.append(np.array(sorted(held), dtype=np.int64))

    return Arrays(
        node_ids=nodes["id"].tolist(),
        src=src,
        dst=dst,
        p=p,
        req_offsets=req_offsets,
        req_values=req_values,
        event_p=events["p"].to_numpy(dtype=float),
        filtered=filtered,
        groups=group_list,
        group_admits=group_admits,
        stores_of=stores_of,
        atoms=atoms,
        class_ids=class_ids,
    )


class Estimator:
    """Counts of exposed worlds per (adversary, class) and the time spent."""

    name = "?"

    def __init__(self, data: Arrays, adversaries: list[int], seed: int = 0) -> None:
        self.data = data
        self.adversaries = adversaries
        self.rng = np.random.default_rng(seed)
        self.counts = np.zeros((len(adversaries), len(data.class_ids)), dtype=np.int64)
        self.worlds = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def world(self) -> np.ndarray:
        raise NotImplementedError

    def run(self, *, seconds: float, min_worlds: int = 3, max_worlds: int | None = None) -> None:
        """Sample worlds until ``seconds`` have passed (at least ``min_worlds``).

        Python's cyclic garbage collector is off meanwhile: its passes over the millions of
        dicts and tuples of the per-world graphs would otherwise double the baselines' time
        (every world's graph is freed by reference counting anyway)."""
        import gc

        gc.collect()
        enabled = gc.isenabled()
        gc.disable()
        try:
            started, cpu = time.perf_counter(), time.process_time()
            while True:
                self.counts += self.world()
                self.worlds += 1
                spent = time.perf_counter() - started
                if self.worlds >= min_worlds and spent >= seconds:
                    break
                if max_worlds is not None and self.worlds >= max_worlds:
                    break
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu
        finally:
            if enabled:
                gc.enable()

    def _composites(self, exposed: np.ndarray) -> None:
        for c, parts in enumerate(self.data.atoms):
            if len(parts) > 1 or parts[0] != c:
                exposed[:, c] = exposed[:, parts].all(axis=1)

    @property
    def rate(self) -> float:
        return self.worlds / self.seconds


class NetworkxEstimator(Estimator):
    """networkx: per world one DiGraph of the live unfiltered arcs; per class group its
    live filtered arcs are added, ``nx.descendants`` runs from each adversary, and they are
    removed again (cheaper than building a graph per group)."""

    name = "networkx"

    def world(self) -> np.ndarray:
        import networkx as nx

        d = self.data
        live = d.live(self.rng)
        base = live & ~d.filtered
        graph = nx.DiGraph()
        graph.add_nodes_from(self.adversaries)
        graph.add_edges_from(zip(d.src[base].tolist(), d.dst[base].tolist()))
        exposed = np.zeros((len(self.adversaries), len(d.class_ids)), dtype=bool)
        for group, admits in zip(d.groups, d.group_admits):
            extra = live & admits
            added = [e for e in zip(d.src[extra].tolist(), d.dst[extra].tolist()) if not graph.has_edge(*e)]
            graph.add_edges_from(added)
            for i, a in enumerate(self.adversaries):
                reached = nx.descendants(graph, a)
                reached.add(a)
                for c in group:
                    exposed[i, c] = any(s in reached for s in d.stores_of[c].tolist())
            graph.remove_edges_from(added)
        self._composites(exposed)
        return exposed


class IgraphEstimator(Estimator):
    """python-igraph: per world one ``Graph`` of the live unfiltered arcs (built from the
    NumPy edge array); per class group its live filtered arcs are appended,
    ``subcomponent(adversary, mode="out")`` runs from each adversary, and they are deleted
    again (cheaper than building a graph per group)."""

    name = "igraph"

    def world(self) -> np.ndarray:
        import igraph as ig

        d = self.data
        n = len(d.node_ids)
        live = d.live(self.rng)
        base = live & ~d.filtered
        graph = ig.Graph(n=n, edges=np.column_stack([d.src[base], d.dst[base]]), directed=True)
        first = graph.ecount()
        exposed = np.zeros((len(self.adversaries), len(d.class_ids)), dtype=bool)
        reached = np.zeros(n, dtype=bool)
        for group, admits in zip(d.groups, d.group_admits):
            extra = live & admits
            graph.add_edges(np.column_stack([d.src[extra], d.dst[extra]]).tolist())
            for i, a in enumerate(self.adversaries):
                reached[:] = False
                reached[graph.subcomponent(a, mode="out")] = True
                for c in group:
                    exposed[i, c] = reached[d.stores_of[c]].any()
            graph.delete_edges(range(first, graph.ecount()))
        self._composites(exposed)
        return exposed


def wilson(k: np.ndarray, n: int, z: float) -> tuple[np.ndarray, np.ndarray]:
    phat = k / n
    denominator = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denominator
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denominator
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def agreement(estimator: Estimator, exposure: pd.DataFrame, z: float = 3.29) -> tuple[bool, str]:
    """Whether the baseline's interval (z = 3.29: 99.9%) overlaps datareach's for every
    (adversary, class), and a one-line summary with the largest normalised difference."""
    n = estimator.worlds
    low, high = wilson(estimator.counts, n, z)
    theirs = estimator.counts / n
    ours = exposure["probability"].to_numpy().reshape(theirs.shape)
    ours_low = exposure["ci_low"].to_numpy().reshape(theirs.shape)
    ours_high = exposure["ci_high"].to_numpy().reshape(theirs.shape)
    overlap = (low <= ours_high) & (ours_low <= high)
    # Difference in units of the baseline's standard error (at least that of 1 world in n).
    se = np.sqrt(np.maximum(ours * (1 - ours), 1 / n) / n)
    score = np.abs(theirs - ours) / se
    worst = np.unravel_index(np.argmax(score), score.shape)
    summary = (
        f"{estimator.name}: {int(overlap.sum())}/{overlap.size} (adversary, class) intervals overlap "
        f"datareach's over {n} worlds; largest gap {score[worst]:.2f} standard errors "
        f"({theirs[worst]:.3f} vs {ours[worst]:.3f})"
    )
    return bool(overlap.all()), summary


def process_status(field: str) -> int:
    """A VmXXX line of /proc/self/status (VmRSS, VmHWM, ...), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def release_free_memory() -> None:
    """Hands the heap's free memory back to the system (glibc's malloc_trim), so that the
    resident set counts live memory only: a measurement that starts after drawing a large
    input then sees what building from it needs, not the drawing's freed heap reused."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
        if trim is not None:
            trim(0)


def reset_peak() -> bool:
    """Resets VmHWM to the current resident set; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def machine() -> dict[str, str]:
    """CPU model, cores, memory, Python, compiler, date, load average."""
    import datetime
    import os
    import platform
    import subprocess

    info = {}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "unknown"
    info["cores"] = str(os.cpu_count())
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        info["memory"] = f"{int(total.split()[1]) / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        info["memory"] = "unknown"
    info["python"] = platform.python_version()
    try:
        import igraph
        import networkx

        info["libraries"] = (
            f"numpy {np.__version__}, pandas {pd.__version__}, networkx {networkx.__version__}, "
            f"python-igraph {igraph.__version__}"
        )
    except ImportError:
        info["libraries"] = f"numpy {np.__version__}, pandas {pd.__version__}"
    compiler = "unknown"
    cache = Path("/tmp/leadbuild/CMakeCache.txt")
    for candidate in [cache, *Path(__file__).resolve().parents[1].glob("build*/CMakeCache.txt")]:
        try:
            for line in candidate.read_text().splitlines():
                if line.startswith("CMAKE_CXX_COMPILER:"):
                    path = line.split("=", 1)[1]
                    compiler = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.splitlines()[
                        0
                    ]
                    break
        except (OSError, IndexError):
            continue
        if compiler != "unknown":
            break
    if compiler == "unknown":
        try:
            compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            pass
    info["compiler"] = compiler
    repo = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
        info["source"] = f"git {rev}{' with uncommitted changes' if dirty else ''}"
    except OSError:
        info["source"] = "unknown revision"
    info["source"] += f"; datareach imported from {_where(Path(dr.__file__).parent)}"
    info["date"] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def command_line(script: str) -> str:
    """The command that is running, as typed from the repository root."""
    import os

    repo = Path(__file__).resolve().parents[1]
    path = os.environ.get("PYTHONPATH")
    prefix = ""
    if path:
        shown = ["python" if Path(p).resolve() == repo / "python" else p for p in path.split(os.pathsep)]
        prefix = f"PYTHONPATH={os.pathsep.join(shown)} "
    return f"{prefix}python {script}" + "".join(f" {a}" for a in sys.argv[1:])


def describe_machine(info: dict[str, str]) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['memory']}; Python {info['python']}; "
        f"{info['compiler']}; {info['libraries']}; {info['source']}"
    )


def write_section(results: Path, start: str, end: str, section: list[str]) -> None:
    """Replace one script's block (between its start and end markers) in RESULTS.md."""
    text = (
        results.read_text()
        if results.exists()
        else "# Benchmark results\n\nWritten by the scripts in this folder; see README.md.\n"
    )
    block = "\n".join([start, *section, end])
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text)


def fmt_rate(x: float) -> str:
    if x >= 1e9:
        return f"{x / 1e9:.2f}e9"
    if x >= 1e6:
        return f"{x / 1e6:.2f}e6"
    if x >= 1e3:
        return f"{x / 1e3:.1f}e3"
    return f"{x:.3g}"


__all__ = [
    "Arrays",
    "IgraphEstimator",
    "NetworkxEstimator",
    "agreement",
    "arrays",
    "command_line",
    "describe_machine",
    "fmt_rate",
    "machine",
]


def _where(package: Path) -> str:
    """Where datareach was imported from, as a reader of RESULTS.md can tell it: the source
    tree of the checkout the benchmark runs in, or an installed copy (site-packages)."""
    if package.parent.name == "python" and (package.parent.parent / "pyproject.toml").is_file():
        return "the source tree (python/datareach)"
    return "an installed copy" if "site-packages" in package.parts else "a copy outside the source tree"
