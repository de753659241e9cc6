"""Identity rules of the privacy gate: the customer's own source identity in a kept value.

One job: given the source identity of the customer a row belongs to (names, street line,
phone, e-mail addresses) and one text value of that row, count how often each part of
the identity occurs in it. Pure; the identity is compiled once per customer into an
``IdentityMatcher`` whose ``repr`` shows the customer number only. Values, identities and
their parts never reach a finding, a message or a repr.

Every rule reads the text form of ``detectors.normalized_text``; names and streets are
compared *folded*: accents removed (NFKD, combining marks dropped, and the letters that do
not decompose spelt out: o-slash as o, l-stroke as l, ae, oe, sharp s as ss, thorn as th,
dotless i as i...), case-folded, apostrophes removed.

``own_name``
    Each word of the first and of the last name that has three letters or more (counted
    in text form, before folding: ``Æ`` is one letter) and is not a particle (van, von,
    der, del, della, des, dos, das, den, ter, ten, bin, ibn, bint, abu, san, saint,
    sainte). Words are split at spaces, hyphens, dots and anything else that is not a
    letter or digit; apostrophes join (``O'Neil`` is the word ``oneil``). It matches a
    whole word of the value: a run of letters and digits that apostrophes may join, of
    which each apostrophe-joined stretch (of up to four parts) is tried. So ``O'Neil``,
    ``oneil``, ``ONEIL``, ``O'Neil's`` and ``Smith's`` match; ``Ann`` does not match
    ``Annual``, and ``Smith`` matches neither ``Smith2`` nor ``jsmith``. Shorter names
    never match (``Li``, ``Jo``, 1-2 character CJK names: too many words contain them).
    Known limits: text without spaces between words (Chinese, Japanese) is matched only
    where a name stands apart, and in scripts that write vowels as combining signs
    (Devanagari...) a word breaks at those signs.
    A name word that is also an everyday English word (``COMMON_WORD_NAMES``: Bell, King,
    Young, Green, Mark, Rose...) counts only where the value also holds another word of
    the customer's name, or a title (``TITLES``: Mr, Mrs, Ms, Miss, Mx, Dr...) stands
    right before it: for Mr Paul King, "King size bedding" and "KING SIZE" are no
    findings, "Ask for Mr King" and "Paul King called" are. (Case cannot tell them
    apart: mainframe text is often all capitals.)
``own_street``
    The street line folded, cut into words of letters and digits, street types spelt as
    USPS abbreviations (Street -> st, Avenue -> ave...) and compass words (N, North, SW...)
    dropped, then cut before its street type (``4120 N Oak Ave Apt 2`` -> ``4120 oak``),
    unless that would leave no house number (``County Road 12`` stays whole). It applies
    only when the result holds a word with a digit (the house number, or a PO box number)
    and one with a letter; it matches where the value's words, treated the same way,
    contain it as a consecutive sequence ("Deliver to 4120 North Oak Avenue").
``own_phone``
    The phone's digits before any extension (``x12``, ``ext. 12``), at least seven, of
    which the last seven (exchange and line of a NANP number) are compared: a number of
    the value (see detectors: a run of digits not right after a letter, joined across
    one or two of ``-. /()+``) whose digits contain those seven is a finding, whatever
    the format (``608.555.1234``, ``(608) 555-1234``, ``5551234``, ``+1 608 555 1234``).
``own_email``
    Each address, case-insensitively, where it stands apart (not inside a longer
    address). Also its local part alone, when that has four characters or more, at
    least one letter, and is not a role word such as info, sales, admin or home: a
    handle like ``jsmith73`` identifies its owner without the domain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from training_refresh.privacy.addresses import occurrences, stands_apart
from training_refresh.privacy.detectors import Finding, Rule, may_hold_number, normalized_text
from training_refresh.privacy.vocabulary import (
    COMMON_WORD_NAMES,
    COMPASS_WORDS,
    LETTERS_WITHOUT_DECOMPOSITION,
    NAME_PARTICLES,
    ROLE_LOCAL_PARTS,
    STREET_TYPE_ABBREVIATIONS,
    STREET_TYPES,
    TITLES,
)

OWN_NAME: Final = "own_name"
OWN_STREET: Final = "own_street"
OWN_PHONE: Final = "own_phone"
OWN_EMAIL: Final = "own_email"
IDENTITY_RULES: Final[tuple[Rule, ...]] = (OWN_NAME, OWN_STREET, OWN_PHONE, OWN_EMAIL)

MIN_NAME_LETTERS: Final = 3
MIN_PHONE_DIGITS: Final = 7
MIN_LOCAL_PART: Final = 4
_MAX_STRETCH_PARTS: Final = 4

_COMBINING_MARKS: Final = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)
_WORD: Final = re.compile(r"[^\W_]+")
_APOSTROPHE_WORD: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_NUMBER_RUN: Final = re.compile(r"(?<![^\W_])[0-9]+(?:[-. /()+]{1,2}[0-9]+)*")
_NON_DIGITS: Final = re.compile(r"[^0-9]+")
_LETTER: Final = re.compile(r"[^\W\d_]")
_DIGIT: Final = re.compile(r"\d")


class CustomerIdentity(BaseModel):
    """A customer's source identity, as the privacy gate compares it. Every part optional.

    Source personal data: keep it only while a chunk is scanned. Its repr, and any
    validation error about it, show the customer number and nothing else.
    """

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", hide_input_in_errors=True)

    customer_no: int = Field(ge=0)
    first_name: str | None = Field(default=None, repr=False)
    last_name: str | None = Field(default=None, repr=False)
    street_line: str | None = Field(default=None, repr=False)
    phone: str | None = Field(default=None, repr=False)
    emails: Annotated[tuple[StrictStr, ...], Field(default=(), strict=False, repr=False)]
    """All the customer's addresses (ims_cus_email holds several)."""


