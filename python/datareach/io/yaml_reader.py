"""The strict YAML reader of scenario files, built straight from libyaml's parser events.

PyYAML's loaders compose a node graph and then construct Python objects from it in pure
Python, which costs about 30 times the parse for a large scenario. Here one loop turns
the parser's events into dicts, lists and scalars, resolving each distinct plain scalar
once. The rules are those of scenario files: safe tags only, no key written twice in one
mapping, merge keys (``<<: *anchor``), the YAML 1.2 number rule (``1.5e8`` is a number),
aliases within a budget of expanded values, a bounded nesting depth, and impossible dates
(``2022-06-31``) kept as text so that the schema reports them with their entry and field.
The pure-Python parser stands in where PyYAML was built without libyaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import ModelError

# The event source: libyaml's parser, or PyYAML's pure-Python one (same events, about ten
# times slower) where PyYAML was built without libyaml. Only its events are used, never
# its constructors, so the Python parser is as safe as the C one.
PURE_PYTHON_PARSER: Any = yaml.SafeLoader
try:
    from yaml._yaml import CParser as _LibyamlParser

    PARSER: Any = _LibyamlParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    PARSER = PURE_PYTHON_PARSER

__all__ = [
    "EXPONENT_FLOAT",
    "MAX_DEPTH",
    "MAX_EXPANDED_VALUES",
    "PARSER",
    "PURE_PYTHON_PARSER",
    "YamlDocument",
    "parse_yaml",
]

# An alias repeats its anchor's whole value: ten nested aliases of ten each make 10^10
# values from a few hundred bytes. Scenario files use aliases sparingly, so the expanded
# document may hold at most this many values (a 10^6-entry model holds about 10^7).
MAX_EXPANDED_VALUES = 50_000_000
# Deep nesting serves no scenario and would exhaust the stack of whatever walks it later
# (saving, comparing, describing), so it is refused when read.
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_MAP = _TAG + "map"
_SEQ = _TAG + "seq"
_MERGE = _TAG + "merge"
# The only explicit tags a scenario file may use on a scalar; each names a plain type.
_UNKNOWN_TAG = "only the tags !!str, !!int, !!float, !!bool, !!null, !!timestamp, !!map and !!seq are allowed"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
# Python turns no longer text into an integer (sys.get_int_max_str_digits() by default).
_MAX_INT_DIGITS = 4300
# YAML 1.1, which PyYAML follows, reads 1.5e8 (an exponent without a dot or sign) as a
# string; scenario files mean a number, as YAML 1.2 and JSON do.
EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class ScalarConstructor(yaml.SafeLoader):
    """PyYAML's safe resolver and scalar constructors, used one scalar at a time."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        # An impossible date such as 2022-06-31 stays text (see the module docstring).
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


ScalarConstructor.add_constructor(_TAG + "timestamp", ScalarConstructor.construct_yaml_timestamp)
ScalarConstructor.add_implicit_resolver(_TAG + "float", EXPONENT_FLOAT, list("-+0123456789"))


