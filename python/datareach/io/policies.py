"""Policy files (docs/design.md §5a): ``{format: datareach-policy/1, rules: [...]}``, read with
the strict YAML and JSON readers and the bounded reads of scenario and variant files.

A rule is a mapping with one key, its kind, whose value holds its fields::

    rules:
      - never_reaches: {adversary: beijing_master_admin, class: phone_numbers}
      - max_exposure: {from_region: CN, class: phone_numbers, probability: 0.1, at: 2024-01-01}
      - only_via: {from_region: CN, class: birthdays, through: [usds_gateway, oracle_texas]}

Reading checks what a policy can check alone (fields, types, ranges, dates); whether its
ids exist is checked against the model by ``dr.check``. Every error names the rule and
field as the file does, with the file and the line of the rule when read from a file:
``policy.yaml: rules[2] (line 9).max_exposure.probability: must be a number from 0 to 1,
got 1.5``. Values from the file are described within a budget, never echoed whole.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ..dates import to_day, to_iso
from ..errors import MAX_QUOTED, ModelError, cut, describe, did_you_mean, quote
from ..model.fields import FORMAT
from ..model.values import check_name, check_text, is_number, region_problem
from .files import DEFAULT_MAX_BYTES, PathOrFile, name_of, read_text
from .formats import FileFormat, format_of, parse_document
from .json_reader import entry_lines

__all__ = [
    "POLICY_FIELDS",
    "POLICY_FORMAT",
    "RULE_FIELDS",
    "RULE_KINDS",
    "Policy",
    "PolicyRule",
    "load_policy",
    "loads_policy",
]

POLICY_FORMAT = "datareach-policy/1"
# Top-level fields of a policy file, in the order they are written.
POLICY_FIELDS = ("format", "name", "rules")
# The fields of each kind of rule, in the order they are written.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "never_reaches": ("adversary", "from_region", "class", "at", "note"),
    "max_exposure": ("adversary", "from_region", "class", "probability", "at", "note"),
    "only_via": ("adversary", "from_region", "class", "through", "at", "note"),
}
RULE_KINDS: tuple[str, ...] = tuple(RULE_FIELDS)
_EXAMPLE = "{never_reaches: {adversary: ID, class: ID}}"


def _key_text(key: Any) -> str:
    """A mapping key as a location names it: short text as it is, anything else described."""
    return key if isinstance(key, str) and len(key) <= MAX_QUOTED else describe(key)


@dataclasses.dataclass(frozen=True)
class PolicyRule:
    """One rule of a policy, checked on construction.

    ``kind``: ``never_reaches`` (the class must not be possibly reachable),
    ``max_exposure`` (its exposure probability P(X > 0) must not exceed ``probability``) or
    ``only_via`` (every possible path to a store holding it must pass a node of
    ``through``). Exactly one of ``adversary`` (a node id) and ``from_region`` (every node
    located in the region or below it). ``at`` (a date) overrides the date of the check;
    ``note`` is carried into the report. Errors name ``kind.field``; a policy names the
    rule too (``rules[2].max_exposure.probability``)."""

    kind: str
    data_class: str
    adversary: str | None = None
    from_region: str | None = None
    probability: float | None = None
    through: tuple[str, ...] = ()
    at: str | None = None
    note: str | None = None
    # The line of the file the rule starts on (for messages); not part of its value.
    line: int | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        set_field = object.__setattr__
        if not isinstance(self.kind, str) or self.kind not in RULE_FIELDS:
            shown = self.kind if isinstance(self.kind, str) else ""
            raise ModelError(
                f"unknown rule kind {describe(self.kind)}{did_you_mean(shown, RULE_KINDS)}; "
                f"a rule is one of {', '.join(RULE_KINDS)}",
                where="kind",
            )
        kind = self.kind
        set_field(self, "data_class", check_name(self.data_class, f"{kind}.class"))
        if (self.adversary is None) == (self.from_region is None):
            if self.adversary is None:
                raise ModelError("needs adversary (a node id) or from_region (a region)", where=kind)
            raise ModelError("give adversary or from_region, not both", where=f"{kind}.from_region")
        if self.adversary is not None:
            set_field(self, "adversary", check_name(self.adversary, f"{kind}.adversary"))
        if self.from_region is not None:
            region = self.from_region
            reason = f"must be a region such as 'CN', got {describe(region)}"
            if isinstance(region, str):
                reason = region_problem(region) or ""
            if reason:
                raise ModelError(reason, where=f"{kind}.from_region")
        set_field(self, "probability", self._limit())
        set_field(self, "through", self._through())
        if self.at is not None:
            set_field(self, "at", to_iso(to_day(self.at, where=f"{kind}.at")))
        if self.note is not None:
            set_field(self, "note", check_text(self.note, f"{kind}.note"))

    def _limit(self) -> float | None:
        where = f"{self.kind}.probability"
        value = self.probability
        if self.kind != "max_exposure":
            if value is not None:
                raise ModelError(f"only a max_exposure rule has a probability; {self.kind} has none", where=where)
            return None
        if value is None:
            raise ModelError("missing: the most exposure probability allowed, from 0 to 1", where=where)
        if not is_number(value) or not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value <= 1:
            raise ModelError(f"must be a number from 0 to 1, got {describe(value)}", where=where)
        return float(value)

    def _through(self) -> tuple[str, ...]:
        where = f"{self.kind}.through"
        value: Any = self.through
        if self.kind != "only_via":
            if value:
                raise ModelError(f"only an only_via rule has through; {self.kind} has none", where=where)
            return ()
        if value is None or (isinstance(value, (list, tuple)) and not value):
            raise ModelError(
                "missing: the list of nodes every path must pass (an empty list would be never_reaches)", where=where
            )
        if not isinstance(value, (list, tuple)):
            raise ModelError(f"must be a list of node ids, got {describe(value)}", where=where)
        nodes: list[str] = []
        for i, node in enumerate(value):
            node = check_name(node, f"{where}[{i}]")
            if node in nodes:
                raise ModelError(
                    f"{quote(node)} is listed twice (also {where}[{nodes.index(node)}])", where=f"{where}[{i}]"
                )
            nodes.append(node)
        return tuple(nodes)

    @property
    def limit(self) -> float:
        """The most exposure probability the rule allows: ``probability`` for max_exposure,
        0 for the others (which are decided by possible reach, docs/design.md §2.6)."""
        return 0.0 if self.probability is None else self.probability

    def fields(self) -> dict[str, Any]:
        """The rule's fields as a policy file writes them (``class``, not ``data_class``)."""
        fields: dict[str, Any] = {}
        if self.adversary is not None:
            fields["adversary"] = self.adversary
        if self.from_region is not None:
            fields["from_region"] = self.from_region
        fields["class"] = self.data_class
        if self.probability is not None:
            fields["probability"] = self.probability
        if self.through:
            fields["through"] = list(self.through)
        if self.at is not None:
            fields["at"] = self.at
        if self.note is not None:
            fields["note"] = self.note
        return fields

    def to_dict(self) -> dict[str, Any]:
        """``{kind: fields}``, as a policy file writes the rule."""
        return {self.kind: self.fields()}

    @classmethod
    def from_dict(cls, data: Any, *, line: int | None = None) -> PolicyRule:
        """A rule from its mapping ``{kind: {field: value, ...}}``; errors name ``kind.field``."""
        if not isinstance(data, Mapping):
            raise ModelError(f"must be a mapping such as {_EXAMPLE}, got {describe(data)}")
        if len(data) != 1:
            kinds = ", ".join(_key_text(k) for k in list(data)[:5]) if data else "none"
            raise ModelError(f"a rule is a mapping of one kind to its fields, such as {_EXAMPLE}; got keys: {kinds}")
        ((kind, fields),) = data.items()
        if not isinstance(kind, str) or kind not in RULE_FIELDS:
            suggestion = did_you_mean(kind, RULE_KINDS) if isinstance(kind, str) else ""
            raise ModelError(
                f"unknown rule kind{suggestion}; a rule is one of {', '.join(RULE_KINDS)}", where=_key_text(kind)
            )
        if fields is None:
            fields = {}
        if not isinstance(fields, Mapping):
            raise ModelError(f"must be a mapping of the rule's fields, got {describe(fields)}", where=kind)
        allowed = RULE_FIELDS[kind]
        for key in fields:
            if key not in allowed:
                suggestion = did_you_mean(key, allowed) if isinstance(key, str) else ""
                raise ModelError(
                    f"unknown field of a {kind} rule{suggestion}; {kind} has {', '.join(allowed)}",
                    where=f"{kind}.{_key_text(key)}",
                )
        if "class" not in fields:
            raise ModelError("missing: the id of the class the rule is about", where=f"{kind}.class")
        return cls(
            kind,
            fields["class"],
            adversary=fields.get("adversary"),
            from_region=fields.get("from_region"),
            probability=fields.get("probability"),
            through=fields.get("through", () if kind != "only_via" else None),
            at=fields.get("at"),
            note=fields.get("note"),
            line=line,
        )