def accentless(text: str) -> str:
    """``text`` without accents (see the module docstring); case is kept."""
    if text.isascii():
        return text
    stripped = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return stripped.translate(LETTERS_WITHOUT_DECOMPOSITION)


def folded(text: str) -> str:
    """``text`` (in text form) accentless, case-folded and without apostrophes."""
    result = _lowered(text)
    return result.replace("'", "") if "'" in result else result


def value_words(text: str) -> frozenset[str]:
    """The folded words of ``text`` (in text form): runs of letters and digits, and for
    each apostrophe-joined run every stretch of it (``o'neil's``: o, oneil, oneils, neil,
    neils, s). Whatever an identity rule can find, its probe word is among these."""
    lowered = _lowered(text)
    if "'" not in lowered:
        return frozenset(_WORD.findall(lowered))
    words: set[str] = set()
    for word in _APOSTROPHE_WORD.findall(lowered):
        if "'" in word:
            words.update(_stretches(word))
        else:
            words.add(word)
    return frozenset(words)


def value_numbers(text: str) -> tuple[str, ...]:
    """The digits of each number in ``text`` (in text form) that has seven or more: a run
    of digits not right after a letter or digit, joined across one or two of
    ``-. /()+``. Empty unless ``detectors.may_hold_number(text)``."""
    runs = (_NON_DIGITS.sub("", run) for run in _NUMBER_RUN.findall(text))
    return tuple(run for run in runs if len(run) >= MIN_PHONE_DIGITS)


