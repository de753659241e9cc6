"""Identity rules of the privacy gate: the customer's own source identity (issue 15)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ims_refresh.synthetic_samples import synthetic_sample
from training_refresh.privacy.detectors import find_patterns
from training_refresh.privacy.identity import (
    CustomerIdentity,
    IdentityIndex,
    IdentityMatcher,
    find_identity,
)
from training_refresh.privacy.scanner import RULES
from training_refresh.privacy.vocabulary import COMMON_WORD_NAMES

SAMPLE = synthetic_sample(300)
SAMPLE_IDENTITIES = [identity for identity in SAMPLE.identities if identity.last_name]


def rules(value: str, identity: CustomerIdentity) -> dict[str, int]:
    return {finding.rule: finding.count for finding in find_identity(value, identity)}


def person(**parts: object) -> CustomerIdentity:
    return CustomerIdentity.model_validate({"customer_no": 6766, **parts}, strict=False)


# --- own_name -------------------------------------------------------------------------

O_NEIL = person(first_name="Peter", last_name="O'Neil")


@pytest.mark.parametrize(
    "value",
    ["Ask for O'Neil", "oneil", "ONEIL", "O\u2019Neil's parcel", "Mr. O'NEIL-SMITH", "🌟 ONeil 🌟"],
)
def test_the_surname_is_found_whatever_its_case_and_apostrophes(value):
    assert rules(value, O_NEIL) == {"own_name": 1}


@pytest.mark.parametrize("value", ["Neil", "Oneill", "ONeils2", "zoneil", "Peterson"])
def test_other_words_are_not_the_name(value):
    assert rules(value, O_NEIL) == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Müller", "MULLER"),
        ("Müller", "müller"),
        ("Søren", "Soren called"),
        ("Nguyễn 🌟", "Mrs NGUYEN"),
        ("Bartłomiej", "bartlomiej"),
        ("Zoë  ", "for zoe"),
        ("Иванов", "Иванов Иван"),
    ],
)
def test_names_match_without_accents(name, value):
    assert rules(value, person(last_name=name)) == {"own_name": 1}


def test_a_name_matches_only_as_a_whole_word():
    ann = person(first_name="Mary Ann", last_name="Li")
    assert rules("Annual catalog", ann) == {}
    assert rules("ask for Ann", ann) == {"own_name": 1}
    assert rules("Mary, Ann", ann) == {"own_name": 2}


@given(
    st.text(
        alphabet=st.characters(categories=("Lu", "Ll", "Lo")).filter(
            lambda c: c.isalpha() and unicodedata.normalize("NFKC", c) == c
        ),
        min_size=1,
        max_size=2,
    )
)
def test_names_shorter_than_three_letters_never_match(name):
    identity = person(first_name=name, last_name=name)
    assert rules(f"{name} {name.upper()} {name.lower()}", identity) == {}


def test_particles_of_a_name_do_not_match_on_their_own():
    identity = person(last_name="van der Berg")
    assert rules("a delivery van, der", identity) == {}
    assert rules("Mrs Berg", identity) == {"own_name": 1}


def test_a_name_that_is_a_common_word_needs_another_name_word_or_a_title():
    bell = person(first_name="Paul", last_name="Bell")
    assert "bell" in COMMON_WORD_NAMES
    assert rules("Ring bell twice", bell) == {}
    assert rules("RING BELL TWICE", bell) == {}
    assert rules("Ask for Mrs. Bell", bell) == {"own_name": 1}
    assert rules("PAUL BELL", bell) == {"own_name": 2}
    assert rules("Paul says: ring the bell", bell) == {"own_name": 2}


@given(
    st.sampled_from(SAMPLE_IDENTITIES),
    st.sampled_from(
        ["Leave with Mrs {} next door", "Mr {}", "c/o Dr. {}!", "«MS {}»", "📦 Mx {} 📦"]
    ),
)
def test_the_customers_own_surname_planted_in_text_is_found(identity, template):
    # Given a customer's source surname, as the source spells it, planted in a value
    surname = identity.last_name or ""
    name_words = IdentityMatcher(person(last_name=surname)).probes

    # When the value is scanned with that customer's identity
    found = rules(template.format(surname.strip()), identity)
    bare = rules(f"note: {surname.strip()}", person(last_name=surname))

    # Then the name is found, unless no word of it has three letters ("王", "Li"); alone
    # (no title, no first name) a name that is an everyday word ("Young") is not
    assert ("own_name" in found) == bool(name_words)
    assert ("own_name" in bare) == bool(name_words - COMMON_WORD_NAMES)


NOBODYS_SURNAMES = ["Patterson", "Okonkwo", "Fitzgerald", "Kowalczyk", "Haraldsson"]
EVERYDAY_TEXT = [
    "Leave at back door",
    "Ring bell twice \N{EN DASH} dog 🐕",
    "Please call before delivery",
    "Green house with white fence",
    "Gift for my mother, wrap in brown paper",
    "Ask the young man at the front desk",
    "King size bedding",
]


def test_a_surname_of_nobody_in_the_run_and_common_words_are_no_findings():
    # Given the run's customers, none of whom bears these surnames
    surnames = {(i.last_name or "").strip().casefold() for i in SAMPLE.identities}
    assert not surnames.intersection(name.casefold() for name in NOBODYS_SURNAMES)

    # When text with those surnames and everyday words is scanned for every customer
    values = [f"ask for Mr {name}" for name in NOBODYS_SURNAMES] + EVERYDAY_TEXT
    found = [rules(value, identity) for identity in SAMPLE.identities for value in values]

    # Then nothing is found
    assert not any(found)


# --- own_street -----------------------------------------------------------------------

STREET = person(street_line="4120 N Oak Ave Apt 2")


@pytest.mark.parametrize(
    "value",
    ["Deliver to 4120 North Oak Avenue", "4120 oak", "4120 N. OAK AVE.", "back of 4120 Oak"],
)
def test_the_street_line_is_found_in_any_spelling(value):
    assert rules(value, STREET) == {"own_street": 1}


@pytest.mark.parametrize("value", ["4121 Oak Ave", "Oak Ave", "4120 Elm St", "14120 Oak"])
def test_another_street_or_number_is_not_the_street(value):
    assert rules(value, STREET) == {}


def test_street_lines_without_a_house_number_are_not_compared():
    assert IdentityMatcher(person(street_line="Main Street")).probes == frozenset()
    assert rules("PO Box 1234", person(street_line="PO Box 1234")) == {"own_street": 1}
    assert rules("County Road 12", person(street_line="County Road 12")) == {"own_street": 1}
    assert rules("3 O'Farrell St", person(street_line="3 OFarrell Street")) == {"own_street": 1}


# --- own_phone ------------------------------------------------------------------------

PHONE_FORMS = [
    "{a}-{e}-{l}",
    "({a}) {e}-{l}",
    "{a}.{e}.{l}",
    "+1 {a} {e} {l}",
    "{a}{e}{l}",
    "{e}-{l}",
]


@given(
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(0, 9999),
    st.sampled_from(PHONE_FORMS),
    st.sampled_from(PHONE_FORMS),
)
def test_the_customers_phone_is_found_in_any_format(area, exchange, line, stored, written):
    parts = {"a": area, "e": exchange, "l": f"{line:04d}"}
    identity = person(phone=stored.format(**parts) + " x12")
    assert rules(f"call {written.format(**parts)} after 5", identity).get("own_phone") == 1


def test_another_phone_is_not_the_customers():
    identity = person(phone="(608) 246-1234")
    assert "own_phone" not in rules("608-246-1235", identity)
    assert "own_phone" not in rules("tel6082461234", identity)  # glued to letters
    assert IdentityMatcher(person(phone="246-12")).reads_numbers is False


# --- own_email ------------------------------------------------------------------------

EMAILS = person(emails=("JSmith73@Gmail.com", "info@acme-logistics.com", "js@x.com"))


@pytest.mark.parametrize(
    "value",
    [
        "jsmith73@gmail.com",
        "handle: JSMITH73",
        "jsmith73@other.org",
        "js@x.com",
        "INFO@ACME-LOGISTICS.COM",
    ],
)
def test_the_customers_addresses_and_handles_are_found(value):
    assert rules(value, EMAILS) == {"own_email": 1}


@pytest.mark.parametrize("value", ["xjsmith73", "jsmith73x", "js@x.com.au", "info desk", "js said"])
def test_pieces_of_other_words_and_role_handles_are_not_found(value):
    assert rules(value, EMAILS) == {}


# --- identities never show their values -----------------------------------------------


def test_an_identity_shows_only_its_customer_number():
    identity = person(
        first_name="Zoë", last_name="O'Neil", phone="608-246-1234", emails=("z@x.com",)
    )
    assert repr(identity) == "CustomerIdentity(customer_no=6766)"
    assert str(identity) == "customer_no=6766"
    assert repr(IdentityMatcher(identity)) == "IdentityMatcher(customer_no=6766)"
    assert repr(IdentityIndex([identity])) == "IdentityIndex(1 customers)"


def test_validation_errors_about_an_identity_hide_the_input():
    with pytest.raises(ValidationError) as caught:
        CustomerIdentity(customer_no=1, first_name="Zoë", emails="secret.person@example.com")  # type: ignore[arg-type]
    assert "secret.person" not in str(caught.value)


def test_an_index_refuses_two_identities_of_one_customer():
    with pytest.raises(ValueError, match="customer 6766 has two identities"):
        IdentityIndex([person(last_name="A"), person(last_name="B")])


# --- any text at all ------------------------------------------------------------------

identities = st.builds(
    CustomerIdentity,
    customer_no=st.integers(0, 10**15 - 1),
    first_name=st.none() | st.text(max_size=30),
    last_name=st.none() | st.text(max_size=40),
    street_line=st.none() | st.text(max_size=60),
    phone=st.none() | st.text(max_size=20),
    emails=st.lists(st.text(max_size=40), max_size=3).map(tuple),
)


@given(st.text(max_size=300), identities)
def test_any_text_and_identity_give_only_rule_names_and_positive_counts(value, identity):
    findings = find_identity(value, identity) + find_patterns(value)
    assert all(finding.rule in RULES and finding.count > 0 for finding in findings)
