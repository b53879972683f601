"""The review checklist, loaded from checklist.toml.

The rules live in a data file so a domain expert can review and change them without reading
Python. This module loads the file once at import and validates it: a wrong severity, an
unknown field, a broken regex or an unknown reference stops start-up with a message naming
the rule and field, instead of failing (or silently matching nothing) during a review.

CHECKLIST_VERSION is "<declared version>+<first 8 hex of the sha256 of checklist.toml and
concepts.toml>". AnalysisStarted
records it, so an old review can be explained with the exact data that produced it, and no
edit can ship under an unchanged version.
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from domain.review.rules import Area, Rule

_Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
# {lexicon:NAME} or {pattern:NAME} inside a pattern; regex braces never hold a colon.
_REFERENCE = re.compile(r"\{(lexicon|pattern):([^{}]*)\}")
_FLAGS = re.IGNORECASE


class ChecklistError(ValueError):
    """The checklist data is invalid; the message lists every problem found."""


class Lexicon(BaseModel):
    """A named term list: review modules read it with `lexicon()`, and a pattern embeds it
    as `{lexicon:NAME}` so a list shared by several rules and modules is kept once."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_min_length=1)

    source: str
    terms: tuple[str, ...] = Field(min_length=1)
    regex: bool = False
    case_sensitive: bool = False

    def alternation(self) -> str:
        """The terms as one regex group; plain words are escaped."""
        terms = self.terms if self.regex else tuple(re.escape(term) for term in self.terms)
        return ("(?-i:" if self.case_sensitive else "(?:") + "|".join(terms) + ")"


class _AreaGap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_min_length=1)

    title: str
    suggestion: str


