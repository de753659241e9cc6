"""Anonymization: docs/design.md §4."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_refresh.anonymize import (
    ANONYMIZERS,
    FIRST_NAMES,
    LAST_NAMES,
    anonymize_cus_email,
    anonymize_customer,
    email_local_name,
    fictional_birth_date,
    fictional_email,
    fictional_name,
)
from training_refresh.errors import TableConfigError

PINNED_SEED_NAMES_SHA256 = "99bc9fb728acee35dd4b6b071d2073ca8167fb806a2cf8fde9bfda6a8146afb9"
CUSTOMER_PII = (
    "first_name",
    "middle_initial",
    "last_name",
    "address_line1",
    "address_line2",
    "phone_number",
    "birth_date",
)
customer_numbers = st.integers(min_value=0, max_value=10**15 - 1)


def customer_row(customer_no: int = 1234567, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "customer_no": customer_no,
        "first_name": "Margarete",
        "middle_initial": "K",
        "last_name": "Müller-Lüdenscheidt",
        "address_line1": "12 Real Street",
        "address_line2": "Floor 3",
        "city": "Chicago",
        "state_code": "IL",
        "zip_code": "60601",
        "phone_number": "(312) 555-8812",
        "birth_date": datetime.date(1971, 6, 14),
        "credit_limit": Decimal("2500.00"),
        "account_status": "A",
        "open_date": datetime.date(2001, 3, 2),
        "last_update_ts": datetime.datetime(2026, 1, 2, 3, 4, 5),
    }
    row.update(changes)
    return row


def email_row(customer_no: int = 6766, email_seq: int = 1, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "customer_no": customer_no,
        "email_seq": email_seq,
        "email_address": "real.person@mail.example.org",
        "email_type": "HOME",
        "opt_in_flag": "Y",
        "last_update_ts": datetime.datetime(2026, 1, 2, 3, 4, 5),
    }
    row.update(changes)
    return row


# --- the seed name lists ----------------------------------------------------------------


def test_seed_lists_keep_their_length_ends_and_order():
    # Given the name lists shipped in the package
    # When their ends, lengths and content hash are compared with the pinned values
    digest = hashlib.sha256(json.dumps([list(FIRST_NAMES), list(LAST_NAMES)]).encode())

    # Then nothing was added, dropped or reordered (a reorder renames every customer)
    assert (len(FIRST_NAMES), len(LAST_NAMES)) == (104, 104)
    assert (FIRST_NAMES[0], FIRST_NAMES[-1]) == ("Alice", "Zeke")
    assert (LAST_NAMES[0], LAST_NAMES[-1]) == ("Anderson", "Zavala")
    assert digest.hexdigest() == PINNED_SEED_NAMES_SHA256


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_no", "name"),
    [
        (1234567, ("Tina", "Patterson")),
        (7, ("Alice", "Harris")),
        (6766, ("Peter", "O'Neil")),
        (0, ("Alice", "Anderson")),
        (9999, ("Vern", "Vega")),
        (10_000, ("Alice", "Anderson")),
    ],
)
def test_names_follow_the_design_examples(customer_no, name):
    # Given a customer number
    # When its fictional name is derived
    # Then it is the one training staff know
    assert fictional_name(customer_no) == name


@given(customer_numbers)
def test_names_follow_the_last_four_digits_rule_as_written(customer_no):
    # Given any customer number
    # When the rule of docs/design.md §4 is applied literally to its digits
    last4 = str(customer_no)[-4:].rjust(4, "0")
    expected = (FIRST_NAMES[int(last4[0:2])], LAST_NAMES[int(last4[2:4])])

    # Then fictional_name agrees
    assert fictional_name(customer_no) == expected


def test_only_the_first_hundred_names_of_each_list_are_reachable():
    # Given every possible last-four-digits value
    # When their names are derived
    names = [fictional_name(n) for n in range(10_000)]

    # Then exactly the names at indexes 0-99 are used: those found only at 100-103 never
    assert {first for first, _ in names} == set(FIRST_NAMES[:100])
    assert {last for _, last in names} == set(LAST_NAMES[:100])


def test_negative_customer_number_is_refused():
    # Given a negative number, which no customer has
    # When a name is derived
    # Then it is refused rather than indexed from the end of the list
    with pytest.raises(ValueError, match="negative"):
        fictional_name(-1)


@pytest.mark.parametrize(
    ("name", "local"),
    [("O'Neil", "oneil"), ("Tina", "tina"), ("Mary-Jane", "maryjane"), ("Zoë 2", "zo"), ("", "")],
)
def test_email_local_name_keeps_only_lower_case_a_to_z(name, local):
    # Given a name with capitals, punctuation, digits or accents
    # When it is made into an email local name
    # Then only a-z remain, lower-cased
    assert email_local_name(name) == local


@pytest.mark.parametrize(
    ("customer_no", "email_seq", "email"),
    [
        (6766, 1, "peter.oneil.6766@example.com"),
        (6766, 2, "peter.oneil.6766.2@example.com"),
        (1234567, 1, "tina.patterson.1234567@example.com"),
        (7, 3, "alice.harris.7.3@example.com"),
        (7, 0, "alice.harris.7.0@example.com"),
    ],
)
def test_emails_follow_the_design_rule(customer_no, email_seq, email):
    # Given a customer number and email sequence
    # When the fictional email is derived
    # Then it matches docs/design.md §4, with the sequence only when it is not 1
    assert fictional_email(customer_no, email_seq) == email


# --- IMS_CUSTOMER -----------------------------------------------------------------------


def test_customer_row_is_anonymized_to_pinned_values():
    # Given a real-looking customer row
    row = customer_row(1234567)

    # When it is anonymized
    anonymized = anonymize_customer(row)

    # Then every PII column holds the fictional value pinned here (a change to these
    # values re-addresses every training customer, so it must be deliberate)
    assert anonymized == {
        **row,
        "first_name": "Tina",
        "middle_initial": None,
        "last_name": "Patterson",
        "address_line1": "8037 Mill Lane",
        "address_line2": "Suite 981",
        "phone_number": "555-0112",
        "birth_date": datetime.date(1971, 8, 10),
    }


def test_customer_columns_that_are_not_personal_are_kept_and_input_is_untouched():
    # Given a customer row
    row = customer_row()
    original = dict(row)

    # When it is anonymized
    anonymized = anonymize_customer(row)

    # Then city, state, zip and the other business columns are unchanged, in the same
    # key order, and the caller's row is not modified
    for column in ("customer_no", "city", "state_code", "zip_code", "credit_limit"):
        assert anonymized[column] == row[column]
    for column in ("account_status", "open_date", "last_update_ts"):
        assert anonymized[column] == row[column]
    assert list(anonymized) == list(row)
    assert row == original


def test_null_customer_values_stay_null():
    # Given a customer with every personal column NULL
    row = customer_row(**dict.fromkeys(CUSTOMER_PII))

    # When it is anonymized
    anonymized = anonymize_customer(row)

    # Then no value is invented
    assert all(anonymized[column] is None for column in CUSTOMER_PII)


def test_blank_customer_texts_stay_blank():
    # Given blank text where legacy data means "none"
    row = customer_row(first_name="", address_line2="   ", phone_number=" ")

    # When it is anonymized
    anonymized = anonymize_customer(row)

    # Then the blanks stay as they are while the other columns are replaced
    assert (anonymized["first_name"], anonymized["address_line2"]) == ("", "   ")
    assert anonymized["phone_number"] == " "
    assert anonymized["last_name"] == "Patterson"


@given(customer_numbers, st.integers(min_value=1, max_value=9999))
def test_fictional_customer_values_fit_their_columns_and_ranges(customer_no, birth_year):
    # Given any customer number and birth year
    row = customer_row(customer_no, birth_date=datetime.date(birth_year, 1, 1))

    # When the row is anonymized
    anonymized = anonymize_customer(row)

    # Then the phone is in 555-0100..0199, the birth date keeps the year, is a day 1-28
    # (so never 29 February), and the address lines fit VARCHAR(60)
    assert re.fullmatch(r"555-01[0-9]{2}", str(anonymized["phone_number"]))
    birth_date = anonymized["birth_date"]
    assert isinstance(birth_date, datetime.date)
    assert birth_date.year == birth_year
    assert birth_date.day <= 28
    assert 0 < len(str(anonymized["address_line1"])) <= 60
    assert 0 < len(str(anonymized["address_line2"])) <= 60


def test_birth_date_of_29_february_gets_a_date_of_the_same_year():
    # Given customers born on a leap day, and a datetime value from the driver
    for customer_no in range(200):
        row = customer_row(customer_no, birth_date=datetime.datetime(2000, 2, 29, 0, 0))

        # When they are anonymized
        birth_date = anonymize_customer(row)["birth_date"]

        # Then the birth date is a plain date in 2000
        assert type(birth_date) is datetime.date
        assert birth_date.year == 2000


def test_birth_dates_spread_over_the_year():
    # Given many customers born on the same day
    # When they are anonymized
    anonymized = [anonymize_customer(customer_row(n))["birth_date"] for n in range(2_000)]

    # Then their fictional birthdays use every month and every day 1-28
    birth_dates = [d for d in anonymized if isinstance(d, datetime.date)]
    assert len(birth_dates) == len(anonymized)
    assert {d.month for d in birth_dates} == set(range(1, 13))
    assert {d.day for d in birth_dates} == set(range(1, 29))


@given(customer_numbers)
def test_anonymization_is_deterministic(customer_no):
    # Given two different source rows of the same customer
    first_source = customer_row(customer_no)
    second_source = customer_row(customer_no, first_name="Other", address_line1="9 Elsewhere")

    # When both are anonymized
    first = anonymize_customer(first_source)
    second = anonymize_customer(second_source)

    # Then every personal column gets the same value
    assert {c: first[c] for c in CUSTOMER_PII} == {c: second[c] for c in CUSTOMER_PII}


# Source text that no fictional value can contain, since it holds a non-ASCII character,
# and not blank (blank text is kept as it is).
source_texts = (
    st.tuples(st.text(), st.characters(min_codepoint=0x80), st.text())
    .map("".join)
    .filter(str.strip)
)


source_pii = st.fixed_dictionaries(
    {
        "first_name": source_texts,
        "last_name": source_texts,
        "address_line1": source_texts,
        "address_line2": source_texts,
        "phone_number": source_texts,
    }
)


@given(customer_numbers, source_pii, st.dates())
def test_no_customer_source_text_reaches_the_output(customer_no, sources, birth_date):
    # Given a customer row of random Unicode personal data
    row = customer_row(customer_no, birth_date=birth_date, **sources)

    # When it is anonymized
    anonymized = anonymize_customer(row)

    # Then no source value appears in any personal column, the birth date is another day of
    # the same year, and every other value equals that of a plain row of the same customer
    output = " ".join(str(anonymized[column]) for column in CUSTOMER_PII)
    for source in sources.values():
        assert source not in output
    assert anonymized["birth_date"] != birth_date
    assert anonymized["birth_date"].year == birth_date.year
    plain = anonymize_customer(
        customer_row(customer_no, birth_date=datetime.date(birth_date.year, 1, 1))
    )
    others = [c for c in CUSTOMER_PII if c != "birth_date"]
    assert {c: anonymized[c] for c in others} == {c: plain[c] for c in others}


def test_customer_row_with_an_unclassified_column_is_refused():
    # Given a customer row with a column the anonymizer has never been told about
    row = customer_row(maiden_name="Smith")

    # When it is anonymized
    # Then it is refused, naming the column, rather than copied through
    with pytest.raises(TableConfigError, match="maiden_name"):
        anonymize_customer(row)


def test_customer_row_keyed_in_upper_case_is_refused():
    # Given a row keyed by MySQL column names instead of source names
    row = {column.upper(): value for column, value in customer_row().items()}

    # When it is anonymized
    # Then it is refused instead of passing every column through untouched
    with pytest.raises(TableConfigError, match="FIRST_NAME"):
        anonymize_customer(row)


@pytest.mark.parametrize(
    "changes",
    [{"customer_no": "1234567"}, {"customer_no": True}, {"birth_date": "1971-06-14"}],
    ids=["text-customer-no", "bool-customer-no", "text-birth-date"],
)
def test_undecoded_values_are_refused_without_quoting_them(changes):
    # Given a value the driver did not decode to its Python type
    row = customer_row(**changes)

    # When it is anonymized
    with pytest.raises(TypeError) as caught:
        anonymize_customer(row)

    # Then the error names the column and type, never the value
    column, value = next(iter(changes.items()))
    assert column in str(caught.value)
    assert str(value) not in str(caught.value)


# --- IMS_CUS_EMAIL ----------------------------------------------------------------------


def test_email_row_gets_the_fictional_address_and_keeps_the_rest():
    # Given an email row of customer 6766, sequence 2
    row = email_row(6766, 2)

    # When it is anonymized
    anonymized = anonymize_cus_email(row)

    # Then only the address changes
    assert anonymized == {**row, "email_address": "peter.oneil.6766.2@example.com"}


def test_null_email_stays_null():
    # Given an email row without an address
    row = email_row(email_address=None)

    # When it is anonymized
    anonymized = anonymize_cus_email(row)

    # Then no address is invented
    assert anonymized == row


@given(customer_numbers, st.integers(min_value=-32768, max_value=32767), source_texts)
def test_no_email_source_text_reaches_the_output(customer_no, email_seq, source_email):
    # Given an email row holding random Unicode text
    row = email_row(customer_no, email_seq, email_address=source_email)

    # When it is anonymized
    anonymized = anonymize_cus_email(row)

    # Then the address is the fictional one and holds nothing of the source
    assert anonymized["email_address"] == fictional_email(customer_no, email_seq)
    assert source_email not in str(anonymized["email_address"])
    assert len(str(anonymized["email_address"])) <= 254


def test_email_row_with_an_unclassified_column_is_refused():
    # Given an email row with an unknown extra column
    row = email_row(display_name="Real Person")

    # When it is anonymized
    # Then it is refused
    with pytest.raises(TableConfigError, match="display_name"):
        anonymize_cus_email(row)


# --- wiring to the table configuration --------------------------------------------------


def test_every_configured_anonymizer_exists_and_accepts_its_table_columns():
    # Given the shipped table configuration
    document = json.loads(
        resources.files("training_refresh").joinpath("table_configs.json").read_text("utf-8")
    )
    tables = [t for c in document["configs"] for t in c["tables"] if t["anonymizer"]]

    # When each anonymized table's row, with exactly its configured columns, is anonymized
    for table in tables:
        row: dict[str, object] = dict.fromkeys(table["columns"])
        row.update({key: 1 for key in ("customer_no", "email_seq") if key in row})
        anonymized = ANONYMIZERS[table["anonymizer"]](row)

        # Then the anonymizer is registered and returns the same columns
        assert list(anonymized) == table["columns"]
    assert {t["anonymizer"] for t in tables} == set(ANONYMIZERS)


def test_the_real_birth_date_never_survives_even_when_the_pick_matches_it() -> None:
    # Given a customer whose real birth date is exactly the fictional pick for its year
    picked = fictional_birth_date(1234567, 1970)
    row = customer_row(1234567, birth_date=picked)
    # When it is anonymized
    anonymized = anonymize_customer(row)
    # Then another day of the same month and year is used, deterministically
    assert anonymized["birth_date"] != picked
    assert anonymized["birth_date"].year == 1970
    assert anonymized["birth_date"].month == picked.month
    assert anonymized == anonymize_customer(row)
