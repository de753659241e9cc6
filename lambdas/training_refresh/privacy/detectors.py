"""Pattern detectors of the privacy gate: personal data that any text value might hold.

One job: given one text value, count the e-mail addresses, phone numbers, payment card
numbers and US social security numbers in it. Pure (no I/O, no state), compiled once at
import. A finding is only ``(rule, count)``: nothing here ever keeps, returns or prints a
value or any part of one. The customer's own identity is ``identity.py``'s job.

Text form. ASCII values are read as they are. Any other value is first put in NFKC form
(fullwidth digits and at signs become ASCII, no-break spaces become spaces), then every
Unicode decimal digit becomes its ASCII digit, every dash (category Pd, and U+2212) a
hyphen, the typographic apostrophes (U+2019, U+2018, U+02BC, U+2032) an ASCII one, and
invisible format characters (category Cf: zero-width spaces, joiners, soft hyphens, bidi
marks) are dropped, so they cannot split a number. The rules below read that text form.

Numbers. The digit rules (``phone``, ``payment_card``, ``national_id`` and ``own_phone``)
only ever match digits that do not directly follow a letter: ``MC000300000001`` (a CRN),
``AB4111111111111111`` and ``tel6085551234`` are codes, not numbers. So a value holds
something for them only if it has a *number*: seven digits or more, the first not right
after a letter or digit, with at most two of ``-. /()+`` between digits
(``may_hold_number``); every other value costs that one search.

Rules, by their stable report names (``PATTERN_RULES``):

``email``
    local@domain.tld with a dot-atom local part (letters and digits of any script and
    ``!#$%&'*+/=?^`{|}~-``, dots between atoms), one or more domain labels of letters and
    digits of any script with inner hyphens, and a top-level label of two or more letters
    (or an ``xn--`` punycode label), not followed by a letter, digit or hyphen. So
    ``josé@correo.es`` and ``用户@例子.广告`` are found; "meet @ 5pm", "2@$5", "@home",
    ``me@home`` and ``3@2.50`` are not. Every address is a finding, ``example.com`` ones
    included: the anonymizer writes addresses only into masked columns, so one in a kept
    column is a copy of something; a column that is expected to hold addresses declares
    an allowance (scanner.ColumnAllowance).
``phone``
    NANP: an optional ``1``/``+1`` country code, a 3-digit area code (first digit 2-9),
    optionally in parentheses, a 3-digit exchange (2-9) and a 4-digit line, each part
    separated by at most one space, hyphen or dot: ``608-555-1234``, ``(608) 555-1234``,
    ``608.555.1234``, ``+1 608 555 1234``, ``6085551234``, ``16085551234``. The number
    must stand alone: no letter, digit or ``+`` just before it, no digit (or hyphen or
    dot and a digit) just after, so it is never a piece of a longer number or code; a
    letter after it is fine (``608-555-1234x12``).
    International: ``+``, ``00`` or ``011``, then a country code (1-9) and digits in
    groups separated by single spaces, hyphens or dots, ``(0)``-style groups allowed,
    8 to 15 digits after the prefix: ``+44 20 7946 0958``, ``+49 30 123456``,
    ``0044 20 7946 0958``. A ``00``/``011`` number must contain a separator (a bare
    ``0012345678`` is a zero-padded number, not a phone); a ``+1`` number must be a
    valid NANP number. Not phones: the fictional range the anonymizer writes, exchange
    555 with line 0100-0199 (``608-555-0123``), whatever the area code; 7-digit local
    numbers without an area code (``555-1234``: too many codes look like that; the
    customer's own local number is still found by ``own_phone``); dates, times, money
    amounts, zip codes, ISO timestamps and shorter digit strings, which do not have a
    phone number's shape.
``payment_card``
    A run of digits in groups separated by single spaces or hyphens (``4111 1111 1111
    1111``, ``4111-1111-1111-1111``, 4-6-5 Amex groups, or none) with 13 to 19 digits
    that passes the Luhn check, found in any grouping. When the whole run is longer or
    fails, every stretch of whole consecutive groups with 13-19 digits is tried, so a
    card right after another number ("exp 12 4111 1111 1111 1111") is still found; a
    run of digits without separators is only ever taken whole. Not cards: numbers of one
    repeated digit (``0000 0000 0000 0000`` placeholders) and 14 bare digits that read
    as a timestamp YYYYMMDDhhmmss of 1900-2099. The issuer prefix is not checked:
    private label cards (the retailer's own MASONCRD) use prefixes of their own.
``national_id``
    A US social security number AAA-GG-SSSS with a hyphen or a space as separator (the
    same one twice), not touching a letter, digit or hyphen, whose area is not 000, 666
    or 900-999, group not 00 and serial not 0000. Nine bare digits are not taken: too
    many numbers look so.

Counts are occurrences in the value; the scanner turns them into "values with a finding".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

Rule = Literal[
    "email",
    "phone",
    "payment_card",
    "national_id",
    "own_name",
    "own_street",
    "own_phone",
    "own_email",
]
"""The stable names of every rule, as they appear in run reports and allowances."""

EMAIL: Final = "email"
PHONE: Final = "phone"
PAYMENT_CARD: Final = "payment_card"
NATIONAL_ID: Final = "national_id"
PATTERN_RULES: Final[tuple[Rule, ...]] = (EMAIL, PHONE, PAYMENT_CARD, NATIONAL_ID)


@dataclass(frozen=True, slots=True)
class Finding:
    """How often one rule matched in one value. Deliberately nothing else."""

    rule: Rule
    count: int


# --- Text form ------------------------------------------------------------------------

_APOSTROPHES: Final = frozenset("\u2019\u2018\u02bc\u2032")


class _AsciiForms(dict[int, str | None]):
    """A str.translate table filled on first use of each character."""

    def __missing__(self, code_point: int) -> str | None:
        char = chr(code_point)
        digit = unicodedata.decimal(char, None)
        category = unicodedata.category(char)
        replacement: str | None
        if digit is not None:
            replacement = str(digit)
        elif category == "Pd" or char == "\u2212":
            replacement = "-"
        elif char in _APOSTROPHES:
            replacement = "'"
        elif category == "Cf":
            replacement = None
        else:
            replacement = char
        self[code_point] = replacement
        return replacement


_ASCII_FORMS: Final = _AsciiForms()


def normalized_text(value: str) -> str:
    """The text form every rule reads (see the module docstring)."""
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value).translate(_ASCII_FORMS)


# --- Pre-filter -----------------------------------------------------------------------

_SHORTEST_NUMBER: Final = 7
_NUMBER: Final = re.compile(r"(?<![^\W_])[0-9](?:[-. /()+]{0,2}[0-9]){6}")


def may_hold_number(text: str) -> bool:
    """Whether ``text`` (in text form) holds a *number*: seven digits or more, the first one
    not right after a letter or digit, with at most two of ``-. /()+`` between digits.

    Every digit rule here and in ``identity`` reads numbers only, so a value without one
    costs one search and meets none of them.
    """
    return _NUMBER.search(text) is not None


# --- E-mail ---------------------------------------------------------------------------

# Possessive atoms that start only where a local part can start (not inside an atom, not
# after "atom."): one attempt per address-like word, so a long text costs time in
# proportion to its length, not to its square.
_ATEXT: Final = r"[\w!#$%&'*+/=?^`{|}~-]"
_LABEL: Final = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL: Final = re.compile(
    rf"(?<!{_ATEXT})(?<!{_ATEXT}\.){_ATEXT}++(?:\.{_ATEXT}++)*@(?:{_LABEL}\.)+"
    r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})(?![\w-])",
    re.IGNORECASE,
)

# --- Phone ----------------------------------------------------------------------------

_NANP: Final = r"""
    (?<![\w+])(?<![0-9][-.])
    (?:\+?1[-. ]?)?
    (?:\([2-9][0-9]{2}\)[ ]?|[2-9][0-9]{2}[-. ]?)
    (?P<exchange>[2-9][0-9]{2})[-. ]?
    (?P<line>[0-9]{4})
    (?![0-9])(?![-.][0-9])
