"""Scenario files: the CSV in which operators list the customers a gold load takes.

The contract is docs/design.md §5. Where it leaves room, this module decides:

- Line breaks may be LF, CRLF or a lone CR (what older Excel for Mac writes); a file may
  mix them. Line numbers in errors are 1-based physical lines of the file, so they match
  what an editor shows; a record whose quoted cell spans several lines is named by its
  first line.
- A line is blank, and skipped, when all its cells are empty or only spaces/tabs: ``,,``
  lines that spreadsheets leave below the data count as blank.
- Header: the first non-blank line is a header when one of its cells, trimmed and in any
  case, is ``customer_number``, ``customer_no`` or ``customer``. When several are present
  the first name in that order wins (so a ``customer`` column holding names does not get
  in the way); the same accepted name twice is ambiguous and rejected. Otherwise, when
  the line's first cell is a customer number, there is no header and the first column is
  used; when it is not, the line is a header without a usable column and is rejected.
- A customer number is 1-15 ASCII digits, leading zeros allowed and counted, with spaces
  or tabs around it; quotes around the cell are CSV quoting and allowed. Its value is at
  least 1: ``0`` (or ``000``) is a bad line, since IMS numbers customers from 1 (design
  §5, issue 12).
- CSV quoting is read strictly: a stray quote (``"12"3``) or a quoted cell that is never
  closed makes that line bad instead of being guessed at.
- Every bad line is collected before the file is rejected, so one error lists the first
  20 of them; nothing else from the file is used then.
- Scenario label (kept in the gold catalog): with a header, the column named
  ``scenario``, ``label`` or ``description`` (trimmed, any case; when several are present
  the first name in that order wins, the same name twice is rejected like the customer
  column). A label is the cell trimmed, cut to ``MAX_LABEL_CHARS`` characters; an empty
  cell or a missing one is no label. A customer listed twice keeps the first non-empty
  label. Without a header there are no labels.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from training_refresh.errors import ScenarioFileError

MAX_CUSTOMER_DIGITS = 15
MAX_REPORTED_LINES = 20
HEADER_NAMES = ("customer_number", "customer_no", "customer")
"""Accepted names of the customer column, in order of preference."""
LABEL_NAMES = ("scenario", "label", "description")
"""Accepted names of the label column, in order of preference."""
MAX_LABEL_CHARS = 500
"""A label's length in the catalog (``IMS_GOLD_CATALOG.LABEL``); longer ones are cut."""

_UTF8_BOM = b"\xef\xbb\xbf"
_SPACES = " \t"
_CUSTOMER_NUMBER = re.compile(r"[ \t]*([0-9]+)[ \t]*")
_MAX_QUOTED_CHARS = 40
_MAX_QUOTED_HEADER_CELLS = 10


@dataclass(frozen=True)
class ScenarioFile:
    customers: tuple[int, ...]
    """The unique customer numbers, sorted ascending."""
    labels: Mapping[int, str]
    """Customer number -> scenario label, for the customers that have one."""


def parse_scenario_file(data: bytes, source: str = "scenario file") -> tuple[int, ...]:
    """The unique customer numbers of a scenario file, sorted ascending.

    ``source`` names the file in error messages (an S3 URI or a path). Raises
    ScenarioFileError, whose message starts with ``source`` and names the bad lines.
    """
    return read_scenario_file(data, source).customers


def read_scenario_file(data: bytes, source: str = "scenario file") -> ScenarioFile:
    """The customers of a scenario file and their scenario labels (ScenarioFileError as
    :func:`parse_scenario_file`)."""
    rows = _csv_rows(_decoded_lines(data, source))
    records = [(line, row) for line, row in rows if not _is_blank(row)]
    if not records:
        raise ScenarioFileError(f"{source}: the file is empty: it lists no customer numbers")

    column, data_records = _customer_column_and_data(records, source)
    # Labels come from a header only; without one, data_records is records itself.
    label_column = _label_column(records[0], source) if data_records is not records else None
    customers: set[int] = set()
    labels: dict[int, str] = {}
    problems: list[tuple[int, str]] = []
    for line, row in data_records:
        try:
            customer = _customer_number_in(row, column)
        except _BadLineError as bad:
            problems.append((line, str(bad)))
            continue
        customers.add(customer)
        label = _label_in(row, label_column)
        if label and customer not in labels:
            labels[customer] = label
    if problems:
        raise _rejection(source, problems)
    return ScenarioFile(customers=tuple(sorted(customers)), labels=labels)


def _label_column(header: tuple[int, _Row], source: str) -> int | None:
    line, row = header
    if isinstance(row, str):
        return None
    names = [cell.strip().lower() for cell in row]
    for wanted in LABEL_NAMES:
        if names.count(wanted) > 1:
            raise ScenarioFileError(
                f"{source}: line {line}: the header names column {wanted!r} more than once"
            )
        if wanted in names:
            return names.index(wanted)
    return None


