"""Scenario files: YAML or JSON, one schema (``format: datareach/1``), DESIGN section 3.

Loading never executes code (``yaml.safe_load`` semantics; Python tags are refused), and
refuses a key written twice in one mapping rather than silently keeping the last.
``load(save(m)) == m`` for YAML and JSON alike.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal

import yaml

from .errors import ModelError
from .model import Model
from .schema import SECTIONS

__all__ = ["dumps", "load", "loads", "save"]

FileFormat = Literal["yaml", "json"]
PathOrFile = str | os.PathLike[str] | IO[str] | IO[bytes]

_SUFFIXES: dict[str, FileFormat] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_WIDTH = 1 << 30  # YAML line width: never wrap, so each entry is exactly one line
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load(source: PathOrFile, format: FileFormat | None = None) -> Model:
    """A model from a scenario file (a path or an open file). The format comes from the
    suffix (``.yaml``, ``.yml``, ``.json``) unless given; an unnamed file is read as YAML,
    which also reads JSON.

    A *variant file* (``{format, base, name, changes}``, DESIGN section 5) gives its base
    model (``base`` is read relative to the variant file's folder; it may be a variant
    itself) with the changes applied; the model remembers them in ``variant_of`` and
    ``changes``. See :mod:`datareach.changes`."""
    return _load(source, format, ())


def _load_path(path: Path, chain: tuple[Path, ...]) -> Model:
    """A model file named by a path, loaded while the variant files ``chain`` are."""
    return _load(path, None, chain)


def _load(source: PathOrFile, format: FileFormat | None, chain: tuple[Path, ...]) -> Model:
    name = _name_of(source)
    chosen = format or _format_of(name, default="yaml")
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
    origin = _origin_of(source)
    folder = origin.parent if origin is not None else Path.cwd()
    chain = chain if origin is None else (*chain, origin.resolve())
    return _from_text(raw, chosen, folder, chain)


def loads(
    text: str, format: FileFormat = "yaml", *, base_dir: str | os.PathLike[str] | None = None
) -> Model:
    """A model from the text of a scenario file. A variant file's relative ``base`` is
    read relative to ``base_dir`` (default: the current folder)."""
    return _from_text(text, format, Path.cwd() if base_dir is None else Path(base_dir), ())


def _from_text(text: str, format: FileFormat, folder: Path, chain: tuple[Path, ...]) -> Model:
    data = _parse(text, format)
    if data is None:
        raise ModelError("the file is empty; a scenario starts with format: datareach/1")
    if isinstance(data, Mapping) and ("base" in data or "changes" in data):
        return _load_variant(data, folder, chain)
    return Model.from_dict(data)


def _load_variant(data: Mapping[str, Any], folder: Path, chain: tuple[Path, ...]) -> Model:
    """A variant file: a base model plus changes (DESIGN section 5); ``folder`` is where
    its relative base path starts, ``chain`` the files being loaded (to refuse cycles)."""
    from .changes import variant_from_dict

    return variant_from_dict(data, folder, chain, _load_path)


def _origin_of(source: Any) -> Path | None:
    """The path of a file given by path, or by an open file that names a real file."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and Path(name).is_file():
        return Path(name)
    return None


def save(model: Model, target: PathOrFile, format: FileFormat | None = None) -> None:
    """Write a model as a scenario file (a path or an open text file). The format comes
    from the suffix unless given. A model made by changes (``model.apply``, a variant
    file) is written in full; ``dr.changes.save_variant`` writes a variant file instead."""
    chosen = format or _format_of(_name_of(target), default=None)
    text = dumps(model, chosen)
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)  # type: ignore[call-overload]


def dumps(model: Model, format: FileFormat = "yaml") -> str:
    """The text of a scenario file for ``model``."""
    if not isinstance(model, Model):
        raise ModelError(f"expected a Model to write, got {type(model).__name__}")
    data = model.to_dict()
    if format == "yaml":
        return _dump_yaml(data)
    if format == "json":
        return _dump_json(data)
    raise ModelError(f"unknown file format {format!r}; use 'yaml' or 'json'")


# -- formats ---------------------------------------------------------------------------


def _name_of(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<file>"))


def _format_of(name: str, default: FileFormat | None) -> FileFormat:
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if default is not None:
        return default
    raise ModelError(
        f"cannot tell the file format of {name!r}: name it .yaml, .yml or .json, or pass "
        f"format='yaml' or 'json'"
    )


class _StrictLoader(yaml.SafeLoader):
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


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


class _Dumper(yaml.SafeDumper):
    pass


# YAML 1.1, which PyYAML follows, reads 1.5e8 (an exponent without a dot or sign) as a
# string; scenario files mean a number, as YAML 1.2 and JSON do. The dumper learns the
# same rule so that it quotes a string such as "1e8" instead of writing a number.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
for _cls in (_StrictLoader, _Dumper):
    _cls.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))


def _parse(text: str, format: FileFormat) -> Any:
    try:
        if format == "yaml":
            return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
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


class _Entry(dict):  # type: ignore[type-arg]
    """An entry written on one line in flow style: ``- {id: CN, kind: jurisdiction}``."""


class _Inline(list):  # type: ignore[type-arg]
    """A list written on one line: ``[CN, US]``."""


_Dumper.add_representer(
    _Entry,
    lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True),
)
_Dumper.add_representer(
    str,
    # Line breaks other than \n (such as U+0085) and control characters survive only in
    # double quotes, where they are escaped; visible text keeps YAML's plain style.
    lambda dumper, data: dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style=None if data.isprintable() else '"'
    ),
)
_Dumper.add_representer(
    _Inline,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)


def _dump_yaml(data: dict[str, Any]) -> str:
    """Block style for the sections, one flow-style line per entry, dates unquoted."""
    readable: dict[str, Any] = {}
    for key, value in data.items():
        if key == "sources":
            value = {source: _Entry(_source_date(fields)) for source, fields in value.items()}
        elif key == "adversaries":
            value = _Inline(value)
        elif key in SECTIONS:
            value = [_Entry(_with_dates(entry)) for entry in value]
        readable[key] = value
    return yaml.dump(
        readable,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_WIDTH,
    )


def _source_date(fields: dict[str, Any]) -> dict[str, Any]:
    """A source's ISO ``date`` as a date, written unquoted; loading turns it back into the
    same string."""
    date = fields.get("date")
    if isinstance(date, str) and _ISO_DATE.fullmatch(date):
        try:
            return {**fields, "date": datetime.date.fromisoformat(date)}
        except ValueError:
            pass
    return fields


def _with_dates(entry: dict[str, Any]) -> dict[str, Any]:
    """A window's ISO strings as dates, which YAML writes unquoted as 2021-09-01."""
    if "window" not in entry:
        return entry
    window = [None if d is None else datetime.date.fromisoformat(d) for d in entry["window"]]
    return {**entry, "window": window}


def _dump_json(data: dict[str, Any]) -> str:
    """Indented top level, one line per entry."""
    out = io.StringIO()
    out.write("{\n")
    for i, (key, value) in enumerate(data.items()):
        out.write(f"  {json.dumps(key)}: ")
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.write("[\n")
            out.write(",\n".join(f"    {_json_line(entry)}" for entry in value))
            out.write("\n  ]")
        elif isinstance(value, dict):
            out.write("{\n")
            out.write(",\n".join(f"    {json.dumps(k)}: {_json_line(v)}" for k, v in value.items()))
            out.write("\n  }")
        else:
            out.write(_json_line(value))
        out.write(",\n" if i < len(data) - 1 else "\n")
    out.write("}\n")
    return out.getvalue()


def _json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
