"""A value that MySQL refuses, inserted straight into the local warehouse (issue 12 item 3):
the error names config, table, key columns, key values and chunk, never the value, and
the failed config's report lists its table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import (
    all_mysql_text,
    debug_cli,
    gold_load_arguments,
    pii_in,
    source_pii,
    table_checksums,
    warehouse_customers,
    warehouse_sql,
    write_scenario,
)

from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]
TOO_LONG = "QZXQ" * 12
"""48 characters for IMS_CUSTOMER_GOLD.CITY, a VARCHAR(40): no output may show it."""


@pytest.fixture
def own_databases(own_databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> LocalDatabases:
    """The shared fixture's databases, loaded two customers to a chunk."""
    monkeypatch.setenv(EnvName.CUSTOMERS_PER_CHUNK, "2")
    return own_databases


def gold_load(tmp_path: Path, name: str, customers: list[int]) -> tuple[int, str, dict, str]:
    """A gold load in its own process with DEBUG logging: exit code, output and logs, the
    report and its text."""
    scenario = write_scenario(tmp_path / f"{name}.csv", customers)
    report_dir = tmp_path / name
    completed = debug_cli(*gold_load_arguments(report_dir, scenario, AS_OF))
    (path,) = report_dir.glob("gold-load-*.json")
    text = path.read_text("utf-8")
    return completed.returncode, completed.stdout + completed.stderr, json.loads(text), text


def test_a_value_too_long_for_mysql_names_its_keys_and_chunk_and_changes_no_gold_copy(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given four customers loaded into the gold copies, two to a chunk
    url = own_databases.warehouse_url
    customers = warehouse_customers(url, 4)
    code, output, _, _ = gold_load(tmp_path, "first", customers)
    assert code == 0, output[-3000:]
    before = table_checksums(own_databases.training, GOLD_TABLES)
    # And a city of the last one (so in chunk 2) longer than its MySQL column. The plan
    # refuses a kept column whose source type is declared longer than its MySQL column
    # (source_schema.py), so the source column becomes TEXT: without a declared length it
    # is compared by kind only, as a Redshift view's computed column is, and the value
    # reaches MySQL, whose strict mode refuses it. The privacy gate finds nothing in it.
    bad = customers[-1]
    warehouse_sql(url, "ALTER TABLE oframe_prd_s.ims_customer ALTER COLUMN city TYPE TEXT")
    warehouse_sql(
        url,
        "UPDATE oframe_prd_s.ims_customer SET city = %s WHERE customer_no = %s",
        (TOO_LONG, bad),
    )

    # When they are loaded again
    code, output, report, report_text = gold_load(tmp_path, "again", customers)

    # Then the load fails (exit 1): the customer config fails, the others load
    assert code == 1, output[-3000:]
    assert "gold load planned" in output  # the DEBUG log lines are really captured
    assert report["status"] == "failed"
    configs = {c["config"]: c for c in report["configs"]}
    failed = configs.pop("customer")
    assert {c["status"] for c in configs.values()} == {"loaded"}
    assert report["publication"]["configs_not_published"] == ["customer"]
    # And the error names chunk, config, table, column, key column and key, not the value
    assert failed["error"] == {
        "name": "TrainingDatabaseError",
        "message": "chunk 2 of 2, IMS_CUSTOMER: config customer, IMS_CUSTOMER: MySQL error "
        "1406: Data too long for column 'CITY'; refused 1 of the 2 row(s) of one INSERT, "
        f"key columns customer_no: keys (customer_no={bad})",
    }
    assert (failed["failed_chunk"], failed["failed_table"], failed["chunks_loaded"]) == (
        2,
        "IMS_CUSTOMER",
        1,
    )
    # And the failed config lists its table: chunk 1's rows, chunk 2's read, the error
    table = failed["tables"]["IMS_CUSTOMER"]
    assert (table["rows_read"], table["rows_written"]) == (2, 2)
    assert (table["status"], table["failing_chunk_rows_read"]) == ("failed", 2)
    assert table["error"] == failed["error"]
    assert "customer           failed (at chunk 2 of 2, IMS_CUSTOMER)" in output
    assert "2 written; failing chunk: 2 read, failed" in output
    assert f"error [customer] TrainingDatabaseError: {failed['error']['message']}" in output
    # And every gold copy is as before (the others were replaced by the same rows)
    assert table_checksums(own_databases.training, GOLD_TABLES) == before
    # And neither the value nor any personal data of the customers is in the output, the
    # logs, the report or MySQL
    in_mysql = all_mysql_text(own_databases.training)
    for text in (output, report_text, in_mysql):
        assert TOO_LONG[:8] not in text
    pii = source_pii(url, customers)
    assert pii["name"] and pii["street"]
    assert pii_in(output + report_text, pii) == []


def test_keys_that_collide_only_in_mysql_are_named_instead_of_a_redacted_entry(
    own_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given two customers with preferences loaded into the gold copies
    url = own_databases.warehouse_url
    rows = warehouse_sql(
        url,
        "SELECT customer_no, MIN(preference_code) FROM oframe_prd_s.ims_mason_preferences "
        "GROUP BY customer_no ORDER BY 1 LIMIT 2",
    )
    customers = [int(customer) for customer, _ in rows]
    code, output, _, _ = gold_load(tmp_path, "first", customers)
    assert code == 0, output[-3000:]
    before = table_checksums(own_databases.training, GOLD_TABLES)
    # And a second preference of the second customer whose code differs from one of its
    # codes by a trailing blank only: the warehouse keeps the keys apart, the gold copy's
    # collation (utf8mb4_bin, PAD SPACE) does not
    customer, code_value = int(rows[1][0]), str(rows[1][1])
    warehouse_sql(
        url,
        "ALTER TABLE oframe_prd_s.ims_mason_preferences "
        "DROP CONSTRAINT IF EXISTS ims_mason_preferences_pkey",
    )
    warehouse_sql(
        url,
        "INSERT INTO oframe_prd_s.ims_mason_preferences (customer_no, preference_code, "
        "preference_value, channel, updated_ts) VALUES (%s, %s, %s, 'WEB', now())",
        (customer, code_value + " ", TOO_LONG[:20]),
    )

    # When they are loaded again
    code, output, report, report_text = gold_load(tmp_path, "again", customers)

    # Then the preferences config fails with the key MySQL refused, its blank shown, and
    # neither MySQL's redacted entry alone nor the preference's value
    assert code == 1, output[-3000:]
    (failed,) = [c for c in report["configs"] if c["status"] == "failed"]
    assert failed["config"] == "mason_preferences"
    message = failed["error"]["message"]
    assert message.startswith(
        "chunk 1 of 1, IMS_MASON_PREFERENCES: config mason_preferences, IMS_MASON_PREFERENCES: "
        "MySQL error 1062: Duplicate entry '<redacted>' for key 'PRIMARY'; refused 1 of the "
    )
    assert message.endswith(
        f"key columns customer_no, preference_code: keys (customer_no={customer}, "
        f"preference_code='{code_value} ')"
    )
    assert failed["tables"]["IMS_MASON_PREFERENCES"]["status"] == "failed"
    assert table_checksums(own_databases.training, GOLD_TABLES) == before
    for text in (output, report_text):
        assert TOO_LONG[:8] not in text