class IdentityMatcher:
    """One customer's identity, compiled once to match many values fast.

    A value is described by its ``value_words`` and ``value_numbers`` (computed once per
    value, whoever's it is): the name, street and e-mail rules can only find something
    when one of ``probes`` is among the words, the phone rule only when
    ``reads_numbers`` and the value holds a number.
    """

    __slots__ = (
        "_email_needles",
        "_email_probes",
        "_name_words",
        "_phone_key",
        "_street_key",
        "_street_probe",
        "customer_no",
        "probes",
        "reads_numbers",
    )

    def __init__(self, identity: CustomerIdentity) -> None:
        self.customer_no = identity.customer_no
        self._name_words = _name_words(identity.first_name) | _name_words(identity.last_name)
        self._street_key = _street_key(identity.street_line)
        self._street_probe = next((word for word in self._street_key if _has_digit(word)), "")
        self._phone_key = _phone_key(identity.phone)
        self._email_needles = _email_needles(identity.emails)
        self._email_probes = frozenset(probe for _needle, probe, _local in self._email_needles)
        self.probes = self._name_words | self._email_probes
        if self._street_probe:
            self.probes |= {self._street_probe}
        self.reads_numbers = bool(self._phone_key)

    def __repr__(self) -> str:
        return f"IdentityMatcher(customer_no={self.customer_no})"

    def findings(self, text: str, words: frozenset[str], numbers: tuple[str, ...]) -> list[Finding]:
        """The identity rules that match ``text`` (in text form, see detectors), given its
        ``value_words`` and ``value_numbers``."""
        found: list[Finding] = []
        if not self._name_words.isdisjoint(words):
            names = self._names_in(text)
            if names:
                found.append(Finding(OWN_NAME, names))
        if self._street_probe in words:
            streets = self._streets_in(text)
            if streets:
                found.append(Finding(OWN_STREET, streets))
        if numbers and self._phone_key:
            phones = sum(1 for number in numbers if self._phone_key in number)
            if phones:
                found.append(Finding(OWN_PHONE, phones))
        if not self._email_probes.isdisjoint(words):
            emails = self._emails_in(text)
            if emails:
                found.append(Finding(OWN_EMAIL, emails))
        return found

    def _names_in(self, text: str) -> int:
        words = _APOSTROPHE_WORD.findall(_lowered(text))
        names = [self._name_in(word) for word in words]
        found = {name for name in names if name}
        return sum(
            1
            for position, name in enumerate(names)
            if name
            and (
                name not in COMMON_WORD_NAMES
                or len(found) > 1
                or (position > 0 and words[position - 1].replace("'", "") in TITLES)
            )
        )

    def _name_in(self, word: str) -> str:
        """The name word that ``word`` (folded) is, or a stretch of it is; else ""."""
        if "'" not in word:
            return word if word in self._name_words else ""
        for stretch in _stretches(word):
            if stretch in self._name_words:
                return stretch
        return ""

    def _streets_in(self, text: str) -> int:
        words = _street_words(text)
        key = self._street_key
        size = len(key)
        return sum(
            1
            for start in range(len(words) - size + 1)
            if words[start] == key[0] and tuple(words[start : start + size]) == key
        )

    def _emails_in(self, text: str) -> int:
        casefolded = text.casefold()
        starts: set[int] = set()
        for needle, _probe, is_local_part in self._email_needles:
            end = len(needle)
            starts.update(
                start
                for start in occurrences(casefolded, needle)
                if stands_apart(casefolded, start, start + end, is_local_part)
            )
        return len(starts)


class IdentityIndex:
    """The identity matchers of a chunk's customers, by customer number.

    ``probes`` is the union of every matcher's probes: a value that holds none of them
    (nearly all values) needs no identity matching for any row.
    """

    __slots__ = ("_matchers", "probes", "reads_numbers")

    def __init__(self, identities: Iterable[CustomerIdentity]) -> None:
        self._matchers: dict[int, IdentityMatcher] = {}
        for identity in identities:
            if identity.customer_no in self._matchers:
                raise ValueError(f"customer {identity.customer_no} has two identities")
            self._matchers[identity.customer_no] = IdentityMatcher(identity)
        self.probes: frozenset[str] = frozenset().union(
            *(matcher.probes for matcher in self._matchers.values())
        )
        self.reads_numbers = any(matcher.reads_numbers for matcher in self._matchers.values())

    def __repr__(self) -> str:
        return f"IdentityIndex({len(self._matchers)} customers)"

    def __len__(self) -> int:
        return len(self._matchers)

    def get(self, customer_no: int | None) -> IdentityMatcher | None:
        return self._matchers.get(customer_no) if customer_no is not None else None


