"""The as-of date of a gold load (docs/design.md §3).

"Today" is the UTC calendar date, wherever the code runs (Lambda or an operator's
machine), so the same input is accepted or refused the same way everywhere. An as-of
date of today is allowed. East of UTC, in the hours after local midnight, the local date
is one day ahead of UTC and is refused as lying in the future until UTC catches up.
"""

from __future__ import annotations

import datetime
import re

from training_refresh.errors import InvalidAsOfDateError

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MAX_QUOTED_CHARS = 40


def parse_as_of(text: str, today: datetime.date) -> datetime.date:
    """The date of ``text``, strictly ``YYYY-MM-DD`` (surrounding whitespace ignored).

    ``today`` is the latest date allowed; callers pass ``today_utc()``. Raises
    InvalidAsOfDateError quoting the input when it is not in that form, not a real
    calendar date (2026-02-30), or after ``today``.
    """
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        raise InvalidAsOfDateError(
            f"as-of date {_quoted(text)} is not a date in the form YYYY-MM-DD"
        )
    year, month, day = (int(part) for part in match.groups())
    try:
        as_of = datetime.date(year, month, day)
    except ValueError as error:
        raise InvalidAsOfDateError(
            f"as-of date {_quoted(text)} is not a real calendar date ({error})"
        ) from error
    if as_of > today:
        raise InvalidAsOfDateError(
            f"as-of date {_quoted(text)} lies in the future (today is {today.isoformat()}, UTC)"
        )
    return as_of


def today_utc() -> datetime.date:
    """Today's date in UTC: the latest as-of date a run accepts."""
    return datetime.datetime.now(datetime.UTC).date()


def _quoted(text: str) -> str:
    if len(text) > _MAX_QUOTED_CHARS:
        return repr(text[: _MAX_QUOTED_CHARS - 3]) + "..."
    return repr(text)