@dataclass
class YamlDocument:
    """The parsed document and the line (1-based) where each entry of a section starts,
    keyed as errors name entries: ``"access[3]"``, ``"sources.buzzfeed-2022"``."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)


def _position(mark: Any) -> str:
    return "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"


def _fail(problem: str, mark: Any) -> ModelError:
    return ModelError(f"invalid YAML{_position(mark)}: {problem}")


class _Builder:
    """The state of one document being built: a stack of open collections."""

    def __init__(self) -> None:
        self.scalars = ScalarConstructor("")
        self.resolved: dict[tuple[str | None, str], Any] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.expanded = 0
        self.lines: dict[str, int] = {}

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        value = event.value
        if tag is None or tag == "!":
            if tag == "!" or not event.implicit[0]:
                return value  # quoted, or plain with the non-specific tag: text
            key = (None, value)
        elif tag in _SCALAR_TAGS:
            key = (tag, value)
        else:
            raise _fail(_UNKNOWN_TAG, event.start_mark)
        try:
            return self.resolved[key]
        except KeyError:
            pass
        node_tag = tag if tag is not None else self.scalars.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        construct = self.scalars.yaml_constructors.get(node_tag)
        if node_tag == _MERGE:
            result = _MergeKey
        elif construct is None:  # YAML 1.1's value key (=) has no meaning here: text
            result = value
        else:
            try:
                result = construct(self.scalars, yaml.ScalarNode(node_tag, value, event.start_mark, event.end_mark))
            # A constructor's own failure on explicitly tagged text: !!int abc, !!bool maybe
            # (KeyError), !!timestamp abc (AttributeError), !!float '' (IndexError).
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, yaml.YAMLError):
                if node_tag == _TAG + "int" and len(value) > _MAX_INT_DIGITS:  # Python's own limit
                    raise _fail(
                        f"an integer with too many digits (more than {_MAX_INT_DIGITS:,})", event.start_mark
                    ) from None
                raise _fail(f"a {_short(node_tag)} scalar must be {_noun(node_tag)}", event.start_mark) from None
        self.resolved[key] = result
        return result

    def check_collection_tag(self, event: Any, expected: str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag == expected:
            return
        if tag in (_MAP, _SEQ) or tag in _SCALAR_TAGS:
            kind = "mapping" if expected == _MAP else "sequence"
            raise _fail(f"a {kind} cannot carry the tag {_short(tag)}", event.start_mark)
        raise _fail(_UNKNOWN_TAG, event.start_mark)

    def count(self, values: int, mark: Any) -> None:
        self.expanded += values
        if self.expanded > MAX_EXPANDED_VALUES:
            raise _fail(f"aliases expand the document beyond {MAX_EXPANDED_VALUES:,} values", mark)


class _MergeKeyType:
    """The ``<<`` key of a merge: mappings named by it lend their keys."""

    def __repr__(self) -> str:
        return "<<"


_MergeKey: Any = _MergeKeyType()


class _OpenMapping:
    __slots__ = ("anchor", "key", "key_mark", "mark", "merged", "size", "value")

    def __init__(self, anchor: str | None, mark: Any) -> None:
        self.value: dict[Any, Any] = {}  # the keys written here; merged ones wait in merged
        self.merged: list[dict[Any, Any]] = []
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.anchor = anchor
        self.mark = mark
        self.size = 1

    def add(self, item: Any, size: int, mark: Any) -> None:
        self.size += size
        if self.key is _NO_KEY:
            try:
                hash(item)
            except TypeError:
                raise _fail("a mapping key must be a plain value, not a list or a mapping", mark) from None
            self.key, self.key_mark = item, mark
            return
        key, self.key = self.key, _NO_KEY
        if item is _MergeKey:
            item = "<<"
        if key is _MergeKey:
            self._merge(item, self.key_mark)
            return
        if key in self.value:
            raise _fail(f"key {_describe_key(key)} is written twice", self.key_mark)
        self.value[key] = item

    def _merge(self, item: Any, mark: Any) -> None:
        sources = item if isinstance(item, list) else [item]
        if not sources or not all(isinstance(source, dict) for source in sources):
            raise _fail("a merge key (<<) takes a mapping or a list of mappings", mark)
        self.merged.extend(sources)

    def close(self) -> dict[Any, Any]:
        if not self.merged:
            return self.value
        # Explicit keys win over merged ones; of the merged mappings the first wins.
        result: dict[Any, Any] = {}
        for source in reversed(self.merged):
            result.update(source)
        result.update(self.value)
        return result


class _OpenSequence:
    __slots__ = ("anchor", "mark", "size", "value")

    def __init__(self, anchor: str | None, mark: Any) -> None:
        self.value: list[Any] = []
        self.anchor = anchor
        self.mark = mark
        self.size = 1

    def add(self, item: Any, size: int, mark: Any) -> None:
        self.size += size
        self.value.append("<<" if item is _MergeKey else item)

    def close(self) -> list[Any]:
        return self.value


_NO_KEY: Any = object()


def parse_yaml(text: str) -> YamlDocument:
    """The single document in ``text`` (``None`` for an empty stream), strictly read."""
    try:
        parser = PARSER(text)  # the pure-Python reader checks every character here
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise ModelError(f"invalid YAML at line {line}, column {column}: {_problem(error)}") from None
    builder = _Builder()
    stack: list[Any] = []
    root: list[Any] = []
    documents = 0
    get_event = parser.get_event
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    record_lines = _line_recorder(builder.lines, stack)
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                value = builder.scalar(event)
                size = 1
                builder.count(1, None)
                if event.anchor is not None:
                    builder.anchors[event.anchor] = (value, 1)
            elif kind is mapping_start or kind is sequence_start:
                if len(stack) >= MAX_DEPTH:
                    raise _fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
                if kind is mapping_start:
                    builder.check_collection_tag(event, _MAP)
                    stack.append(_OpenMapping(event.anchor, event.start_mark))
                else:
                    builder.check_collection_tag(event, _SEQ)
                    stack.append(_OpenSequence(event.anchor, event.start_mark))
                builder.count(1, None)
                if len(stack) == 3:  # an entry of a section (see _line_recorder)
                    record_lines(event.start_mark)
                continue
            elif kind is mapping_end or kind is sequence_end:
                closed = stack.pop()
                value = closed.close()
                size = closed.size
                if closed.anchor is not None:
                    builder.anchors[closed.anchor] = (value, size)
                if stack:
                    stack[-1].add(value, size, closed.mark)
                else:
                    root.append(value)
                continue
            elif kind is alias_event:
                try:
                    value, size = builder.anchors[event.anchor]
                except KeyError:
                    raise _fail(
                        f"the alias *{_cut(event.anchor)} names no anchor defined before it", event.start_mark
                    ) from None
                builder.count(size, event.start_mark)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _fail("a scenario file holds a single document", event.start_mark)
                continue
            elif kind is yaml.StreamEndEvent:
                break
            else:
                continue
            if stack:
                stack[-1].add(value, size, event.start_mark)
            else:
                root.append(value)
    except yaml.YAMLError as error:
        raise ModelError(f"invalid YAML{_position(getattr(error, 'problem_mark', None))}: {_problem(error)}") from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    return YamlDocument(root[0] if root else None, builder.lines)


def _line_recorder(lines: dict[str, int], stack: list[Any]) -> Callable[[Any], None]:
    """Notes where each entry of a top-level section starts (a collection opened at depth
    two: an item of a section list, or a value of a section mapping such as ``sources``)."""

    def record(mark: Any) -> None:
        if len(stack) != 3 or mark is None:
            return
        top, section = stack[0], stack[1]
        if not isinstance(top, _OpenMapping) or not isinstance(top.key, str):
            return  # a bare change list, say: no named sections
        name = top.key
        if isinstance(section, _OpenSequence):
            lines[f"{name}[{len(section.value)}]"] = mark.line + 1
        elif isinstance(section.key, str):
            lines[f"{name}.{section.key}"] = mark.line + 1

    return record


def _short(tag: str) -> str:
    """A standard tag as written in files (only standard tags reach here)."""
    return "!!" + tag[len(_TAG) :]


def _noun(tag: str) -> str:
    return {
        _TAG + "int": "an integer",
        _TAG + "float": "a number",
        _TAG + "bool": "true or false",
        _TAG + "null": "null",
        _TAG + "timestamp": "a date",
        _TAG + "str": "text",
    }.get(tag, "valid")


def _cut(text: str, limit: int = 40) -> str:
    # Messages quote the file, and a key or an anchor name may be megabytes long.
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_key(key: Any) -> str:
    return repr(_cut(key)) if isinstance(key, str) else _cut(str(key))


def _problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    return _cut(str(problem), 200) if problem else _cut(str(error).splitlines()[0], 200)
