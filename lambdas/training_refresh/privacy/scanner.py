"""The chunk scanner of the privacy gate: every kept text value of a table, before commit.

The gold load builds one ``TableScanner`` per table of a config (the table's columns in
row order, its kept text columns, their allowances) and, for every chunk, one
``IdentityIndex`` of the chunk's customers; ``TableScanner.scan`` then gives a
``TableScan``: per column the values scanned, the values with a finding per rule, and the
customers involved. Chunk results add up with ``TableScan.merged``.

Decisions:

- A value is scanned when it is a ``str``; NULL (and any non-text value in a column the
  caller named) is not scanned and not counted. Every rule of ``detectors`` runs on every
  scanned value, and the identity rules of the row's own customer when the index holds
  that customer (a row without a known customer gets the pattern rules only).
- A count is the number of values in which a rule found something: a value with two
  phone numbers counts once for ``phone`` (and once more for each other rule it trips).
- An allowance names a column and a rule that is expected there, with a reason. That
  rule's findings in that column are counted under ``allowed`` and do not block; every
  other rule still does. The column is blocked when anything is left in ``findings``.
- Customers involved are those whose rows hold a blocking finding: a sorted list of at
  most ``MAX_LISTED_CUSTOMERS`` (the smallest numbers) and their total count. Merging two
  scans adds the counts, which is exact because the gold load's chunks hold different
  customers.
- Speed (``bench/privacy_scan.py``). Kept columns repeat their values (statuses, codes,
  flags, preferences), so a column's distinct values are first collected (a ``set``, in
  C) and each is looked at once per chunk: one shorter than three characters
  holds nothing; a plain code (ASCII letters and digits, no number possible) is only
  looked up among the chunk's *probes* (every customer's name words, house numbers and
  e-mail handles, ``IdentityIndex.probes``); any other value gets its text form, words,
  numbers and pattern findings. Rows are visited only for the few values that tell
  something (a finding, a probe, a number while some customer has a phone), and only
  then is the row's own customer's identity matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from training_refresh.privacy.detectors import (
    PATTERN_RULES,
    Finding,
    Rule,
    may_hold_number,
    normalized_text,
    pattern_findings,
)
from training_refresh.privacy.identity import (
    IDENTITY_RULES,
    CustomerIdentity,
    IdentityIndex,
    IdentityMatcher,
    value_numbers,
    value_words,
)

RULES: Final[tuple[Rule, ...]] = PATTERN_RULES + IDENTITY_RULES
"""Every rule, in report order."""
MAX_LISTED_CUSTOMERS: Final = 20
_SHORTEST_SUSPECT: Final = 3

CustomerOf = Sequence[int | None] | Callable[[Sequence[object]], int | None]
"""The customer number of each row: a sequence parallel to the rows, or a function."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class ColumnAllowance(_Strict):
    """A rule that is expected in a column, with the reason why; its findings do not block."""

    column: str = Field(min_length=1)
    rule: Rule
    reason: str = Field(min_length=1)

    @field_validator("reason")
    @classmethod
    def _reason_says_something(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("an allowance needs a reason")
        return reason


class ColumnScan(_Strict):
    """What the scan found in one column (of one chunk, or of many merged)."""

    column: str
    values_scanned: int = Field(ge=0)
    findings: dict[Rule, Annotated[int, Field(gt=0)]]
    """Values with a blocking finding, per rule."""
    allowed: dict[Rule, Annotated[int, Field(gt=0)]]
    """Values with a finding of an allowed rule, per rule."""
    customers: Annotated[
        tuple[StrictInt, ...], Field(strict=False, max_length=MAX_LISTED_CUSTOMERS)
    ]
    """The smallest numbers of the customers involved in blocking findings, ascending."""
    customer_count: int = Field(ge=0)

    @property
    def blocked(self) -> bool:
        return bool(self.findings)

    def merged(self, other: ColumnScan) -> ColumnScan:
        """Both scans' counts added up (``other`` must be of other customers)."""
        if other.column != self.column:
            raise ValueError(f"cannot merge scans of {self.column!r} and {other.column!r}")
        return ColumnScan(
            column=self.column,
            values_scanned=self.values_scanned + other.values_scanned,
            findings=_added(self.findings, other.findings),
            allowed=_added(self.allowed, other.allowed),
            customers=tuple(sorted({*self.customers, *other.customers})[:MAX_LISTED_CUSTOMERS]),
            customer_count=self.customer_count + other.customer_count,
        )


class TableScan(_Strict):
    """The scans of a table's kept text columns, in the order they were named."""

    columns: Annotated[tuple[ColumnScan, ...], Field(strict=False)]

    @property
    def blocked(self) -> bool:
        return any(column.blocked for column in self.columns)

    def column(self, name: str) -> ColumnScan:
        for scan in self.columns:
            if scan.column == name:
                return scan
        raise KeyError(name)

    def merged(self, other: TableScan) -> TableScan:
        if [c.column for c in other.columns] != [c.column for c in self.columns]:
            raise ValueError("cannot merge scans of different columns")
        return TableScan(
            columns=tuple(a.merged(b) for a, b in zip(self.columns, other.columns, strict=True))
        )


class TableScanner:
    """Scans chunks of one table: built once per table, ``scan`` called once per chunk."""

    def __init__(
        self,
        columns: Sequence[str],
        scan_columns: Sequence[str],
        allowances: Iterable[ColumnAllowance] = (),
    ) -> None:
        unknown = [name for name in scan_columns if name not in columns]
        if unknown:
            raise ValueError(f"columns to scan are not columns of the table: {unknown}")
        if len(set(scan_columns)) != len(scan_columns):
            raise ValueError("a column to scan is named twice")
        self._positions = tuple((name, list(columns).index(name)) for name in scan_columns)
        allowed: dict[str, set[Rule]] = {name: set() for name in scan_columns}
        for allowance in allowances:
            rules = allowed.get(allowance.column)
            if rules is None:
                raise ValueError(
                    f"allowance for {allowance.column!r}, which is not a column to scan"
                )
            if allowance.rule in rules:
                raise ValueError(f"allowance of {allowance.rule} in {allowance.column!r} twice")
            rules.add(allowance.rule)
        self._allowed = {name: frozenset(rules) for name, rules in allowed.items()}

    def __repr__(self) -> str:
        return f"TableScanner(columns={[name for name, _ in self._positions]})"

    def scan(
        self,
        rows: Sequence[Sequence[object]],
        customers: CustomerOf,
        identities: IdentityIndex | Iterable[CustomerIdentity] = (),
    ) -> TableScan:
        """Scan a chunk's rows (each in the table's column order) of one table."""
        index = identities if isinstance(identities, IdentityIndex) else IdentityIndex(identities)
        chunk = _Chunk(rows, customers, index)
        return TableScan(
            columns=tuple(
                _scan_column(chunk, name, position, self._allowed[name])
                for name, position in self._positions
            )
        )


class _Chunk:
    """A chunk's rows with, worked out only if a column needs them, each row's customer
    number and identity matcher."""

    def __init__(
        self, rows: Sequence[Sequence[object]], customers: CustomerOf, index: IdentityIndex
    ) -> None:
        if not callable(customers) and len(customers) != len(rows):
            raise ValueError(f"{len(customers)} customer numbers for {len(rows)} rows")
        self.rows = rows
        self.index = index
        self._customers = customers
        self._numbers: Sequence[int | None] | None = None
        self._matchers: list[IdentityMatcher | None] | None = None

    def values(self, position: int) -> Iterator[object]:
        return map(itemgetter(position), self.rows)

    @property
    def customer_numbers(self) -> Sequence[int | None]:
        if self._numbers is None:
            customers = self._customers
            self._numbers = (
                [customers(row) for row in self.rows] if callable(customers) else customers
            )
        return self._numbers

    @property
    def matchers(self) -> list[IdentityMatcher | None]:
        if self._matchers is None:
            self._matchers = [self.index.get(customer) for customer in self.customer_numbers]
        return self._matchers


_Facts = tuple[list[Finding], frozenset[str] | None, tuple[str, ...], str]
"""What a value is, whoever's it is: its pattern findings, its ``value_words`` (None when
they hold no probe of the chunk's customers), its ``value_numbers`` and its text form."""
_NO_FINDINGS: Final[list[Finding]] = []
_NO_WORDS: Final[frozenset[str]] = frozenset()
_SHORTEST_NUMBER: Final = 7


def _is_plain_code(value: str) -> bool:
    """A code or a single word without a number ("DELIVERED", "FA24MAS", "60612"): ASCII
    letters and digits only, and shorter than a number or starting with a letter (then
    every digit follows a letter, so no number starts anywhere in it)."""
    return (
        value.isascii()
        and value.isalnum()
        and (len(value) < _SHORTEST_NUMBER or not value[0].isdigit())
    )


def _facts(value: str, probes: frozenset[str]) -> _Facts:
    text = normalized_text(value)
    all_words = value_words(text)
    words = None if probes.isdisjoint(all_words) else all_words
    at_sign = "@" in text
    number = may_hold_number(text)
    patterns = (
        pattern_findings(text, at_sign=at_sign, number=number)
        if at_sign or number
        else _NO_FINDINGS
    )
    return patterns, words, value_numbers(text) if number else (), text


def _scan_column(
    chunk: _Chunk, name: str, position: int, allowed_rules: frozenset[Rule]
) -> ColumnScan:
    # Kept columns repeat their values (statuses, codes, preferences), so each distinct
    # value is looked at once; rows are visited only for the values that tell something.
    column = list(chunk.values(position))
    distinct = set(column)
    probes = chunk.index.probes
    reads_numbers = chunk.index.reads_numbers
    telling: dict[object, _Facts] = {}
    for value in distinct:
        if type(value) is not str or len(value) < _SHORTEST_SUSPECT:
            continue
        if _is_plain_code(value):
            # Most values: only a customer's own name or handle could be in them.
            lowered = value.lower()
            if lowered in probes:
                telling[value] = (_NO_FINDINGS, frozenset((lowered,)), (), value)
            continue
        facts = _facts(value, probes)
        if facts[0] or facts[1] is not None or (facts[2] and reads_numbers):
            telling[value] = facts
    tally = _Tally(allowed_rules)
    if telling:
        rows = zip(column, chunk.matchers, chunk.customer_numbers, strict=True)
        for value, matcher, customer in rows:
            telling_facts = telling.get(value)
            if telling_facts is not None:
                tally.add(telling_facts, matcher, customer)
    return tally.scan(name, _strings_among(column, distinct))


def _strings_among(column: list[object], distinct: set[object]) -> int:
    """How many values of ``column`` (whose values are ``distinct``) are text: a set and
    a count of NULLs cost less than counting each distinct value (``Counter``)."""
    other = [value for value in distinct if type(value) is not str]
    if not other:
        return len(column)
    if other == [None]:
        return len(column) - column.count(None)
    return sum(type(value) is str for value in column)


class _Tally:
    """Findings of one column, counted value by value."""

    def __init__(self, allowed_rules: frozenset[Rule]) -> None:
        self._allowed_rules = allowed_rules
        self._blocking: dict[Rule, int] = {}
        self._allowed: dict[Rule, int] = {}
        self._involved: set[int] = set()

    def add(self, facts: _Facts, matcher: IdentityMatcher | None, customer: int | None) -> None:
        patterns, words, numbers, text = facts
        found = patterns
        if matcher is not None and (
            (words is not None and not matcher.probes.isdisjoint(words))
            or (numbers and matcher.reads_numbers)
        ):
            found = patterns + matcher.findings(text, words or _NO_WORDS, numbers)
        blocks = False
        for finding in found:
            rule = finding.rule
            if rule in self._allowed_rules:
                self._allowed[rule] = self._allowed.get(rule, 0) + 1
            else:
                self._blocking[rule] = self._blocking.get(rule, 0) + 1
                blocks = True
        if blocks and customer is not None:
            self._involved.add(customer)

    def scan(self, column: str, scanned: int) -> ColumnScan:
        return ColumnScan(
            column=column,
            values_scanned=scanned,
            findings=_in_rule_order(self._blocking),
            allowed=_in_rule_order(self._allowed),
            customers=tuple(sorted(self._involved)[:MAX_LISTED_CUSTOMERS]),
            customer_count=len(self._involved),
        )


def _in_rule_order(counts: dict[Rule, int]) -> dict[Rule, int]:
    return {rule: counts[rule] for rule in RULES if rule in counts}


def _added(first: dict[Rule, int], second: dict[Rule, int]) -> dict[Rule, int]:
    return _in_rule_order(
        {rule: first.get(rule, 0) + second.get(rule, 0) for rule in {*first, *second}}
    )
