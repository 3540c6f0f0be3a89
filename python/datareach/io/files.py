"""Reading and writing the bytes of datareach files, safely.

Reading takes regular files only, within a size limit: a service that loads what users
name or upload must not hang on a FIFO, stream ``/dev/zero`` forever or read a folder.
Writing goes to a temporary file in the target's folder, renamed over the target once
complete, so that a full disk or a crash never leaves a truncated file where a good one
was. Every failure is a :class:`ModelError` naming the path.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import IO, Any

from ..errors import ModelError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_SHOWN_PATH",
    "PathOrFile",
    "is_path",
    "name_of",
    "origin_of",
    "read_bytes",
    "read_text",
    "shown_path",
    "write_bytes",
    "write_text",
]

# bytes are a path, as for open(): b"scenario.yaml" names a file, it is not its content.
PathOrFile = str | bytes | os.PathLike[str] | IO[str] | IO[bytes]

# Far above any real scenario (10^6 entries take about 80 MB) and far below what would
# exhaust memory once parsed.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Messages name a path, which a variant file may have written (its base): a long one is
# shown by its end, where the file's name is.
MAX_SHOWN_PATH = 200


def shown_path(path: Any) -> str:
    """A path as messages show it: its last ``MAX_SHOWN_PATH`` characters, escaped as a
    Python string when it holds characters that cannot be shown as they are."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    if len(text) > MAX_SHOWN_PATH:
        text = "…" + text[-(MAX_SHOWN_PATH - 1) :]
    return text if text.isprintable() else repr(text)


def is_path(source: Any) -> bool:
    return isinstance(source, (str, bytes, os.PathLike))


def _path(source: str | bytes | os.PathLike[str]) -> Path:
    name = os.fsdecode(source)
    if "\0" in name:
        raise ModelError(f"cannot use the path {shown_path(name)}: a path cannot contain a NUL character")
    return Path(name)


def name_of(source: Any) -> str:
    if is_path(source):
        return os.fsdecode(source)
    return str(getattr(source, "name", "<file>"))


def origin_of(source: Any) -> Path | None:
    """The path of a file given by path, or by an open file that names a real file."""
    if is_path(source):
        return _path(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and "\0" not in name and Path(name).is_file():
        return Path(name)
    return None


def read_text(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of a file given by path or as an open (text or binary) file, at most
    ``max_bytes`` long (characters for a text stream); bytes must be UTF-8. A leading
    UTF-8 byte order mark is dropped."""
    if is_path(source):
        raw: str | bytes = _read_regular_file(_path(source), max_bytes)
    elif callable(getattr(source, "read", None)):
        raw = source.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise ModelError(f"cannot read {shown_path(name_of(source))}: {_too_large(max_bytes)}")
    else:
        raise ModelError(f"source: expected the path of a file or an open file, got {type(source).__name__}")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ModelError(
                f"{shown_path(name_of(source))} is not UTF-8 text: {error.reason} at byte {error.start}"
            ) from None
    elif not isinstance(raw, str):
        raise ModelError(f"source: reading it gave {type(raw).__name__}, not text or bytes")
    return raw.removeprefix("\ufeff")


def read_bytes(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file given by path or as an open binary file, at most ``max_bytes``
    long; regular files only (as :func:`read_text`)."""
    if is_path(source):
        return _read_regular_file(_path(source), max_bytes)
    if not callable(getattr(source, "read", None)):
        raise ModelError(f"source: expected the path of a file or an open file, got {type(source).__name__}")
    raw = source.read(max_bytes + 1)
    if not isinstance(raw, (bytes, bytearray)):
        raise ModelError(f"cannot read {shown_path(name_of(source))}: open it in binary mode ('rb')")
    if len(raw) > max_bytes:
        raise ModelError(f"cannot read {shown_path(name_of(source))}: {_too_large(max_bytes)}")
    return bytes(raw)


def _too_large(max_bytes: int) -> str:
    return f"larger than the limit of {max_bytes:,} bytes (pass a larger max_bytes= to dr.load)"


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    # Checked before opening: opening a device or a FIFO can block or have effects.
    try:
        _check_regular(path, os.stat(path), max_bytes)
        # Non-blocking: should the path become a FIFO after the check, open cannot hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise ModelError(f"cannot read {shown_path(path)}: {error.strerror or error}") from error
    try:
        with os.fdopen(fd, "rb") as handle:
            _check_regular(path, os.fstat(handle.fileno()), max_bytes)
            data = handle.read(max_bytes + 1)  # the file may have grown since the check
    except OSError as error:
        raise ModelError(f"cannot read {shown_path(path)}: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise ModelError(f"cannot read {shown_path(path)}: {_too_large(max_bytes)}")
    return data


def _check_regular(path: Path, info: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"cannot read {shown_path(path)}: {_kind(info.st_mode)}, not a regular file")
    if info.st_size > max_bytes:
        raise ModelError(f"cannot read {shown_path(path)}: the file is {info.st_size:,} bytes, {_too_large(max_bytes)}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if stat.S_ISFIFO(mode):
        return "it is a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    return "it is a special file"


def write_text(target: Any, text: str) -> None:
    """Write ``text`` as UTF-8 to a path, replacing the file only once it is complete, or
    to an open text file."""
    if not is_path(target):
        if not callable(getattr(target, "write", None)):
            raise ModelError(f"target: expected the path of a file or an open file, got {type(target).__name__}")
        target.write(text)
        return
    _write_path(_path(target), text.encode("utf-8"))


def write_bytes(target: Any, data: bytes) -> None:
    """Write ``data`` to a path, replacing the file only once it is complete, or to an
    open binary file."""
    if not is_path(target):
        if not callable(getattr(target, "write", None)):
            raise ModelError(f"target: expected the path of a file or an open file, got {type(target).__name__}")
        try:
            target.write(data)
        except TypeError:
            raise ModelError(f"cannot write {shown_path(name_of(target))}: open it in binary mode ('wb')") from None
        return
    _write_path(_path(target), data)


def _write_path(path: Path, data: bytes) -> None:
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise ModelError(f"cannot write {shown_path(path)}: {error.strerror or error}") from error
    try:
        if info is not None and not stat.S_ISREG(info.st_mode):
            # A device or a pipe (/dev/stdout): no file to protect, and none to rename over.
            with open(path, "wb") as handle:
                handle.write(data)
        else:
            _replace_atomically(Path(os.path.realpath(path)), data, info)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and not path.parent.is_dir():
            raise ModelError(
                f"cannot write {shown_path(path)}: the folder {shown_path(path.parent)} does not exist"
            ) from error
        raise ModelError(f"cannot write {shown_path(path)}: {error.strerror or error}") from error


def _replace_atomically(path: Path, data: bytes, info: os.stat_result | None) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # Mode 0o666 less the umask, as for any new file; an existing file keeps its mode.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
        if info is not None:
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
