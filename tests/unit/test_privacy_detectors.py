"""Pattern detectors of the privacy gate: e-mail, phone, payment card, SSN (issue 15)."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from training_refresh.privacy.detectors import Finding, find_patterns, luhn_valid


def rules(value: str) -> dict[str, int]:
    return {finding.rule: finding.count for finding in find_patterns(value)}


# --- our own Luhn, so the detector is checked against something it does not share ---------


def luhn_sum(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def is_luhn(digits: str) -> bool:
    return luhn_sum(digits) % 10 == 0


def with_check_digit(payload: str) -> str:
    for check in "0123456789":
        if is_luhn(payload + check):
            return payload + check
    raise AssertionError("unreachable: one check digit always fits")


def looks_like_timestamp(digits: str) -> bool:
    try:
        return len(digits) == 14 and 1900 <= datetime.strptime(digits, "%Y%m%d%H%M%S").year < 2100
    except ValueError:
        return False


def is_card_number(digits: str) -> bool:
    """The rule's own definition, written again for the oracle of the grouping tests."""
    return (
        13 <= len(digits) <= 19
        and is_luhn(digits)
        and len(set(digits)) > 1
        and not looks_like_timestamp(digits)
    )


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(min_value=13, max_value=19))
    payload = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    number = with_check_digit(payload)
    assume(is_card_number(number))
    return number


@st.composite
def grouped(draw: st.DrawFn, digits: str) -> tuple[str, list[str]]:
    """``digits`` cut into groups joined by single spaces or hyphens: (text, groups)."""
    groups: list[str] = []
    rest = digits
    while rest:
        size = draw(st.integers(min_value=1, max_value=len(rest)))
        groups.append(rest[:size])
        rest = rest[size:]
    separators = draw(st.lists(st.sampled_from(" -"), min_size=len(groups), max_size=len(groups)))
    text = groups[0] + "".join(
        sep + group for sep, group in zip(separators, groups[1:], strict=False)
    )
    return text, groups


SURROUNDINGS = st.sampled_from(
    [
        ("", ""),
        ("card ", " thanks"),
        ("Karte: ", "."),
        ("💳 ", " 🙂"),
        ("n° ", ", merci"),
        ("(", ")"),
    ]
)


@given(card_numbers(), st.data(), SURROUNDINGS)
def test_every_luhn_valid_number_is_found_in_any_grouping(number, data, around):
    # Given a Luhn-valid number of 13-19 digits, grouped any way, in some text
    text, _groups = data.draw(grouped(number))
    value = around[0] + text + around[1]

    # When it is scanned / Then it is a card
    assert rules(value).get("payment_card") == 1


@given(card_numbers(), st.data())
def test_one_changed_digit_is_not_a_card_unless_a_whole_group_stretch_is(number, data):
    # Given a valid number with one digit changed (Luhn catches every single-digit change)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    changed = number[:position] + digit + number[position + 1 :]
    assert not is_luhn(changed)

    # Then, written without separators, it is no card
    assert "payment_card" not in rules(f"ref {changed}")

    # And grouped, it is one only where a stretch of whole groups is a card by itself
    text, groups = data.draw(grouped(changed))
    stretches = [
        "".join(groups[start:end])
        for start in range(len(groups))
        for end in range(start + 1, len(groups) + 1)
    ]
    expected = any(is_card_number(stretch) for stretch in stretches)
    assert ("payment_card" in rules(f"ref {text}")) == expected


@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_luhn_valid_agrees_with_our_luhn(digits):
    assert luhn_valid(digits) == is_luhn(digits)


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "3782 822463 10005",  # Amex 4-6-5
        "6011000990139424",
        "visa: 4012888888881881, exp 12/27",
        "exp 12 4111 1111 1111 1111",  # a card right after another number
        "4111111111111111 and 5500 0000 0000 0004",
    ],
)
def test_card_examples_are_found(value):
    assert "payment_card" in rules(value)


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "0000 0000 0000 0000",  # placeholder of one repeated digit
        "20240630123456",  # a compact timestamp
        "AB4111111111111111",  # glued to letters: a code
        "411111111111",  # 12 digits
        "41111111111111111111",  # 20 digits, taken whole
        "4111  1111  1111  1111",  # double spaces split the run into short numbers
    ],
)
def test_card_lookalikes_are_not_cards(value):
    assert "payment_card" not in rules(value)


