"""The rows of an INSERT that MySQL refused, named by their keys (issue 12 item 3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pymysql
import pytest

from training_refresh.errors import TrainingDatabaseError
from training_refresh.gold_load.refused_rows import key_text, rows_refused_error
from training_refresh.table_groups import load_table_groups

CRN = load_table_groups().group("mason_crn").tables[0]
"""Primary key (customer_no, crn); columns customer_no, crn, crn_status, brand_code, ..."""
SECRET = "QZXQ-VALUE"
"""A non-key value: no error text may show it."""


def crn_row(customer: int, crn: str, brand: str = "TEST") -> tuple[Any, ...]:
    return (customer, crn, "A", brand, None)


class SingleRowInserts:
    """An ``insert_one`` that records the rows it is given and refuses, as MySQL does, a
    brand code longer than 4 characters and a key it holds already (trailing blanks
    ignored, like MariaDB's PAD SPACE collations)."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.inserted: list[Sequence[Any]] = []
        self.keys: set[tuple[int, str]] = set()
        self.fail_with = fail_with

    def __call__(self, row: Sequence[Any]) -> int:
        if self.fail_with is not None:
            raise self.fail_with
        if len(row[3]) > 4:
            raise pymysql.err.DataError(1406, "Data too long for column 'BRAND_CODE' at row 1")
        key = (row[0], row[1].rstrip(" "))
        if key in self.keys:
            raise pymysql.err.IntegrityError(
                1062, f"Duplicate entry '{row[0]}-{row[1]}' for key 'PRIMARY'"
            )
        self.keys.add(key)
        self.inserted.append(row)
        return 1


def refused(rows: list[tuple[Any, ...]], error: Exception, inserts: SingleRowInserts) -> str:
    made = rows_refused_error(error, config="mason_crn", spec=CRN, rows=rows, insert_one=inserts)
    assert isinstance(made, TrainingDatabaseError)
    return str(made)


def test_a_value_too_long_names_the_keys_of_its_rows_not_the_row_number_or_the_value() -> None:
    # Given an INSERT of three rows that MySQL refused at its row 2 (the second and third
    # rows hold a brand code too long for its column)
    rows = [crn_row(7, "A1"), crn_row(7, "B2", SECRET), crn_row(8, "C3", SECRET)]
    error = pymysql.err.DataError(1406, "Data too long for column 'BRAND_CODE' at row 2")
    inserts = SingleRowInserts()
    # When the refused rows are looked for
    message = refused(rows, error, inserts)
    # Then every row was tried alone, and the error names config, table, column, key
    # columns, the keys of both refused rows and the count; no row number, no value
    assert inserts.inserted == [rows[0]]
    assert message == (
        "config mason_crn, IMS_MASON_CRN: MySQL error 1406: Data too long for column "
        "'BRAND_CODE'; refused 2 of the 3 row(s) of one INSERT, key columns customer_no, "
        "crn: keys (customer_no=7, crn=B2), (customer_no=8, crn=C3)"
    )
    assert SECRET not in message


def test_duplicates_name_the_key_once_with_the_blanks_that_made_them_collide() -> None:
    # Given rows whose keys collide in MySQL: the same CRN three times, and once more with
    # a trailing blank that MySQL's collation ignores
    rows = [crn_row(7, "A1"), crn_row(7, "A1"), crn_row(7, "A1 "), crn_row(7, "D4")]
    error = pymysql.err.IntegrityError(1062, "Duplicate entry '7-A1' for key 'PRIMARY'")
    # When the refused rows are looked for
    message = refused(rows, error, SingleRowInserts())
    # Then the duplicate entry stays redacted, the two rows after the first of the key are
    # counted, and each refused key is named once, its blank shown
    assert message.startswith(
        "config mason_crn, IMS_MASON_CRN: MySQL error 1062: Duplicate entry '<redacted>' "
        "for key 'PRIMARY'; refused 2 of the 4 row(s)"
    )
    assert message.endswith("keys (customer_no=7, crn=A1), (customer_no=7, crn='A1 ')")


def test_at_most_ten_keys_are_named_and_the_rest_counted() -> None:
    # Given 25 rows, all with a value too long
    rows = [crn_row(100 + n, f"C{n}", SECRET) for n in range(25)]
    error = pymysql.err.DataError(1406, "Data too long for column 'BRAND_CODE' at row 1")
    # When the refused rows are looked for
    message = refused(rows, error, SingleRowInserts())
    # Then ten keys are named, the other 15 counted
    assert "refused 25 of the 25 row(s)" in message
    assert message.count("(customer_no=") == 10
    assert message.endswith("(customer_no=109, crn=C9) and 15 more")


def test_rows_that_pass_alone_fall_back_to_the_row_the_message_points_to() -> None:
    # Given a refusal that no single row reproduces (every row passes alone)
    rows = [crn_row(7, "A1"), crn_row(8, "B2")]
    error = pymysql.err.DataError(1366, "Incorrect integer value: 'x' for column 'N' at row 2")
    # When the refused rows are looked for
    message = refused(rows, error, SingleRowInserts())
    # Then the row of "at row 2" is named, and the quoted value stays redacted
    assert "Incorrect integer value: '<redacted>' for column 'N'; refused 1 of the 2" in message
    assert message.endswith("keys (customer_no=8, crn=B2)")


def test_an_error_that_is_not_about_values_ends_the_search_unchanged() -> None:
    # Given a lock wait timeout while the rows are tried one at a time
    lock_wait = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")
    error = pymysql.err.DataError(1406, "Data too long for column 'BRAND_CODE' at row 1")
    # When the refused rows are looked for, Then the lock wait passes as it is (the merge's
    # error translation makes it the transient TrainingDatabaseBusyError)
    with pytest.raises(pymysql.err.OperationalError) as raised:
        refused([crn_row(7, "A1")], error, SingleRowInserts(fail_with=lock_wait))
    assert raised.value is lock_wait


@pytest.mark.parametrize(
    ("crn", "shown"),
    [("A1", "A1"), (" A1", "' A1'"), ("", "''"), ("X" * 50, "X" * 40 + "..."), ("a\nb", "'a\\nb'")],
)
def test_key_values_show_their_blanks_and_are_cut_when_long(crn: str, shown: str) -> None:
    assert key_text(CRN, crn_row(7, crn)) == f"(customer_no=7, crn={shown})"
