"""Anonymization of customer identities (docs/design.md §4).

Every replacement value derives from the customer number alone (and, for the birth date,
the source's year), never from source text, so the same customer gets the same values
on every run and every machine. Choices beyond the contract:

- A value with no content stays as it is: NULL stays NULL, and an empty or all-blank text
  (legacy data pads CHAR columns and often writes blanks where it means "none") stays
  the same blank text rather than getting an invented value.
- ADDRESS_LINE1 is "<1-9999> <street> <street type>", e.g. "4120 Willow Lane";
  ADDRESS_LINE2 is "Apt|Unit|Suite <1-999>"; PHONE_NUMBER is "555-01xx" (the fictional
  range); BIRTH_DATE keeps the year, with month and day (1-28, so never Feb 29) picked by
  the customer number (moved on a day in the rare case the pick is the real date). The
  street and unit word lists below are part of the output: reordering them moves every
  training customer to another address.
- The choices come from SHA-256 of the customer number, never Python's ``hash()``,
  which differs between processes.
- Rows must hold only columns this module knows as either replaced or kept: a column
  added to a table config without deciding how to treat it is refused (TableConfigError)
  rather than copied through, since it could hold personal data.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Mapping
from importlib import resources
from types import MappingProxyType

from training_refresh.errors import TableConfigError

Row = dict[str, object]
"""A table row keyed by lower-case source column name, values already decoded."""


def _load_seed_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Package data, so the Lambda bundle carries the lists with the code.
    text = resources.files("training_refresh").joinpath("seed_names.json").read_text("utf-8")
    document = json.loads(text)
    return tuple(document["first_names"]), tuple(document["last_names"])


FIRST_NAMES, LAST_NAMES = _load_seed_names()
"""The seed name lists in their fixed order: a reorder renames every training customer."""

_STREET_NAMES = (
    "Maple", "Oak", "Cedar", "Elm", "Pine", "Birch", "Willow", "Aspen",
    "Chestnut", "Spruce", "Hickory", "Magnolia", "Juniper", "Sycamore", "Laurel", "Poplar",
    "Lakeview", "Hillcrest", "Sunset", "Meadow", "Riverside", "Park", "Highland", "Orchard",
    "Valley", "Ridge", "Forest", "Spring", "Garden", "Prairie", "Harbor", "Mill",
)  # fmt: skip
_STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Place")
_UNIT_TYPES = ("Apt", "Unit", "Suite")
_MAX_HOUSE_NUMBER = 9999
_MAX_UNIT_NUMBER = 999
_SAFE_DAYS_OF_MONTH = 28

COLUMN_ANONYMIZERS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "customer": MappingProxyType(
            {
                "first_name": "fictional_first_name",
                "middle_initial": "null",
                "last_name": "fictional_last_name",
                "address_line1": "fictional_street_line",
                "address_line2": "fictional_unit",
                "phone_number": "fictional_phone",
                "birth_date": "fictional_birth_date",
            }
        ),
        "cus_email": MappingProxyType({"email_address": "fictional_email"}),
    }
)
"""By table anonymizer: each column it replaces and the name of what replaces it (the
``masked`` treatments of table_configs.json name these)."""

_CUSTOMER_REPLACED = frozenset(COLUMN_ANONYMIZERS["customer"])
_CUSTOMER_KEPT = frozenset(
    {
        "customer_no",
        "city",
        "state_code",
        "zip_code",
        "credit_limit",
        "account_status",
        "open_date",
        "last_update_ts",
    }
)
_CUS_EMAIL_REPLACED = frozenset(COLUMN_ANONYMIZERS["cus_email"])
_CUS_EMAIL_KEPT = frozenset(
    {"customer_no", "email_seq", "email_type", "opt_in_flag", "last_update_ts"}
)

KEPT_BY_ANONYMIZER: Mapping[str, frozenset[str]] = MappingProxyType(
    {"customer": _CUSTOMER_KEPT, "cus_email": _CUS_EMAIL_KEPT}
)
"""By table anonymizer: the columns it passes through unchanged."""


def fictional_name(customer_no: int) -> tuple[str, str]:
    """(first, last) of a customer: picked by the last four digits of the number."""
    if customer_no < 0:
        raise ValueError("a customer number is never negative")
    # The last four digits, left-padded with zeros, are customer_no % 10000: the first
    # two pick the first name, the last two the last name.
    last4 = customer_no % 10_000
    return FIRST_NAMES[last4 // 100], LAST_NAMES[last4 % 100]


def email_local_name(name: str) -> str:
    """``name`` lower-cased with every character outside a-z removed ("O'Neil" -> "oneil")."""
    return "".join(char for char in name.lower() if "a" <= char <= "z")


def fictional_email(customer_no: int, email_seq: int) -> str:
    """``first.last.customer_no@example.com``, with ``.email_seq`` before the @ unless 1."""
    first, last = fictional_name(customer_no)
    local_part = f"{email_local_name(first)}.{email_local_name(last)}.{customer_no}"
    if email_seq != 1:
        local_part += f".{email_seq}"
    return f"{local_part}@example.com"


def fictional_address_line1(customer_no: int) -> str:
    choice = _stable_choice(customer_no, "address_line1")
    house_number = 1 + choice % _MAX_HOUSE_NUMBER
    choice //= _MAX_HOUSE_NUMBER
    street_name = _STREET_NAMES[choice % len(_STREET_NAMES)]
    choice //= len(_STREET_NAMES)
    street_type = _STREET_TYPES[choice % len(_STREET_TYPES)]
    return f"{house_number} {street_name} {street_type}"


def fictional_address_line2(customer_no: int) -> str:
    choice = _stable_choice(customer_no, "address_line2")
    unit_number = 1 + choice % _MAX_UNIT_NUMBER
    unit_type = _UNIT_TYPES[choice // _MAX_UNIT_NUMBER % len(_UNIT_TYPES)]
    return f"{unit_type} {unit_number}"


def fictional_phone_number(customer_no: int) -> str:
    """A number of the fictional range 555-0100 to 555-0199."""
    return f"555-01{_stable_choice(customer_no, 'phone_number') % 100:02d}"


def fictional_birth_date(
    customer_no: int, year: int, avoid: datetime.date | None = None
) -> datetime.date:
    """A date in ``year``; day 1-28, so it exists in every year.

    When the pick happens to be the real birth date (``avoid``), the next day of the
    month (1-28, cyclic) is taken instead, so the real date never survives.
    """
    choice = _stable_choice(customer_no, "birth_date")
    month = 1 + choice % 12
    day = 1 + choice // 12 % _SAFE_DAYS_OF_MONTH
    picked = datetime.date(year, month, day)
    if picked == avoid:
        picked = picked.replace(day=day % _SAFE_DAYS_OF_MONTH + 1)
    return picked


def _anonymized_birth_date(customer_no: int, real: datetime.date) -> datetime.date:
    return fictional_birth_date(customer_no, real.year, avoid=real)


def anonymize_customer(row: Row) -> Row:
    """An ims_customer row with names, address lines, phone and birth date replaced."""
    _check_columns(row, "customer", _CUSTOMER_REPLACED, _CUSTOMER_KEPT)
    customer_no = _integer(row, "customer_no")
    first, last = fictional_name(customer_no)
    replacements: dict[str, Callable[[], object]] = {
        "first_name": lambda: first,
        "last_name": lambda: last,
        "middle_initial": lambda: None,
        "address_line1": lambda: fictional_address_line1(customer_no),
        "address_line2": lambda: fictional_address_line2(customer_no),
        "phone_number": lambda: fictional_phone_number(customer_no),
        "birth_date": lambda: _anonymized_birth_date(customer_no, _date(row, "birth_date")),
    }
    return {
        column: _replaced(value, replacements[column]) if column in replacements else value
        for column, value in row.items()
    }


def anonymize_cus_email(row: Row) -> Row:
    """An ims_cus_email row with the email address replaced."""
    _check_columns(row, "cus_email", _CUS_EMAIL_REPLACED, _CUS_EMAIL_KEPT)
    customer_no = _integer(row, "customer_no")
    email_seq = _integer(row, "email_seq")
    anonymized = dict(row)
    if "email_address" in row:
        anonymized["email_address"] = _replaced(
            row["email_address"], lambda: fictional_email(customer_no, email_seq)
        )
    return anonymized


ANONYMIZERS: Mapping[str, Callable[[Row], Row]] = MappingProxyType(
    {"customer": anonymize_customer, "cus_email": anonymize_cus_email}
)
"""By the ``anonymizer`` name of a table in table_configs.json."""


def _stable_choice(customer_no: int, purpose: str) -> int:
    """A number fixed by the customer number, independent for each purpose."""
    digest = hashlib.sha256(f"{purpose}:{customer_no}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big")


def _replaced(value: object, replacement: Callable[[], object]) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return value
    return replacement()


def _check_columns(
    row: Row, anonymizer: str, replaced: frozenset[str], kept: frozenset[str]
) -> None:
    unknown = sorted(set(row) - replaced - kept)
    if unknown:
        raise TableConfigError(
            f"the {anonymizer} anonymizer does not know column(s) {', '.join(unknown)}: "
            "decide in anonymize.py whether each is replaced or kept"
        )


def _integer(row: Row, column: str) -> int:
    value = row.get(column)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{column} must be an integer, not {type(value).__name__}")
    return value


def _date(row: Row, column: str) -> datetime.date:
    value = row[column]
    if not isinstance(value, datetime.date):
        raise TypeError(f"{column} must be a date, not {type(value).__name__}")
    return value
