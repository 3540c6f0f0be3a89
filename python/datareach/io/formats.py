"""The file formats shared by scenario and variant files: reading a file's text, the
strict YAML loader and the JSON reader, and the writers that put one entry on one line.

Loading never executes code (``yaml.safe_load`` semantics; Python tags are refused), and
refuses a key written twice in one mapping rather than silently keeping the last.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import IO, Any, Literal

import yaml

from ..errors import ModelError

__all__ = [
    "SUFFIXES",
    "YAML_WIDTH",
    "Dumper",
    "Entry",
    "FileFormat",
    "Inline",
    "PathOrFile",
    "StrictLoader",
    "dump_json",
    "dump_yaml",
    "format_of",
    "json_line",
    "name_of",
    "origin_of",
    "parse",
    "read_text",
]

FileFormat = Literal["yaml", "json"]
PathOrFile = str | os.PathLike[str] | IO[str] | IO[bytes]

SUFFIXES: dict[str, FileFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
YAML_WIDTH = 1 << 30  # YAML line width: never wrap, so each entry is exactly one line


def read_text(source: PathOrFile) -> str:
    """The text of a file given by path or as an open (text or binary) file; bytes must be
    UTF-8."""
    name = name_of(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            raw: str | bytes = Path(source).read_bytes()
        except OSError as error:
            raise ModelError(f"cannot read {name}: {error.strerror or error}") from error
    else:
        raw = source.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ModelError(
                f"{name} is not UTF-8 text: {error.reason} at byte {error.start}"
            ) from None
    return raw


def origin_of(source: Any) -> Path | None:
    """The path of a file given by path, or by an open file that names a real file."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and Path(name).is_file():
        return Path(name)
    return None


def name_of(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<file>"))


def format_of(name: str, default: FileFormat | None) -> FileFormat:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if default is not None:
        return default
    raise ModelError(
        f"cannot tell the file format of {name!r}: name it .yaml, .yml or .json, or pass "
        f"format='yaml' or 'json'"
    )


class StrictLoader(yaml.SafeLoader):
    """Safe YAML that also refuses a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: let PyYAML report it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is written twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # An impossible date such as 2022-06-31 stays text, so that the schema reports it
        # as a malformed date naming its entry and field instead of PyYAML failing bare.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


class Dumper(yaml.SafeDumper):
    pass


# YAML 1.1, which PyYAML follows, reads 1.5e8 (an exponent without a dot or sign) as a
# string; scenario files mean a number, as YAML 1.2 and JSON do. The dumper learns the
# same rule so that it quotes a string such as "1e8" instead of writing a number.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
for _cls in (StrictLoader, Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))


def parse(text: str, format: FileFormat) -> Any:
    try:
        if format == "yaml":
            return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
        if format == "json":
            return json.loads(text, object_pairs_hook=_unique_keys)
    except yaml.YAMLError as error:
        raise ModelError(f"invalid YAML{_yaml_position(error)}: {_yaml_problem(error)}") from None
    except json.JSONDecodeError as error:
        raise ModelError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ModelError(f"invalid {format.upper()}: nested too deeply") from None
    raise ModelError(f"unknown file format {format!r}; use 'yaml' or 'json'")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ModelError(f"invalid JSON: key {key!r} is written twice")
        result[key] = value
    return result


def _yaml_position(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    return "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    return str(problem) if problem else str(error).splitlines()[0]


class Entry(dict):  # type: ignore[type-arg]
    """An entry written on one line in flow style: ``- {id: CN, kind: jurisdiction}``."""


class Inline(list):  # type: ignore[type-arg]
    """A list written on one line: ``[CN, US]``."""


Dumper.add_representer(
    Entry,
    lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True),
)
Dumper.add_representer(
    str,
    # Line breaks other than \n (such as U+0085) and control characters survive only in
    # double quotes, where they are escaped; visible text keeps YAML's plain style.
    lambda dumper, data: dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style=None if data.isprintable() else '"'
    ),
)
Dumper.add_representer(
    Inline,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)


def dump_yaml(payload: Any) -> str:
    """YAML text as datareach writes it: keys in order, Unicode as is, block style unless a
    value asks for flow style (:class:`Entry`, :class:`Inline`), lines never wrapped."""
    return yaml.dump(
        payload,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=YAML_WIDTH,
    )


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
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