def _label_in(row: _Row, column: int | None) -> str | None:
    if column is None or isinstance(row, str) or column >= len(row):
        return None
    return row[column].strip()[:MAX_LABEL_CHARS] or None


class _BadLineError(Exception):
    """Why one line is unusable; the message becomes part of the rejection."""


_Row = list[str] | str
"""The cells of one CSV record, or why the record is not valid CSV."""


def _decoded_lines(data: bytes, source: str) -> list[str]:
    # bytes.splitlines breaks at \n, \r\n and \r only, and UTF-8 never uses those bytes
    # inside a multi-byte character, so every line decodes on its own: that is how a
    # decoding error gets its line number.
    lines: list[str] = []
    problems: list[tuple[int, str]] = []
    raw_lines = data.removeprefix(_UTF8_BOM).splitlines(keepends=True)
    for number, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            problems.append(
                (number, f"not UTF-8 (byte 0x{raw[error.start]:02X} at position {error.start + 1})")
            )
    if problems:
        raise _rejection(source, problems, hint="save the file as CSV UTF-8")
    return lines


def _csv_rows(lines: list[str]) -> Iterator[tuple[int, _Row]]:
    """Each CSV record with the number of its first physical line."""
    reader = csv.reader(lines, strict=True)
    while True:
        first_line = reader.line_num + 1
        try:
            row: _Row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The reader resumes on the next line, so later bad lines get reported too.
            row = f"not valid CSV: {error}"
        yield first_line, row


def _is_blank(row: _Row) -> bool:
    return not isinstance(row, str) and all(cell.strip(_SPACES) == "" for cell in row)


def _customer_column_and_data(
    records: list[tuple[int, _Row]], source: str
) -> tuple[int, list[tuple[int, _Row]]]:
    """Which column holds the customer numbers, and the records that are data."""
    first_line, first_row = records[0]
    if isinstance(first_row, str):
        # An unreadable first line is a bad line whether or not it was meant as a header.
        return 0, records
    names = [cell.strip().lower() for cell in first_row]
    for wanted in HEADER_NAMES:
        if names.count(wanted) > 1:
            raise ScenarioFileError(
                f"{source}: line {first_line}: the header names column {wanted!r} more than once"
            )
        if wanted in names:
            if len(records) == 1:
                raise ScenarioFileError(
                    f"{source}: the file has only a header (line {first_line}): "
                    "it lists no customer numbers"
                )
            return names.index(wanted), records[1:]
    if _is_customer_number(first_row[0]):
        return 0, records
    shown = ", ".join(_quoted(cell) for cell in first_row[:_MAX_QUOTED_HEADER_CELLS])
    if len(first_row) > _MAX_QUOTED_HEADER_CELLS:
        shown += f", ... ({len(first_row)} cells)"
    raise ScenarioFileError(
        f"{source}: line {first_line}: no usable column: the header [{shown}] has no column "
        f"named {', '.join(HEADER_NAMES[:-1])} or {HEADER_NAMES[-1]} (any case), and its first "
        "cell is not a customer number (the file must be comma-separated)"
    )


def _customer_number_in(row: _Row, column: int) -> int:
    if isinstance(row, str):
        raise _BadLineError(row)
    if column >= len(row):
        raise _BadLineError(
            f"no customer number: the line has {len(row)} cell(s) and the customer column "
            f"is number {column + 1}"
        )
    cell = row[column]
    if cell.strip(_SPACES) == "":
        raise _BadLineError("the customer number is empty")
    match = _CUSTOMER_NUMBER.fullmatch(cell)
    if match is None:
        raise _BadLineError(
            f"{_quoted(cell)} is not a customer number (1-{MAX_CUSTOMER_DIGITS} digits)"
        )
    digits = match.group(1)
    if len(digits) > MAX_CUSTOMER_DIGITS:
        raise _BadLineError(
            f"{_quoted(cell)} has {len(digits)} digits; a customer number has at most "
            f"{MAX_CUSTOMER_DIGITS}"
        )
    number = int(digits)
    if number == 0:
        raise _BadLineError(f"{_quoted(cell)} is not a customer number (they start at 1)")
    return number


def _is_customer_number(cell: str) -> bool:
    match = _CUSTOMER_NUMBER.fullmatch(cell)
    return match is not None and len(match.group(1)) <= MAX_CUSTOMER_DIGITS


def _quoted(value: str) -> str:
    """``value`` as a Python literal, cut short so one bad cell cannot flood a message."""
    if len(value) > _MAX_QUOTED_CHARS:
        return repr(value[: _MAX_QUOTED_CHARS - 3]) + "..."
    return repr(value)


def _rejection(
    source: str, problems: list[tuple[int, str]], hint: str | None = None
) -> ScenarioFileError:
    shown = [f"line {line}: {what}" for line, what in problems[:MAX_REPORTED_LINES]]
    if len(problems) > MAX_REPORTED_LINES:
        shown.append(f"and {len(problems) - MAX_REPORTED_LINES} more")
    message = f"{source}: " + "; ".join(shown)
    if hint:
        message += f" ({hint})"
    return ScenarioFileError(message)