# --- phone ----------------------------------------------------------------------------

NANP_FORMATS = [
    "{a}-{e}-{l}",
    "({a}) {e}-{l}",
    "({a}){e}-{l}",
    "{a}.{e}.{l}",
    "{a} {e} {l}",
    "{a}-{e}.{l}",
    "+1 {a} {e} {l}",
    "+1-{a}-{e}-{l}",
    "+1 ({a}) {e}-{l}",
    "1-{a}-{e}-{l}",
    "1 ({a}) {e}-{l}",
    "{a}{e}{l}",
    "1{a}{e}{l}",
    "+1{a}{e}{l}",
]
areas = st.integers(min_value=200, max_value=999).map(str)
exchanges = st.integers(min_value=200, max_value=999).map(str)
lines = st.integers(min_value=0, max_value=9999).map("{:04d}".format)
fictional_lines = st.integers(min_value=100, max_value=199).map("{:04d}".format)
PHONE_SURROUNDINGS = st.sampled_from(
    [("", ""), ("call me at ", " after 5"), ("Tel. ", ";"), ("📞", "📞"), ("cell: ", " (mom)")]
)


@given(areas, exchanges, lines, st.sampled_from(NANP_FORMATS), PHONE_SURROUNDINGS)
def test_nanp_numbers_are_found_in_every_format(area, exchange, line, form, around):
    assume(not (exchange == "555" and line.startswith("01")))
    value = around[0] + form.format(a=area, e=exchange, l=line) + around[1]
    assert rules(value).get("phone") == 1


@given(areas, fictional_lines, st.sampled_from(NANP_FORMATS), PHONE_SURROUNDINGS)
def test_the_fictional_555_01xx_range_is_allowed(area, line, form, around):
    value = around[0] + form.format(a=area, e="555", l=line) + around[1]
    assert "phone" not in rules(value)


@pytest.mark.parametrize(
    "value",
    [
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+49 30 123456",
        "00 44 20 7946 0958",
        "0044 20 7946 0958",
        "011 44 20 7946 0958",
        "+33 1 23 45 67 89",
        "+81-3-1234-5678",
        "+442079460958",
        "+1 608 5551 234",  # odd grouping, still a NANP number
    ],
)
def test_international_numbers_are_found(value):
    assert rules(value).get("phone") == 1


@pytest.mark.parametrize(
    "value",
    [
        "555-1234",  # no area code: a local number, left to own_phone
        "555-0123",  # what the anonymizer writes
        "0012345678",  # zero-padded number
        "+123",
        "10+20+30",
        "MC000300000001",  # a CRN: digits glued to letters
        "x6085551234",
        "6085551234-5",
        "608-555-12345",
        "Gate code 4411#",
        "+1 123 456 7890",  # area code 123 is no NANP area
    ],
)
def test_phone_lookalikes_are_not_phones(value):
    assert "phone" not in rules(value)


@st.composite
def non_phone_values(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)))
    cents = draw(st.integers(min_value=0, max_value=10**11))
    forms = [
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%m/%d/%Y"),
        moment.strftime("%d.%m.%Y"),
        moment.strftime("%Y%m%d"),
        moment.strftime("%H:%M:%S"),
        moment.isoformat(),
        moment.isoformat(sep=" ", timespec="seconds"),
        moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        f"${cents / 100:,.2f}",
        f"{cents / 100:.2f}",
        f"USD {cents // 100:,}",
        f"{draw(st.integers(0, 99_999)):05d}",
        f"{draw(st.integers(0, 99_999)):05d}-{draw(st.integers(0, 9999)):04d}",
        f"order {draw(st.integers(1, 999_999_999))}",
    ]
    return draw(st.sampled_from(forms))


