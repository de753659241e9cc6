"""The extraction's data-quality columns packed into one (gold_load.extract)."""

from __future__ import annotations

import pytest

from training_refresh.errors import DataQualityError
from training_refresh.gold_load.extract import PACKED_COLUMN, _TableQuality, packed_sql
from training_refresh.messages.data_quality import DataQualityCounts
from training_refresh.table_groups import load_table_groups

CRN = load_table_groups().table("IMS_MASON_CRN")


def test_the_statement_packs_the_five_columns_and_keeps_key_order() -> None:
    # When the statement for a table's extraction SQL is made
    sql = packed_sql(CRN, "SELECT * FROM crn_changes ORDER BY 1;")

    # Then it selects the table's columns and the packed one from the SQL, in key order
    assert sql.startswith(f"SELECT {', '.join(CRN.columns)}, CASE WHEN dq_row = 'kept'")
    assert f"END AS {PACKED_COLUMN}\nFROM (\nSELECT * FROM crn_changes ORDER BY 1\n)" in sql
    assert sql.endswith(f"ORDER BY {', '.join(CRN.primary_key)}")


def row(customer: int, crn: str, packed: str | None) -> tuple[object, ...]:
    return (customer, crn, "ACTIVE", "TEST", "2026-01-01", packed)


def test_a_page_of_plain_rows_is_kept_as_it_is_without_counts() -> None:
    quality = _TableQuality(CRN)
    kept = quality.kept([row(1, "A", None), row(2, "B", None)])
    assert kept == [row(1, "A", None)[:-1], row(2, "B", None)[:-1]]
    assert quality.counts == DataQualityCounts()


def test_packed_rows_are_counted_and_only_kept_ones_go_on() -> None:
    # Given a page with a plain row, a row whose key had two identical copies and a tie, a
    # resolved one, and a CDC delete (counted, not loaded)
    quality = _TableQuality(CRN)
    kept = quality.kept(
        [
            row(1, "A", None),
            row(2, "B", "kept:1:0:1"),
            row(3, "C", "kept:0:2:0"),
            row(4, "D", "deleted:0:0:0:D"),
        ]
    )

    # Then the kept rows go on without the packed column, and the counts add up
    assert [r[0] for r in kept] == [1, 2, 3]
    assert all(len(r) == len(CRN.columns) for r in kept)
    assert quality.counts == DataQualityCounts(
        duplicates_collapsed=1, duplicates_resolved=1, ties_broken=1
    )
    quality.check()  # nothing rejected


def test_rejected_changes_fail_the_table_naming_keys_and_operations() -> None:
    # Given changes rejected with operation X, with an empty one and with a NULL operation
    quality = _TableQuality(CRN)
    quality.kept(
        [
            row(5, "E", "rejected:0:0:0:X"),
            row(6, "F", "rejected:0:0:0:"),
            row(7, "G", "rejected:0:0:0"),
        ]
    )

    # Then the table fails, naming the keys and the operations found (NULL apart from '')
    with pytest.raises(DataQualityError) as raised:
        quality.check()
    message = str(raised.value)
    assert "IMS_MASON_CRN: 3 CDC change(s) rejected" in message
    assert "operations found: '', 'X', NULL" in message
    assert "(customer_no=5, crn=E)" in message
    assert quality.counts.rows_rejected == 3
