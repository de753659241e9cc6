"""As-of date parsing: docs/design.md §3."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_refresh.as_of import parse_as_of, today_utc
from training_refresh.errors import InvalidAsOfDateError

TODAY = datetime.date(2026, 5, 20)


def rejection(text: str) -> str:
    with pytest.raises(InvalidAsOfDateError) as caught:
        parse_as_of(text, TODAY)
    return str(caught.value)


def test_past_date_is_accepted():
    # Given a date before today in YYYY-MM-DD
    # When it is parsed
    as_of = parse_as_of("2026-01-05", TODAY)

    # Then it is that calendar date
    assert as_of == datetime.date(2026, 1, 5)


def test_today_is_accepted():
    # Given today's date
    # When it is parsed
    as_of = parse_as_of("2026-05-20", TODAY)

    # Then it is accepted: "as of today" is the current state
    assert as_of == TODAY


def test_surrounding_whitespace_is_trimmed():
    # Given a date typed with spaces and a trailing newline
    # When it is parsed
    as_of = parse_as_of("  2026-02-28 \n", TODAY)

    # Then the whitespace is ignored
    assert as_of == datetime.date(2026, 2, 28)


def test_leap_day_of_a_leap_year_is_accepted():
    # Given 29 February of a leap year
    # When it is parsed
    as_of = parse_as_of("2024-02-29", TODAY)

    # Then it is a real date
    assert as_of == datetime.date(2024, 2, 29)


def test_tomorrow_is_rejected_as_future():
    # Given the day after today
    # When it is parsed
    message = rejection("2026-05-21")

    # Then the date is quoted and the reason names today's UTC date
    assert "'2026-05-21'" in message
    assert "future" in message
    assert "2026-05-20" in message
    assert "UTC" in message


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "0000-01-01"]
)
def test_dates_that_do_not_exist_are_rejected(text):
    # Given a well-formed text naming no real calendar day
    # When it is parsed
    message = rejection(text)

    # Then it is refused as not a real date, quoting the input
    assert repr(text) in message
    assert "not a real calendar date" in message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2026-1-5",
        "20260105",
        "2026/01/05",
        "05-01-2026",
        "2026-01-05T00:00:00",
        "2026-01-05 extra",
        "+2026-01-05",
        "\uff12\uff10\uff12\uff16-\uff10\uff11-\uff10\uff15",  # fullwidth digits
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665",  # Arabic-Indic digits
    ],
)
def test_texts_not_in_yyyy_mm_dd_form_are_rejected(text):
    # Given a text that is not strictly four, two and two ASCII digits
    # When it is parsed
    message = rejection(text)

    # Then the expected form is named, with the input quoted
    assert "YYYY-MM-DD" in message
    assert repr(text) in message


def test_long_input_is_cut_short_in_the_message():
    # Given a very long bad input
    # When it is parsed
    message = rejection("9" * 5_000)

    # Then the message stays short
    assert len(message) < 120


def test_today_utc_is_the_current_utc_date():
    # Given the UTC date just before and just after the call
    before = datetime.datetime.now(datetime.UTC).date()

    # When today_utc is asked
    today = today_utc()

    # Then it is the UTC date (one of those two, should midnight pass in between)
    after = datetime.datetime.now(datetime.UTC).date()
    assert today in {before, after}


@given(st.dates(max_value=TODAY))
def test_every_date_up_to_today_round_trips(date):
    # Given any date up to today, written in ISO form
    # When it is parsed
    # Then the same date comes back
    assert parse_as_of(date.isoformat(), TODAY) == date


@given(st.dates(min_value=TODAY + datetime.timedelta(days=1)))
def test_every_date_after_today_is_rejected(date):
    # Given any date after today
    # When it is parsed
    # Then it is refused as lying in the future
    with pytest.raises(InvalidAsOfDateError, match="future"):
        parse_as_of(date.isoformat(), TODAY)
