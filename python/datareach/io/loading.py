"""Loading model files by path or open file: a plain scenario, or a variant file whose
chain of bases is followed to a plain scenario and whose changes are then applied, the
innermost first (docs/design.md §5).

The chain is followed in a loop, not by recursion, so a long chain cannot exhaust the
stack, and an error names the file of the chain that is wrong. A base is another file the
loader opens on the file's say, so a variant file (perhaps uploaded to a service) must not
be able to make it read, or quote, any file of the host: a base lies in the variant file's
folder unless the caller allows otherwise, and a base that is not a datareach scenario is
reported by its path alone, never by its content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..changes.convert import from_dicts
from ..changes.types import Change
from ..errors import ModelError, cut, did_you_mean, key_text, quote
from ..model import Model
from ..model.fields import FORMAT
from ..model.values import check_text, describe
from .files import DEFAULT_MAX_BYTES, MAX_SHOWN_PATH, name_of, origin_of, read_text, shown_path
from .formats import FileFormat, Parsed, format_of, parse_document

__all__ = ["MAX_VARIANT_CHAIN", "VARIANT_FIELDS", "LoadLimits", "load_file", "model_from_parsed", "resolve_base"]

# Top-level fields of a variant file, in the order they are written.
VARIANT_FIELDS = ("format", "base", "name", "changes")
# Far more variants on variants than any analysis builds by hand; a longer chain is a
# mistake or an attack, refused before it costs a file read per link.
MAX_VARIANT_CHAIN = 1000


@dataclass(frozen=True)
class LoadLimits:
    """What a load may read: files of at most ``max_bytes``; bases outside the folder of
    the variant file naming them only with ``allow_outside_base``."""

    max_bytes: int = DEFAULT_MAX_BYTES
    allow_outside_base: bool = False


@dataclass
class _Link:
    """One variant file of a chain: what it changes, and how errors name it."""

    parsed: Parsed
    label: str | None  # None for the file the caller named
    changes: list[Change]
    name: str | None


def load_file(source: Any, format: FileFormat | None, limits: LoadLimits) -> Model:
    """The model of a file (a path or an open file). The format comes from the name unless
    given (YAML, which also reads JSON, for an unnamed file)."""
    chosen = format or format_of(name_of(source), default="yaml")
    parsed = parse_document(read_text(source, limits.max_bytes), chosen)
    origin = origin_of(source)
    folder = origin.parent if origin is not None else Path.cwd()
    return model_from_parsed(parsed, folder, origin, limits)


def model_from_parsed(parsed: Parsed, folder: Path, origin: Path | None, limits: LoadLimits) -> Model:
    """The model of a parsed file: a scenario, or a variant whose relative base is read
    from ``folder``. ``origin``: the file's own path, if it has one (to refuse a cycle)."""
    chain: list[Path] = [] if origin is None else [origin.resolve()]
    links: list[_Link] = []
    label: str | None = None
    while _is_variant(parsed.data):
        if len(links) >= MAX_VARIANT_CHAIN:
            raise _blame(
                label, ModelError(f"more than {MAX_VARIANT_CHAIN} variant files in a chain of bases", where="base")
            )
        try:
            base, changes, name = _variant_parts(parsed.data)
        except ModelError as error:
            raise _blame(label, parsed.locate(error)) from None
        links.append(_Link(parsed, label, changes, name))
        try:
            base_path = resolve_base(folder, base, limits, chain)
        except ModelError as error:
            raise _blame(label, error) from None
        label = base if len(links) == 1 else str(base_path)
        chain.append(base_path)
        parsed = _read_base(base_path, label, limits)
        folder = base_path.parent
    model = _plain_model(parsed, label)
    if links:
        model._variant_of = str(chain[-1])  # the first plain model down the chain
    for link in reversed(links):
        try:
            model = model.apply(link.changes)
        except ModelError as error:
            raise _blame(link.label, link.parsed.locate(error)) from None
        if link.name is not None:
            model.name = link.name
    return model


def _is_variant(data: Any) -> bool:
    return isinstance(data, Mapping) and ("base" in data or "changes" in data)


