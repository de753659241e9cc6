"""Data values never travel inside error messages."""

import pytest

from training_refresh.redaction import redact_values


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("Incorrect string value: '\\xF0\\x9F\\x98' for column `FIRST_NAME` at row 1", "xF0"),
        ("Invalid digit, Value 'J', Pos 0, Type: Integer", "'J'"),
        ('invalid input syntax for type bigint: "Müller"', "Müller"),
        ("Duplicate entry 'O''Brien' for key 'PRIMARY'", "Brien"),
    ],
)
def test_quoted_values_are_replaced(message: str, secret: str) -> None:
    # When a database message quoting a value is redacted, Then the value is gone
    assert secret not in redact_values(message)
    assert "<redacted>" in redact_values(message)


def test_identifiers_are_kept() -> None:
    message = 'relation "oframe_prd_s.ims_mason_preferences" does not exist'
    assert redact_values(message) == message
