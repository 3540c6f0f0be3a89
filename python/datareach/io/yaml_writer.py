"""The YAML writer of scenario and variant files: keys in order, Unicode as is, block style
unless a value asks for flow style (:class:`Entry`, :class:`Inline`), lines never wrapped,
so that each entry of a section is exactly one line.

PyYAML's emitter (libyaml's where PyYAML has it, byte for byte the same) defines the
output: :func:`emit_yaml` is that reference. :func:`dump_yaml` writes the same bytes
faster: a section's entries are formatted line by line here, and only the distinct scalars
of the file go through the emitter, all in one call, because a model repeats its ids,
kinds and probabilities on many lines. An entry holding anything else (a mapping in
``attrs``, an unusual key) is left to the emitter whole.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

import yaml

from .yaml_reader import EXPONENT_FLOAT

__all__ = ["DUMPER", "PURE_PYTHON_DUMPER", "YAML_WIDTH", "Entry", "Inline", "dump_yaml", "emit_yaml"]

YAML_WIDTH = 1 << 30  # YAML line width: never wrap, so each entry is exactly one line


class Entry(dict):  # type: ignore[type-arg]
    """An entry written on one line in flow style: ``- {id: CN, kind: jurisdiction}``."""


class Inline(list):  # type: ignore[type-arg]
    """A list written on one line: ``[CN, US]``."""


def _dumper(base: type[Any]) -> type[Any]:
    """A YAML dumper on ``base`` (libyaml's emitter or PyYAML's) writing as datareach does."""

    class Dumper(base):  # type: ignore[misc]
        pass

    # The YAML 1.2 number rule of the reader: a string such as "1e8" is quoted, not
    # written as a number.
    Dumper.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+0123456789"))
    Dumper.add_representer(
        Entry,
        lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True),
    )
    Dumper.add_representer(
        str,
        # Line breaks other than \n (such as U+0085) and control characters survive only in
        # double quotes, where they are escaped; visible text keeps YAML's plain style.
        # Either way a string stays on one line, which dump_yaml relies on.
        lambda dumper, data: dumper.represent_scalar(
            "tag:yaml.org,2002:str", data, style=None if data.isprintable() else '"'
        ),
    )
    Dumper.add_representer(
        Inline,
        lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
    )
    return Dumper


PURE_PYTHON_DUMPER = _dumper(yaml.SafeDumper)
# libyaml's emitter, three times faster, where PyYAML was built with it.
DUMPER = _dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper))


def emit_yaml(payload: Any) -> str:
    """The reference text of ``payload``: PyYAML's emitter alone."""
    return yaml.dump(
        payload,
        Dumper=DUMPER,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=YAML_WIDTH,
    )


# Keys written plain in any context: a letter, then letters, digits and underscores, and
# none of the words YAML 1.1 reads as a boolean or null.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
# Exactly these types (a subclass may be represented otherwise: the emitter takes it).
_SCALARS = frozenset({str, int, float, bool, type(None), datetime.date})


class _NotSimple(Exception):
    """An entry :func:`dump_yaml` leaves to the emitter."""


def dump_yaml(payload: Any) -> str:
    """YAML text as datareach writes it: the bytes :func:`emit_yaml` writes, faster."""
    if isinstance(payload, list) and _is_entry_list(payload):
        return _Writer().sections([(None, payload)])
    if not isinstance(payload, dict) or not payload:
        return emit_yaml(payload)
    # Top-level keys keep their order: runs of other keys go to the emitter as they come.
    parts: list[tuple[str | None, Any]] = []
    others: dict[str, Any] = {}
    for key, value in payload.items():
        if _is_entry_list(value) and isinstance(key, str) and _is_plain_key(key):
            if others:
                parts.append((None, others))
                others = {}
            parts.append((key, value))
        else:
            others[key] = value
    if others:
        parts.append((None, others))
    return _Writer().sections(parts)


def _is_entry_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(type(entry) is Entry for entry in value)


def _is_plain_key(key: str) -> bool:
    return _PLAIN_KEY.fullmatch(key) is not None and key.lower() not in _SPECIAL_WORDS


class _Writer:
    def __init__(self) -> None:
        self.values: dict[tuple[type, Any], Any] = {}  # each distinct scalar, by its marker
        self.scalars: dict[tuple[type, Any], str] = {}  # its text, once rendered
        self.plain_keys: dict[Any, bool] = {}  # keys repeat on every line: checked once each

    def sections(self, parts: list[tuple[str | None, Any]]) -> str:
        """Each part: (key, entries) for a section of entries (key None: a bare list), or
        (None, mapping) for other top-level keys."""
        lines = {id(entries): self._lines(entries) for key, entries in parts if isinstance(entries, list)}
        self._render_scalars()
        out: list[str] = []
        for key, value in parts:
            if not isinstance(value, list):
                out.append(emit_yaml(value))
                continue
            if key is not None:
                out.append(f"{key}:\n")
            out.extend(f"- {self._line(line)}\n" for line in lines[id(value)])
        return "".join(out)

    def _lines(self, entries: Iterable[Entry]) -> list[Any]:
        """Each entry as its fields and values (scalars noted for rendering), or as the
        emitter's own line when not simple."""
        result: list[Any] = []
        for entry in entries:
            try:
                result.append([(self._key(key), self._value(value)) for key, value in entry.items()])
            except _NotSimple:
                result.append(emit_yaml([entry])[2:-1])  # "- {...}\n": the entry's own text
        return result

    def _key(self, key: Any) -> str:
        plain = self.plain_keys.get(key)
        if plain is None:
            plain = self.plain_keys[key] = isinstance(key, str) and _is_plain_key(key)
        if not plain:
            raise _NotSimple
        return key  # type: ignore[no-any-return]  # a str, checked above

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            # 1, 1.0 and True are equal in Python, and so are 0.0 and -0.0, but each is
            # written differently; NaN is not equal to itself: floats go by their repr.
            marker = (float, repr(value)) if kind is float else (kind, value)
            self.values.setdefault(marker, value)
            return marker
        if kind is list or kind is Inline:
            return [self._value(item) for item in value]
        raise _NotSimple

    def _render_scalars(self) -> None:
        """Every distinct scalar, rendered by the emitter in one call, as a flow-sequence
        item (the context of a value in an entry: plain where YAML allows, else quoted)."""
        if not self.values:
            return
        rendered = emit_yaml([Inline([value]) for value in self.values.values()]).split("\n")
        for marker, line in zip(self.values, rendered):
            self.scalars[marker] = line[3:-1]  # "- [value]"

    def _line(self, line: Any) -> str:
        if isinstance(line, str):
            return line
        fields = ", ".join(f"{key}: {self._text(value)}" for key, value in line)
        return "{" + fields + "}"

    def _text(self, value: Any) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(self._text(item) for item in value) + "]"
        return self.scalars[value]
