"""The strict JSON reader of scenario files: no key written twice in one object, errors
with their line and column, and the line where each entry of a section starts.

Python's ``json`` module parses fast but says nothing about where an object's keys were.
The positions are needed only when something is wrong, so a second, slower scan of the
text (:func:`scan_json`) finds them then: the duplicate key, or the entry an error names.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from ..errors import ModelError

__all__ = ["entry_lines", "parse_json", "position"]

_TOKEN = re.compile(r'["{}\[\],:]')


class _DuplicateKey(Exception):
    pass


def position(text: str, offset: int) -> str:
    """``line L, column C`` (1-based) of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def parse_json(text: str) -> Any:
    text = text.removeprefix("\ufeff")  # as a UTF-8 editor may write it, and YAML allows
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        duplicate = scan_json(text).duplicate
        if duplicate is None:  # pragma: no cover - the scan finds what the parser found
            raise ModelError(f"invalid JSON: key {error.args[0]!r} is written twice") from None
        offset, key = duplicate
        raise ModelError(f"invalid JSON at {position(text, offset)}: key {_cut(key)!r} is written twice") from None
    except json.JSONDecodeError as error:
        raise ModelError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {_problem(error, text)}"
        ) from None
    except RecursionError:
        raise ModelError("invalid JSON: nested too deeply") from None
    except ValueError:  # Python's own limit on the digits of an integer (4,300 by default)
        raise ModelError("invalid JSON: an integer with too many digits (more than 4,300)") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _problem(error: json.JSONDecodeError, text: str) -> str:
    # json says "Invalid control character at" for a raw control character in a string.
    if error.msg.startswith("Invalid control character") and error.pos < len(text):
        return f"a control character (U+{ord(text[error.pos]):04X}) inside a string; write it escaped"
    return error.msg


def _cut(text: str, limit: int = 40) -> str:
    # A key may be megabytes long; a message quotes its start.
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Scan:
    def __init__(self) -> None:
        self.duplicate: tuple[int, str] | None = None
        self.offsets: dict[str, int] = {}  # where each entry of a section starts


def scan_json(text: str, stop_at_duplicate: bool = True) -> _Scan:
    """Walk the structure of (parseable) JSON text: the first key written twice in one
    object, by offset, and the line of each entry of a top-level section, keyed as errors
    name entries (``access[3]``, ``sources.buzzfeed-2022``)."""
    scan = _Scan()
    # One frame per open container: [keys seen (None for an array), items so far, key].
    stack: list[list[Any]] = []
    expect_key = False
    offset = 0
    while (match := _TOKEN.search(text, offset)) is not None:
        char, start = match.group(), match.start()
        offset = start + 1
        if char == '"':
            value, offset = scanstring(text, start + 1)
            if expect_key:
                keys = stack[-1][0]
                if value in keys and scan.duplicate is None:
                    scan.duplicate = (start, value)
                    if stop_at_duplicate:
                        return scan
                keys.add(value)
                stack[-1][2] = value
                expect_key = False
        elif char in "{[":
            _note_value(stack, start, scan.offsets)
            stack.append([set() if char == "{" else None, 0, None])
            expect_key = char == "{"
        elif char in "}]":
            if stack:
                stack.pop()
            expect_key = False
        elif char == ",":
            if stack:
                stack[-1][1] += 1
            expect_key = bool(stack) and stack[-1][0] is not None
    return scan


def _note_value(stack: list[list[Any]], start: int, offsets: dict[str, int]) -> None:
    """Record the offset of a container that starts an entry of a top-level section (a
    scalar, such as an adversary's id, is not an entry with fields: YAML records none)."""
    if len(stack) != 2 or stack[0][0] is None:
        return
    section, container = stack[0][2], stack[1]
    if not isinstance(section, str):
        return
    if container[0] is None:
        offsets.setdefault(f"{section}[{container[1]}]", start)
    elif container[2] is not None:
        offsets.setdefault(f"{section}.{container[2]}", start)


def entry_lines(text: str) -> dict[str, int]:
    """The line (1-based) where each entry of a top-level section starts (see
    :func:`scan_json`)."""
    text = text.removeprefix("\ufeff")
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for name, offset in scan_json(text, stop_at_duplicate=False).offsets.items():  # in text order
        line += text.count("\n", counted, offset)
        counted = offset
        lines[name] = line
    return lines