@given(non_phone_values())
def test_dates_times_amounts_zip_codes_and_short_numbers_are_no_findings(value):
    assert find_patterns(value) == []


# --- e-mail ---------------------------------------------------------------------------

letters = st.characters(categories=("Ll", "Lu", "Lo")).filter(
    lambda c: c.isalpha() and unicodedata.normalize("NFKC", c) == c
)
atoms = st.text(
    alphabet=st.one_of(letters, st.sampled_from("0123456789_-+'")), min_size=1, max_size=12
)
labels = st.text(
    alphabet=st.one_of(letters, st.sampled_from("0123456789")), min_size=1, max_size=10
)
tlds = st.one_of(st.text(alphabet=letters, min_size=2, max_size=6), st.sampled_from(["com", "org"]))


@st.composite
def addresses(draw: st.DrawFn) -> str:
    local = ".".join(draw(st.lists(atoms, min_size=1, max_size=3)))
    domain = ".".join(draw(st.lists(labels, min_size=1, max_size=3)))
    return f"{local}@{domain}.{draw(tlds)}"


@given(addresses(), st.sampled_from([("", ""), ("write to ", " please"), ("📧", "🙂"), ("<", ">")]))
def test_generated_addresses_are_found(address, around):
    assert rules(around[0] + address + around[1]).get("email") == 1


@pytest.mark.parametrize(
    "value",
    [
        "jo@x.com",
        "josé@correo.es",
        "用户@例子.广告",
        "peter.oneil.6766@example.com",
        "a+b@x.co.uk.",
    ],
)
def test_address_examples_are_found(value):
    assert rules(value) == {"email": 1}


@given(
    st.sampled_from(
        ["meet {w} @ {n}pm", "{n} @ ${n}", "@{w}", "{w}@home", "{n}@{n}.{n}", "{w} @{w}"]
    ),
    st.text(alphabet=letters, min_size=1, max_size=8),
    st.integers(min_value=0, max_value=999),
)
def test_at_signs_used_otherwise_are_not_addresses(template, word, number):
    value = template.format(w=word, n=number)
    assert "email" not in rules(value)


# --- national id (SSN) ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["123-45-6789", "SSN 123 45 6789", "ssn: 078-05-1120."])
def test_social_security_numbers_are_found(value):
    assert rules(value).get("national_id") == 1


@pytest.mark.parametrize(
    "value",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "987-65-4321",
        "123-00-4567",
        "123-45-0000",
        "123-45 6789",  # two different separators
        "123456789",  # bare digits
        "A123-45-6789",
        "1123-45-6789",
    ],
)
def test_impossible_or_bare_ssns_are_not_found(value):
    assert "national_id" not in rules(value)


# --- Unicode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "\uff16\uff10\uff18-\uff15\uff15\uff15-\uff11\uff12\uff13\uff14",  # fullwidth digits
        "\u0666\u0660\u0668-\u0665\u0665\u0665-\u0661\u0662\u0663\u0664",  # Arabic-Indic
        "call\u00a0608\u00a0555\u00a01234",  # no-break spaces
        "608\u2011555\u20111234",  # non-breaking hyphens
        "608-\u200b555-1234",  # a zero-width space inside
        "Tél. : 608\N{EN DASH}555\N{EN DASH}1234 👍🏽",  # en dashes, emoji
    ],
)
def test_unicode_forms_of_a_phone_number_are_found(value):
    assert rules(value).get("phone") == 1


def test_fullwidth_at_sign_makes_an_address():
    assert rules("jo\uff20example\uff0ecom") == {"email": 1}


# --- findings carry nothing of the value ----------------------------------------------


def test_a_finding_is_only_a_rule_and_a_count():
    finding = find_patterns("call 608-555-1234")[0]
    assert [field.name for field in dataclasses.fields(Finding)] == ["rule", "count"]
    assert repr(finding) == "Finding(rule='phone', count=1)"
