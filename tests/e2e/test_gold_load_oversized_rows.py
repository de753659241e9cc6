"""A source row over the Data API's 64 KB per row (issue 12 item 7): the local Data API
fails the statement as the service does, and the config's error names the table, the
rows' keys and the chunk; the value is nowhere, the other configs load, gold stays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import gold_load_arguments, table_checksums, warehouse_sql

from ims_refresh.cli import main
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF

AS_OF = DEMO_AS_OF.isoformat()
PLANTED = "QZXQ"
LONG_VALUE = PLANTED * 17_500
"""70,000 characters: one row over the Data API's 65,536 bytes."""


def gold_load(tmp_path: Path, name: str, customers: list[int]) -> tuple[int, dict[str, Any]]:
    scenario = tmp_path / f"{name}.csv"
    scenario.write_text("customer_number\n" + "".join(f"{c}\n" for c in customers), "utf-8")
    reports = tmp_path / name
    code = main(gold_load_arguments(reports, scenario, AS_OF))
    report = json.loads(next(reports.glob("gold-load-*.json")).read_text("utf-8"))
    return code, report


def test_a_row_over_64_kb_fails_its_config_naming_table_keys_and_chunk(
    own_databases: LocalDatabases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given three customers loaded into gold, one of whom has a preference
    url = own_databases.warehouse_url
    (customer, code), *_ = warehouse_sql(
        url,
        "SELECT customer_no, preference_code FROM oframe_prd_s.ims_mason_preferences "
        "ORDER BY 1, 2 LIMIT 1",
    )
    others = [
        int(row[0])
        for row in warehouse_sql(
            url,
            "SELECT customer_no FROM oframe_prd_s.ims_customer WHERE customer_no <> %s "
            "ORDER BY 1 LIMIT 2",
            (customer,),
        )
    ]
    customers = [int(customer), *others]
    assert gold_load(tmp_path, "first", customers)[0] == 0
    gold_tables = ["IMS_MASON_PREFERENCES_GOLD", "IMS_CUSTOMER_GOLD"]
    before = table_checksums(own_databases.training, gold_tables)

    # And that preference's free text is now 70,000 characters (the source column is TEXT,
    # so the plan's schema check cannot refuse it by its declared length)
    warehouse_sql(
        url,
        "ALTER TABLE oframe_prd_s.ims_mason_preferences ALTER COLUMN preference_value TYPE TEXT",
    )
    warehouse_sql(
        url,
        "UPDATE oframe_prd_s.ims_mason_preferences SET preference_value = %s "
        "WHERE customer_no = %s AND preference_code = %s",
        (LONG_VALUE, customer, code),
    )
    capsys.readouterr()

    # When the same customers are loaded again
    with caplog.at_level("DEBUG"):
        exit_code, report = gold_load(tmp_path, "second", customers)

    # Then the run fails (exit 1) on that config only, and its gold copy is as it was
    assert exit_code == 1
    statuses = {c["config"]: c["status"] for c in report["configs"]}
    assert statuses.pop("mason_preferences") == "failed"
    assert set(statuses.values()) == {"loaded"}
    assert (
        table_checksums(own_databases.training, gold_tables)["IMS_MASON_PREFERENCES_GOLD"]
        == (before["IMS_MASON_PREFERENCES_GOLD"])
    )

    # And the error names the table, the row's keys and the chunk, and says what to do
    failed = next(c for c in report["configs"] if c["status"] == "failed")
    assert failed["error"]["name"] == "RowTooLargeError"
    assert (failed["failed_chunk"], failed["failed_table"]) == (1, "IMS_MASON_PREFERENCES")
    message = failed["error"]["message"]
    assert f"keys (customer_no={customer}, preference_code={code})" in message
    assert "64 KB per row" in message
    assert "ims_mason_preferences.sql" in message
    output = capsys.readouterr()
    assert f"customer_no={customer}" in output.out + output.err

    # And the value is in no output line, log line or report
    report_text = "".join(p.read_text("utf-8") for p in (tmp_path / "second").glob("*"))
    for text in (output.out, output.err, caplog.text, report_text):
        assert PLANTED not in text
