"""The file formats shared by scenario and variant files: the strict YAML and JSON readers
(:mod:`~datareach.io.yaml_reader`, :mod:`~datareach.io.json_reader`), the JSON writer
and, in :mod:`~datareach.io.yaml_writer`, the YAML one; both put one entry on one line.

Loading never executes code (safe tags only; Python tags are refused), refuses a key
written twice in one mapping rather than silently keeping the last, and says where: an
error the schema finds in a file names the line of its entry.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import ModelError, describe, quote
from ..model.fields import INFINITY_TEXT
from .json_reader import entry_lines, parse_json
from .yaml_reader import parse_yaml

__all__ = [
    "SUFFIXES",
    "FileFormat",
    "Parsed",
    "dump_json",
    "format_of",
    "json_line",
    "parse",
    "parse_document",
]

FileFormat = Literal["yaml", "json"]

SUFFIXES: dict[str, FileFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def format_of(name: str, default: FileFormat | None) -> FileFormat:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if default is not None:
        return default
    raise ModelError(
        f"cannot tell the file format of {quote(name, 200)}: name it .yaml, .yml or .json, or pass format='yaml' or 'json'",
        where="format",
    )


@dataclass
class Parsed:
    """A file's parsed data, and where its section entries start (for messages)."""

    data: Any
    text: str
    format: FileFormat
    yaml_lines: dict[str, int] | None = None

    def locate(self, error: ModelError) -> ModelError:
        """``error`` with the line of the entry it names: ``access[3] (line 57).to: ...``;
        ``where`` stays ``access[3].to``."""
        if not error.where:
            return error
        entry = _entry_of(error.where)
        if entry is None:
            return error
        lines = self.yaml_lines if self.yaml_lines is not None else entry_lines(self.text)
        line = lines.get(entry)
        if line is None:
            return error
        located = ModelError(error.reason, where=error.where)
        located.args = (f"{entry} (line {line}){error.where[len(entry) :]}: {error.reason}",)
        return located


# The entry part of a location: access[3] of access[3].to, sources.x of sources.x.title.
_ENTRY = re.compile(r"[a-z_]+\[\d+\]|sources\.[^.]+")


def _entry_of(where: str) -> str | None:
    match = _ENTRY.match(where)
    return match.group() if match else None


def parse_document(text: str, format: FileFormat) -> Parsed:
    """The data of a file's text, strictly read (see the module docstring)."""
    if format == "yaml":
        document = parse_yaml(text)
        return Parsed(document.data, text, format, document.lines)
    if format == "json":
        return Parsed(parse_json(text), text, format)
    raise ModelError(f"unknown file format {describe(format)}; use 'yaml' or 'json'", where="format")


def parse(text: str, format: FileFormat) -> Any:
    return parse_document(text, format).data


def dump_json(data: dict[str, Any]) -> str:
    """Indented top level, one line per entry."""
    out = io.StringIO()
    out.write("{\n")
    for i, (key, value) in enumerate(data.items()):
        out.write(f"  {json.dumps(key)}: ")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.write("[\n")
            out.write(",\n".join(f"    {json_line(entry)}" for entry in value))
            out.write("\n  ]")
        elif isinstance(value, dict):
            out.write("{\n")
            out.write(",\n".join(f"    {json.dumps(k)}: {json_line(v)}" for k, v in value.items()))
            out.write("\n  }")
        else:
            out.write(json_line(value))
        out.write(",\n" if i < len(data) - 1 else "\n")
    out.write("}\n")
    return out.getvalue()


def json_line(value: Any) -> str:
    return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)


def _finite(value: Any) -> Any:
    """JSON has no infinity: an infinite number (only a cost may be one: "cannot be removed")
    is written as the text the model reads back as infinity. NaN never reaches here."""
    if isinstance(value, float) and math.isinf(value) and value > 0:
        return INFINITY_TEXT
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