"""
_INTERNATIONAL: Final = r"""
    (?<![\w+])
    (?P<prefix>\+|00[ ]?|011[ ]?)
    (?P<number>[1-9](?:[-. ]?(?:\([0-9]{1,4}\)|[0-9]))+)
    (?![0-9])(?![-.][0-9])
"""
_PHONE: Final = re.compile(f"{_NANP}|{_INTERNATIONAL}", re.VERBOSE)
_NON_DIGITS: Final = re.compile(r"[^0-9]+")
_FICTIONAL_EXCHANGE: Final = "555"
_FICTIONAL_LINE_PREFIX: Final = "01"
_INTERNATIONAL_DIGITS: Final = range(8, 16)
_NANP_WITH_COUNTRY_CODE: Final = 11


def _is_fictional(exchange: str, line: str) -> bool:
    return exchange == _FICTIONAL_EXCHANGE and line.startswith(_FICTIONAL_LINE_PREFIX)


def _is_phone(match: re.Match[str]) -> bool:
    exchange = match["exchange"]
    if exchange is not None:
        return not _is_fictional(exchange, match["line"])
    if match["prefix"] != "+" and match[0].isdigit():
        return False
    digits = _NON_DIGITS.sub("", match["number"])
    if digits.startswith("1"):
        return (
            len(digits) == _NANP_WITH_COUNTRY_CODE
            and digits[1] not in "01"
            and digits[4] not in "01"
            and not _is_fictional(digits[4:7], digits[7:])
        )
    return len(digits) in _INTERNATIONAL_DIGITS


# --- Payment card ---------------------------------------------------------------------

_DIGIT_GROUPS: Final = re.compile(r"(?<![^\W_])[0-9]+(?:[ -][0-9]+)*")
_GROUP_SEPARATOR: Final = re.compile(r"[ -]")
_CARD_DIGITS: Final = range(13, 20)
_TIMESTAMP_DIGITS: Final = 14
_TIMESTAMP_YEARS: Final = range(1900, 2100)
_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
"""Luhn: what each digit adds when it is doubled (digit sum of 2*d)."""


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check (False for anything else)."""
    if not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position & 1 else digit
    return total % 10 == 0