@dataclasses.dataclass(frozen=True)
class Policy:
    """A list of rules that a model must satisfy, checked by ``dr.check``.

    Build one with ``dr.load_policy(path)``, ``Policy.from_dict(mapping)`` (what a policy
    file holds) or ``Policy([PolicyRule(...), ...])``. A policy has at least one rule: an
    empty one would pass every model, which is never what a check means. ``source`` is
    the file it was read from (messages name it); it is not part of the policy's value."""

    rules: Sequence[PolicyRule]
    name: str | None = None
    source: str | None = dataclasses.field(default=None, compare=False)
    format: ClassVar[str] = POLICY_FORMAT

    def __post_init__(self) -> None:
        rules: Any = self.rules
        if isinstance(rules, (str, bytes, Mapping)) or not isinstance(rules, Iterable):
            raise ModelError(f"must be a list of rules, got {describe(rules)}", where="rules")
        listed = tuple(rules)
        for i, rule in enumerate(listed):
            if not isinstance(rule, PolicyRule):
                raise ModelError(f"expected a PolicyRule, got {describe(rule)}", where=f"rules[{i}]")
        if not listed:
            raise ModelError(
                "empty: a policy needs at least one rule (an empty policy would pass any model)", where="rules"
            )
        object.__setattr__(self, "rules", listed)
        if self.name is not None:
            object.__setattr__(self, "name", check_text(self.name, "name"))

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None, lines: Mapping[str, int] | None = None) -> Policy:
        """A policy from its mapping ``{format, name, rules}``. ``source`` (the file's name)
        and ``lines`` (the line each ``rules[i]`` starts on) only locate errors."""
        try:
            return cls._from_dict(data, source, lines or {})
        except ModelError as error:
            raise _in_file(error, source, lines or {}) from None

    @classmethod
    def _from_dict(cls, data: Any, source: str | None, lines: Mapping[str, int]) -> Policy:
        if data is None:
            raise ModelError(f"the file is empty; a policy starts with format: {POLICY_FORMAT}")
        if not isinstance(data, Mapping):
            raise ModelError(f"a policy must be a mapping with format and rules; got {describe(data)}")
        # A wrong format first: a scenario given for a policy has many unknown fields, and
        # its format says best what went wrong.
        if "format" in data and data["format"] != POLICY_FORMAT:
            hint = " (that is a scenario file: give the policy file)" if data["format"] == FORMAT else ""
            raise ModelError(
                f"unsupported format {describe(data['format'])}; expected {POLICY_FORMAT!r}{hint}", where="format"
            )
        for key in data:
            if key not in POLICY_FIELDS:
                suggestion = did_you_mean(key, POLICY_FIELDS) if isinstance(key, str) else ""
                raise ModelError(
                    f"unknown field of a policy{suggestion}; a policy has {', '.join(POLICY_FIELDS)}",
                    where=_key_text(key),
                )
        if "format" not in data:
            raise ModelError(f"missing; write format: {POLICY_FORMAT} first", where="format")
        rules = data.get("rules")
        if rules is None:
            raise ModelError("missing: the list of rules", where="rules")
        if not isinstance(rules, (list, tuple)):
            raise ModelError(f"must be a list of rules, got {describe(rules)}", where="rules")
        parsed = []
        for i, entry in enumerate(rules):
            try:
                parsed.append(PolicyRule.from_dict(entry, line=lines.get(f"rules[{i}]")))
            except ModelError as error:
                where = f"rules[{i}].{error.where}" if error.where else f"rules[{i}]"
                raise ModelError(error.reason, where=where) from None
        return cls(tuple(parsed), data.get("name"), source)

    def to_dict(self) -> dict[str, Any]:
        """``{format, name, rules}``: ``Policy.from_dict(p.to_dict()) == p``."""
        data: dict[str, Any] = {"format": POLICY_FORMAT}
        if self.name is not None:
            data["name"] = self.name
        data["rules"] = [rule.to_dict() for rule in self.rules]
        return data

    def error(self, index: int, field: str | None, reason: str) -> ModelError:
        """A ``ModelError`` about rule ``index`` (and its ``field``: ``adversary``,
        ``through[1]``), located as the file names it, with the file and the rule's line."""
        rule = self.rules[index]
        where = f"rules[{index}].{rule.kind}" + (f".{field}" if field else "")
        lines = {f"rules[{index}]": rule.line} if rule.line is not None else {}
        return _in_file(ModelError(reason, where=where), self.source, lines)