class _File(BaseModel):
    """checklist.toml as written, before references are expanded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    area_gaps: dict[Area, _AreaGap]
    lexicons: dict[_Name, Lexicon] = {}
    patterns: dict[_Name, Annotated[str, StringConstraints(min_length=1)]] = {}
    rules: tuple[Rule, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Checklist:
    """A validated checklist: the module constants expose the shipped one, tests load edits."""

    version: str
    # The `version` the file declares, without the digest.
    declared: str
    rules: tuple[Rule, ...]
    # When a document says nothing at all about an area, one finding (title, suggestion)
    # replaces its rows.
    area_gaps: dict[str, tuple[str, str]]
    lexicons: dict[str, Lexicon]

    def lexicon(self, name: str) -> Lexicon:
        try:
            return self.lexicons[name]
        except KeyError:
            known = ", ".join(sorted(self.lexicons)) or "none"
            raise KeyError(f"no lexicon {name!r} in the checklist (known: {known})") from None


def load_checklist(data: bytes) -> Checklist:
    """Parse and validate checklist TOML; raises ChecklistError naming each bad rule/field."""
    try:
        raw = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ChecklistError(f"checklist is not valid TOML: {error}") from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as error:
        raise ChecklistError(_report(_pydantic_problems(error, raw))) from None
    problems: list[str] = []
    rules = tuple(_expanded(rule, parsed, problems) for rule in parsed.rules)
    problems += _table_problems(parsed)
    if problems:
        raise ChecklistError(_report(problems))
    return Checklist(
        version=f"{parsed.version}+{hashlib.sha256(data).hexdigest()[:8]}",
        declared=parsed.version,
        rules=rules,
        area_gaps={area: (gap.title, gap.suggestion) for area, gap in parsed.area_gaps.items()},
        lexicons=dict(parsed.lexicons),
    )


def _report(problems: list[str]) -> str:
    return "checklist is invalid:\n" + "\n".join(f"  {problem}" for problem in problems)


def _pydantic_problems(error: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Locations like ('rules', 3, 'severity') become "rule SL-04: severity"."""
    problems = []
    for item in error.errors():
        loc = item["loc"]
        where = _path(loc)
        if len(loc) > 1 and loc[0] == "rules" and isinstance(loc[1], int):
            rule = raw["rules"][loc[1]]
            rule_id = rule.get("id") if isinstance(rule, dict) else None
            where = f"rule {rule_id or f'#{loc[1] + 1}'}: {_path(loc[2:]) or 'rule'}"
        if item["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
            message = "unknown field"
        else:
            message = item["msg"]
            if not isinstance(item["input"], dict | list):
                message += f" (got {item['input']!r})"
        problems.append(f"{where}: {message}")
    return problems


def _path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def _expanded(rule: Rule, parsed: _File, problems: list[str]) -> Rule:
    """The rule with every reference replaced by its regex, and each pattern compiled once."""

    def resolve(pattern: str, field: str) -> str:
        return _resolve(pattern, parsed, f"rule {rule.id}: {field}", problems)

    def optional(pattern: str | None, field: str) -> str | None:
        return None if pattern is None else resolve(pattern, field)

    flags = tuple(
        replace(
            flag,
            pattern=resolve(flag.pattern, f"red_flags[{flag.name}].pattern"),
            unless_sentence=optional(
                flag.unless_sentence, f"red_flags[{flag.name}].unless_sentence"
            ),
            unless_document=optional(
                flag.unless_document, f"red_flags[{flag.name}].unless_document"
            ),
        )
        for flag in rule.red_flags
    )
    return replace(
        rule,
        covers=tuple(resolve(pattern, f"covers[{i}]") for i, pattern in enumerate(rule.covers)),
        required_if=optional(rule.required_if, "required_if"),
        red_flags=flags,
    )


def _resolve(pattern: str, parsed: _File, where: str, problems: list[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        kind, name = match.groups()
        if kind == "lexicon" and name in parsed.lexicons:
            return parsed.lexicons[name].alternation()
        if kind == "pattern" and name in parsed.patterns:
            return parsed.patterns[name]
        problems.append(f"{where}: unknown {kind} {name!r}")
        return match.group()

    expanded = _REFERENCE.sub(substitute, pattern)
    _check_regex(expanded, where, problems)
    return expanded


def _check_regex(pattern: str, where: str, problems: list[str]) -> None:
    try:
        re.compile(pattern, _FLAGS)
    except re.error as error:
        problems.append(f"{where}: bad regex ({error}): {pattern}")


def _check_placeholders(text: str, where: str, problems: list[str]) -> None:
    """Titles and details are formatted with the matched words only: {match}."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return
    if names - {"match"}:
        problems.append(f"{where}: only {{match}} can be filled in, not {sorted(names)}")


def _table_problems(parsed: _File) -> list[str]:
    problems = []
    ids = [rule.id for rule in parsed.rules]
    problems += [f"rule {i}: id used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for rule in parsed.rules:
        names = [flag.name for flag in rule.red_flags]
        if len(set(names)) != len(names):
            problems.append(f"rule {rule.id}: red flag names must be unique, got {names}")
        for flag in rule.red_flags:
            for field in ("title", "detail"):
                where = f"rule {rule.id}: red_flags[{flag.name}].{field}"
                _check_placeholders(getattr(flag, field), where, problems)
    missing = [area for area in get_args(Area) if area not in parsed.area_gaps]
    if missing:
        problems.append(f"area_gaps: missing {', '.join(missing)}")
    for name, fragment in parsed.patterns.items():
        if _REFERENCE.search(fragment):
            problems.append(f"patterns.{name}: a fragment cannot embed another reference")
        _check_regex(fragment, f"patterns.{name}", problems)
    for name, entry in parsed.lexicons.items():
        for i, term in enumerate(entry.terms if entry.regex else ()):
            _check_regex(term, f"lexicons.{name}.terms[{i}]", problems)
    return problems


_DATA = resources.files("domain.review")
_CHECKLIST = load_checklist(_DATA.joinpath("checklist.toml").read_bytes())


def checklist_version(declared: str, *files: bytes) -> str:
    """The concept lexicon (concepts.toml) decides coverage as much as the rules do, so the
    digest covers both files: an edit to either gives a new version."""
    return f"{declared}+{hashlib.sha256(b''.join(files)).hexdigest()[:8]}"


CHECKLIST_VERSION = checklist_version(
    _CHECKLIST.declared,
    _DATA.joinpath("checklist.toml").read_bytes(),
    _DATA.joinpath("concepts.toml").read_bytes(),
)
RULES: tuple[Rule, ...] = _CHECKLIST.rules
RULES_BY_ID = {rule.id: rule for rule in RULES}
AREA_GAPS: dict[str, tuple[str, str]] = _CHECKLIST.area_gaps


def lexicon(name: str) -> tuple[str, ...]:
    """The terms of `[lexicons.NAME]` in checklist.toml, e.g. lexicon("data_vendors"), so a
    review module's word list is versioned with the checklist; KeyError names the known ones."""
    return _CHECKLIST.lexicon(name).terms


def lexicon_pattern(name: str) -> str:
    """The lexicon as one regex group, the same text `{lexicon:NAME}` embeds in a pattern."""
    return _CHECKLIST.lexicon(name).alternation()


# Named data vendors and exchanges; a source sentence naming one of these is specific enough.
VENDORS = lexicon_pattern("data_vendors")
EXCHANGES = lexicon_pattern("exchanges")
