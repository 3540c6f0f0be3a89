"""Lists of ids written in one cell of a table, ``a; b`` (docs/scenario-format.md,
"Spreadsheets"): the form of ``classes``, ``requires`` and ``components`` in spreadsheets,
CSV files and bulk DataFrames (``Model.add_arcs`` and its siblings), and of the default
adversaries in a spreadsheet's ``model`` sheet.

Items are separated by ``;``; spaces around an item are dropped (an id never starts or ends
with a space). An id may itself hold ``;`` or ``\\``: in a cell they are written ``\\;`` and
``\\\\``. A backslash before any other character is an ordinary character, so ids such as
``dept\\eng`` can be typed as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LIST_SEPARATOR", "join_list_cell", "split_list_cell"]

# What the writers put between two items; readers split on ";" alone.
LIST_SEPARATOR = "; "
_ESCAPE = "\\"
_SEPARATOR = ";"


def join_list_cell(ids: Iterable[str]) -> str:
    """The cell text of a list of ids: ``a; b``, with ``;`` and ``\\`` in an id escaped."""
    return LIST_SEPARATOR.join(
        item.replace(_ESCAPE, _ESCAPE + _ESCAPE).replace(_SEPARATOR, _ESCAPE + _SEPARATOR) for item in ids
    )


def split_list_cell(text: str) -> list[str]:
    """The ids of a list cell (the inverse of :func:`join_list_cell`). Raises ValueError
    for an empty item (``a; ; b``, a trailing ``;`` or a cell of spaces): every item names
    an id."""
    items: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == _ESCAPE and i + 1 < len(text) and text[i + 1] in (_ESCAPE, _SEPARATOR):
            current.append(text[i + 1])
            i += 2
            continue
        if char == _SEPARATOR:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    items.append("".join(current))
    stripped = [item.strip() for item in items]
    if any(not item for item in stripped):
        position = next(i for i, item in enumerate(stripped) if not item) + 1
        raise ValueError(
            f"item {position} of the list is empty: write ids separated by ';' (such as 'a; b'), no empty items"
        )
    return stripped
