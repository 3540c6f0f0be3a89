"""The layout of the package: no import cycle between its modules, lazy imports included,
and the public import paths that users and the analyses rely on.

The import graph has one node per module (``datareach.model.fields``; a package is its
``__init__``, ``datareach.model``) and an edge for every import of a datareach module,
at any nesting level: module level, inside functions and methods, under
``if TYPE_CHECKING:``. An import counts for the module it names: ``from ..model import
Model`` is an edge to the package ``datareach.model`` (its ``__init__``, which must then
not depend back on the importer), ``from .. import dates`` an edge to the submodule
``datareach.dates``. Python also runs the parent packages of what it imports, but that is
not counted as a dependency: every submodule would then depend on the ``__init__`` that
re-exports it, and any package with re-exports would be a "cycle".
"""

from __future__ import annotations

import ast
import graphlib
import importlib
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "python" / "datareach"


def _module_names(root: Path) -> dict[str, Path]:
    """Module name of every module of the package under ``root`` (stubs of compiled
    modules included, as leaves) → its file."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py*")):
        if path.suffix not in (".py", ".pyi") or "__pycache__" in path.parts:
            continue
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules.setdefault(".".join(parts), path)
    return modules


def _imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that the module ``name`` imports anywhere in its code."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    root = name.split(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            if base != root and not base.startswith(root + "."):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    found.discard(name)
    return {module for module in found if module in modules}


def _import_graph(root: Path) -> dict[str, set[str]]:
    modules = _module_names(root)
    return {name: _imported_modules(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_the_package_has_no_import_cycle_lazy_imports_included() -> None:
    graph = _import_graph(PACKAGE_ROOT)
    assert _cycle(graph) is None, f"import cycle: {' → '.join(_cycle(graph) or [])}"


def test_the_graph_sees_every_module_and_imports_inside_functions() -> None:
    graph = _import_graph(PACKAGE_ROOT)
    files = [p for p in PACKAGE_ROOT.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(graph) >= len(files) > 20
    # Function-level imports are edges: Model.apply imports the apply engine when called,
    # lowering imports the compiled core when it builds one.
    assert "datareach.changes.apply" in graph["datareach.model.model"]
    assert "datareach._core" in graph["datareach.model.lowering"]
    # An import of a package is an edge to its __init__.
    assert "datareach.model" in graph["datareach.io.scenario"]


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "datareach" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "datareach"


def test_the_check_finds_a_cycle_through_a_lazy_import(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\n",
            "b.py": "def later():\n    from .a import thing\n",
        },
    )
    assert _cycle(_import_graph(package)) is not None


def test_the_check_finds_a_cycle_through_a_package_init(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path,
        {
            "__init__.py": "",
            "inner/__init__.py": "from .core import Thing\n",
            "inner/core.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..user import Use\n",
            "user.py": "from .inner import Thing\n",
        },
    )
    assert _cycle(_import_graph(package)) is not None


def test_a_package_init_may_reexport_its_submodules(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path,
        {
            "__init__.py": "from . import inner\nfrom .inner import Thing\n",
            "inner/__init__.py": "from .core import Thing\n",
            "inner/core.py": "from .. import helpers\n",
            "helpers.py": "",
        },
    )
    graph = _import_graph(package)
    assert graph["datareach.inner.core"] == {"datareach.helpers"}
    assert _cycle(graph) is None


def test_every_module_says_what_it_is_for() -> None:
    for path in PACKAGE_ROOT.rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


PUBLIC_PATHS = {
    "datareach": [
        "load",
        "save",
        "Model",
        "ModelError",
        "analyze",
        "compare",
        "reach",
        "most_likely_path",
        "sweep",
        "timeline",
        "tornado",
        "uncertainty",
        "Tornado",
        "Uncertainty",
        "changes",
        "examples",
        "synthetic",
        "diagram",
        "Diagram",
    ],
    "datareach.diagram": ["diagram", "Diagram", "DEFAULT_MAX_NODES"],
    "datareach.errors": ["ModelError", "where", "did_you_mean"],
    "datareach.dates": ["to_day", "from_day", "to_iso", "OPEN_START", "OPEN_END"],
    "datareach.model": ["Model"],
    "datareach.model.fields": ["FIELDS", "FORMAT", "NODE_KINDS", "RANGES", "SECTIONS"],
    "datareach.model.lowering": [
        "lower",
        "core_model",
        "compile_model",
        "adversary_indices",
        "class_index",
        "NODE_KIND_CODES",
    ],
    "datareach.changes": [
        "migrate",
        "copy",
        "delete",
        "revoke",
        "set_p",
        "set_compels",
        "add_gateway",
        "relocate",
        "add_flow",
        "remove_flow",
        "disable",
        "OPS",
        "Change",
        "change_from_dict",
        "from_dicts",
        "to_dicts",
        "dumps",
        "loads",
        "save_variant",
        "variant_dict",
        "apply",
    ],
    "datareach.io": ["load", "save", "loads", "dumps", "save_variant", "variant_dict"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_PATHS))
def test_public_import_paths(module: str) -> None:
    imported = importlib.import_module(module)
    missing = [name for name in PUBLIC_PATHS[module] if not hasattr(imported, name)]
    assert not missing, f"{module} lacks {missing}"


def test_the_same_objects_under_every_public_path() -> None:
    import datareach as dr
    from datareach import io, model
    from datareach.changes import from_dicts, save_variant
    from datareach.changes.convert import from_dicts as converted

    assert dr.Model is model.Model
    assert dr.load is io.load and dr.save is io.save
    assert save_variant is io.save_variant
    assert from_dicts is converted


@pytest.mark.parametrize("old", ["datareach.schema", "datareach.files", "datareach.compiled", "datareach.lowering"])
def test_the_old_modules_are_gone(old: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(old)
