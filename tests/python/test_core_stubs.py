"""The hand-written stubs of the compiled module list exactly what it exports."""

from __future__ import annotations

import ast
from pathlib import Path

import datareach
from datareach import _core


def stub_names() -> dict[str, set[str]]:
    tree = ast.parse((Path(datareach.__file__).parent / "_core.pyi").read_text())
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.ClassDef):
            names[node.name] = {
                n.name for n in node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
            }
    return names


def test_stubs_cover_the_module() -> None:
    stubs = stub_names()
    exported = {name for name in dir(_core) if not name.startswith("_")}
    assert exported == set(stubs)
    for name, members in stubs.items():
        if members:
            public = {m for m in dir(getattr(_core, name)) if not m.startswith("_")}
            assert members == public, name


def test_package_is_typed() -> None:
    assert (Path(datareach.__file__).parent / "py.typed").exists()