def _is_timestamp(digits: str) -> bool:
    if len(digits) != _TIMESTAMP_DIGITS:
        return False
    try:
        moment = datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return moment.year in _TIMESTAMP_YEARS


def _is_card(digits: str) -> bool:
    return (
        len(digits) in _CARD_DIGITS
        and luhn_valid(digits)
        and digits.count(digits[0]) != len(digits)
        and not _is_timestamp(digits)
    )


def _cards_in_run(run: str) -> int:
    """Cards in one run of digit groups: the whole run, else whole-group stretches."""
    if " " not in run and "-" not in run:
        return int(_is_card(run))
    groups = _GROUP_SEPARATOR.split(run)
    whole = "".join(groups)
    if _is_card(whole):
        return 1
    found = 0
    start = 0
    while start < len(groups):
        length = 0
        for end in range(start, len(groups)):
            length += len(groups[end])
            if length > _CARD_DIGITS.stop - 1:
                break
            if length in _CARD_DIGITS and _is_card("".join(groups[start : end + 1])):
                found += 1
                start = end
                break
        start += 1
    return found


def _count_cards(text: str) -> int:
    return sum(
        _cards_in_run(run) for run in _DIGIT_GROUPS.findall(text) if len(run) >= _CARD_DIGITS.start
    )


# --- National id (US SSN) -------------------------------------------------------------

# It starts with a character class, which lets the engine skip to candidate digits; the
# look-behinds then check the area and what precedes it.
_SSN: Final = re.compile(
    r"[0-8][0-9]{2}(?<![\w-][0-9]{3})(?<!000)(?<!666)(?P<separator>[- ])(?!00)[0-9]{2}"
    r"(?P=separator)(?!0000)[0-9]{4}(?!\w|-[0-9])"
)

# --- Entry points ---------------------------------------------------------------------


def pattern_findings(text: str, *, at_sign: bool, number: bool) -> list[Finding]:
    """The pattern rules that match ``text`` (in text form), by the pre-filter's answers.

    ``at_sign`` is ``"@" in text``, ``number`` is ``may_hold_number(text)``: the scanner
    computes both once per value and shares them with the identity rules.
    """
    findings: list[Finding] = []
    if at_sign:
        emails = sum(1 for _ in _EMAIL.finditer(text))
        if emails:
            findings.append(Finding(EMAIL, emails))
    if number:
        phones = cards = ssns = 0
        for start, stop in _number_spans(text):
            phones += sum(1 for match in _PHONE.finditer(text, start, stop) if _is_phone(match))
            cards += sum(
                _cards_in_run(run)
                for run in _DIGIT_GROUPS.findall(text, start, stop)
                if len(run) - run.count(" ") - run.count("-") >= _CARD_DIGITS.start
            )
            ssns += sum(1 for _ in _SSN.finditer(text, start, stop))
        found: tuple[tuple[Rule, int], ...] = (
            (PHONE, phones),
            (PAYMENT_CARD, cards),
            (NATIONAL_ID, ssns),
        )
        findings.extend(Finding(rule, count) for rule, count in found if count)
    return findings


_SPAN: Final = re.compile(r"[+(]*[0-9][-. ()/+0-9]*")
_LOOKAHEAD: Final = 2
"""The phone, card and SSN rules look at most two characters past a match."""


def _number_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the digit rules need to look: each stretch of digits, separators, parentheses
    and plus signs long enough for seven digits, as (start, stop) for ``finditer``.

    A match of those rules consists of such characters only, so it lies within one
    stretch; the stop lets the rules' look-aheads see the two characters after it (which
    are not stretch characters, so no match can take them in).
    """
    for span in _SPAN.finditer(text):
        start, end = span.span()
        if end - start >= _SHORTEST_NUMBER:
            yield start, min(len(text), end + _LOOKAHEAD)


def find_patterns(value: str) -> list[Finding]:
    """Every pattern rule that matches one raw value, with its number of occurrences."""
    text = normalized_text(value)
    return pattern_findings(text, at_sign="@" in text, number=may_hold_number(text))