def _plain_model(parsed: Parsed, label: str | None) -> Model:
    if parsed.data is None:
        raise _blame(label, ModelError("the file is empty; a scenario starts with format: datareach/1"))
    try:
        return Model.from_dict(parsed.data)
    except ModelError as error:
        raise _blame(label, parsed.locate(error)) from None


def _blame(label: str | None, error: ModelError) -> ModelError:
    """``error`` as raised by the file ``label`` of a chain (None: the file loaded)."""
    if label is None:
        return error
    return ModelError(f"in base file {quote(label, MAX_SHOWN_PATH)}: {error}", where="base")


def resolve_base(folder: Path, base: str, limits: LoadLimits, chain: list[Path] | tuple[()] = ()) -> Path:
    """The real path of a variant file's base, refused when it makes a cycle with the
    files being loaded (``chain``) or, unless allowed, lies outside ``folder``."""
    path = (folder / base).resolve()  # symlinks and .. resolved: where the file really is
    if path in chain:
        raise ModelError(f"variant files form a cycle: {_cycle(chain[chain.index(path) :], path)}", where="base")
    if not limits.allow_outside_base and not path.is_relative_to(folder.resolve()):
        raise ModelError(
            f"{quote(base, MAX_SHOWN_PATH)} lies outside the folder of the variant file ({shown_path(folder.resolve())}); "
            f"pass allow_outside_base=True to allow it",
            where="base",
        )
    return path


def _cycle(files: Sequence[Path], back: Path) -> str:
    """``a.yaml → b.yaml → a.yaml``; a long cycle by its ends and its length."""
    names = [cut(p.name) for p in (*files, back)]
    if len(names) > 6:
        names = [*names[:3], f"… ({len(files) - 4:,} more) …", *names[-2:]]
    return " → ".join(names)


_SYNTAX_POSITION = re.compile(r"invalid (YAML|JSON)(?: at (line \d+))?")


def _read_base(path: Path, label: str, limits: LoadLimits) -> Parsed:
    """A base file, parsed; a file that is not a datareach scenario (a host's file named
    as a base) is reported by its path alone: no message quotes its content."""
    text = _blame_read(label, path, limits)
    try:
        parsed = parse_document(text, format_of(path.name, default="yaml"))
    except ModelError as error:
        match = _SYNTAX_POSITION.match(str(error))
        detail = "unreadable" if match is None else " at ".join(filter(None, ("invalid " + match[1], match[2])))
        raise _blame(label, ModelError(f"is not a datareach scenario file ({detail})")) from None
    data = parsed.data
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise _blame(label, ModelError(f"is not a datareach scenario file (it does not start with format: {FORMAT})"))
    return parsed


def _blame_read(label: str, path: Path, limits: LoadLimits) -> str:
    try:
        return read_text(path, limits.max_bytes)
    except ModelError as error:
        raise _blame(label, error) from None


def _variant_parts(data: Mapping[str, Any]) -> tuple[str, list[Change], str | None]:
    """The base, changes and name of a variant file's mapping, checked."""
    for key in data:
        if key not in VARIANT_FIELDS:
            raise ModelError(
                f"unknown field of a variant file{did_you_mean(key, VARIANT_FIELDS)}; a "
                f"variant file has {', '.join(VARIANT_FIELDS)}",
                where=key_text(key),
            )
    if "format" not in data:
        raise ModelError(f"missing; write format: {FORMAT} first", where="format")
    if data["format"] != FORMAT:
        raise ModelError(f"unsupported format {describe(data['format'])}; expected {FORMAT!r}", where="format")
    if data.get("base") is None:
        raise ModelError("missing: the path of the base model file", where="base")
    base = data["base"]
    if not isinstance(base, str) or not base.strip():
        raise ModelError(f"must be the path of the base model file, got {describe(base)}", where="base")
    if "\0" in base:
        raise ModelError("must be the path of the base model file: a path cannot contain a NUL character", where="base")
    if "changes" not in data:
        raise ModelError("missing: the list of changes (may be empty)", where="changes")
    changes = from_dicts(data["changes"] if data["changes"] is not None else [])
    name = data.get("name")
    if name is not None:
        name = check_text(name, "name")
    return base, changes, name