_RULE_ENTRY = re.compile(r"rules\[\d+\]")


def _in_file(error: ModelError, source: str | None, lines: Mapping[str, int]) -> ModelError:
    """``error`` with the line of its rule (``rules[2] (line 9).max_exposure.probability``)
    and the file it is in; ``where`` keeps the file and location without the line."""
    where = error.where
    text = where
    if where is not None:
        match = _RULE_ENTRY.match(where)
        if match and match.group() in lines:
            text = f"{match.group()} (line {lines[match.group()]}){where[match.end() :]}"
    if source is not None:
        where = f"{source}: {where}" if where else source
        text = f"{source}: {text}" if text else source
    located = ModelError(error.reason, where=where)
    located.args = (f"{text}: {error.reason}" if text else error.reason,)
    return located


def load_policy(source: PathOrFile, format: FileFormat | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Policy:
    """A policy from a policy file: a path or an open file, YAML or JSON by its suffix
    (``.yaml``, ``.yml``, ``.json``) unless ``format`` is given; an unnamed file is read as
    YAML, which also reads JSON. Read as scenario files are: regular files only, at most
    ``max_bytes``, safe tags, no key written twice, bounded aliases and nesting. Errors
    name the file, the rule, its line and the field."""
    name = cut(name_of(source), 200)
    chosen = format or format_of(name_of(source), default="yaml")
    text = read_text(source, max_bytes)  # its errors name the file already
    try:
        parsed = parse_document(text, chosen)
    except ModelError as error:
        raise _in_file(error, name, {}) from None
    lines = parsed.yaml_lines if parsed.yaml_lines is not None else entry_lines(parsed.text)
    return Policy.from_dict(parsed.data, source=name, lines=lines)


def loads_policy(text: str, format: FileFormat = "yaml") -> Policy:
    """A policy from the text of a policy file."""
    parsed = parse_document(text, format)
    lines = parsed.yaml_lines if parsed.yaml_lines is not None else entry_lines(parsed.text)
    return Policy.from_dict(parsed.data, lines=lines)