def find_identity(value: str, identity: CustomerIdentity) -> list[Finding]:
    """Every identity rule that matches one raw value of ``identity``'s customer."""
    text = normalized_text(value)
    numbers = value_numbers(text) if may_hold_number(text) else ()
    return IdentityMatcher(identity).findings(text, value_words(text), numbers)


def _lowered(text: str) -> str:
    return text.lower() if text.isascii() else accentless(text).casefold()


def _stretches(word: str) -> Iterator[str]:
    """Every apostrophe-joined stretch of ``word`` of at most ``_MAX_STRETCH_PARTS`` parts,
    apostrophes removed (a name has fewer parts; the bound keeps a value of many
    apostrophes from costing the square of its length)."""
    parts = word.split("'")
    for start in range(len(parts)):
        for end in range(start + 1, min(len(parts), start + _MAX_STRETCH_PARTS) + 1):
            yield "".join(parts[start:end])


# --- Compiling an identity ----------------------------------------------------------------


def _name_words(name: str | None) -> frozenset[str]:
    """The folded words of a name that the rule looks for (``O'Neil`` is one, ``oneil``).

    Letters are counted in text form, before folding: ``Æ`` is one letter, not ``ae``.
    """
    if not name:
        return frozenset()
    letter_words = (
        word.replace("'", "")
        for word in _APOSTROPHE_WORD.findall(normalized_text(name))
        if not _has_digit(word)
    )
    keys = (_lowered(word) for word in letter_words if len(word) >= MIN_NAME_LETTERS)
    return frozenset(key for key in keys if key not in NAME_PARTICLES)


def _street_words(text: str) -> list[str]:
    words = (STREET_TYPES.get(word, word) for word in _WORD.findall(folded(text)))
    return [word for word in words if word not in COMPASS_WORDS]


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _has_letter(text: str) -> bool:
    return _LETTER.search(text) is not None


def _street_key(line: str | None) -> tuple[str, ...]:
    """The street line's words to look for; empty when the rule does not apply."""
    if not line:
        return ()
    words = _street_words(normalized_text(line))
    for position, word in enumerate(words):
        head = words[:position]
        if (
            word in STREET_TYPE_ABBREVIATIONS
            and _has_digit("".join(head))
            and _has_letter("".join(head))
        ):
            words = head
            break
    if len(words) < 2 or not (_has_digit("".join(words)) and _has_letter("".join(words))):
        return ()
    return tuple(words)


def _phone_key(phone: str | None) -> str:
    if not phone:
        return ""
    text = normalized_text(phone)
    extension = _LETTER.search(text)
    digits = _NON_DIGITS.sub("", text[: extension.start()] if extension else text)
    return digits[-MIN_PHONE_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""


def _email_needles(emails: Iterable[str]) -> tuple[tuple[str, str, bool], ...]:
    """(needle, probe, is_local_part) for each address and each usable local part.

    The needle is looked for in the case-folded value. The probe is its first folded word:
    where the needle stands apart in a value, the probe is one of the ``value_words``.
    """
    needles: dict[str, bool] = {}
    for email in emails:
        address = normalized_text(email).strip().casefold()
        if "@" not in address:
            continue
        needles.setdefault(address, False)
        local = address.rpartition("@")[0]
        if len(local) >= MIN_LOCAL_PART and _has_letter(local) and local not in ROLE_LOCAL_PARTS:
            needles.setdefault(local, True)
    probes = {needle: _WORD.search(folded(needle)) for needle in needles}
    return tuple(
        (needle, probe[0], local)
        for needle, local in needles.items()
        if (probe := probes[needle]) is not None
    )
