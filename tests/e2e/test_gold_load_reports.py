"""Gold-load reports an operator can act on (issue 14 item 7): the scenario file as given, the
tables requested, the training database, every missing customer (in the report, or a file
beside it when very many), where a failing config failed, previews named and marked so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import gold_load_arguments, mysql_url_text, warehouse_customers, write_scenario

from ims_refresh.cli import main
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.env_names import EnvName
from training_refresh.gold_load import report as report_step

AS_OF = DEMO_AS_OF.isoformat()
UNKNOWN = [999_999_999_000_000 + n for n in range(150)]
"""Customer numbers the synthetic warehouse never holds."""


def use(monkeypatch: pytest.MonkeyPatch, training: MySqlUrl, warehouse_url: str) -> None:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, warehouse_url)


def load(tmp_path: Path, scenario: Path, *extra: str) -> int:
    return main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF, *extra))


def only_report(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    (path,) = (tmp_path / "reports").glob("gold-load*.json")
    return path, json.loads(path.read_text("utf-8"))


def test_the_report_names_the_file_tables_database_and_every_missing_customer(
    databases: LocalDatabases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a scenario file of 5 known and 150 unknown customers
    use(monkeypatch, databases.training, databases.warehouse_url)
    known = warehouse_customers(databases.warehouse_url, 5)
    scenario = write_scenario(tmp_path / "scenarios.csv", [*known, *UNKNOWN])
    # When only the customer config is loaded (asked for by its table's name)
    assert load(tmp_path, scenario, "--tables", "ims_customer") == 0
    _, report = only_report(tmp_path)
    # Then the report names the file as given, the upload, the tables and the database
    assert report["scenario_file"] == str(scenario)
    assert report["scenario_upload"].startswith("s3://")
    assert report["requested_tables"] == ["customer"]
    training = databases.training
    assert report["training_database"] == f"{training.host}:{training.port}/{training.database}"
    # And every missing customer, not only the first 100
    customers = report["customers"]
    assert customers["missing"] == 150
    assert customers["missing_customers"] == UNKNOWN
    assert len(customers["missing_sample"]) == 100
    assert customers["missing_file"] is None
    # And the summary shows ten and says where the others are
    out = capsys.readouterr().out
    assert "and 140 more (all of them in the report)" in out


def test_very_many_missing_customers_go_to_a_file_beside_the_report(
    databases: LocalDatabases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given more missing customers than a report lists (the limit made small here)
    use(monkeypatch, databases.training, databases.warehouse_url)
    monkeypatch.setattr(report_step, "MISSING_LISTED", 120)
    known = warehouse_customers(databases.warehouse_url, 2)
    scenario = write_scenario(tmp_path / "s.csv", [*known, *UNKNOWN])
    # When they are loaded
    assert load(tmp_path, scenario, "--tables", "customer") == 0
    path, report = only_report(tmp_path)
    # Then the report links a file beside it that lists them all, one a line
    customers = report["customers"]
    assert customers["missing_customers"] is None
    listed = Path(customers["missing_file"])
    assert listed == path.with_name(f"{report['run_id']}.missing.csv")
    assert [int(line) for line in listed.read_text("ascii").splitlines()] == UNKNOWN
    assert f"(all of them: {listed})" in capsys.readouterr().out


def test_a_preview_is_named_and_marked_as_one(
    databases: LocalDatabases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use(monkeypatch, databases.training, databases.warehouse_url)
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(databases.warehouse_url, 4))
    assert load(tmp_path, scenario, "--dry-run") == 0
    path, report = only_report(tmp_path)
    # The run, and so its report file, is named a preview
    assert report["run_id"].startswith("gold-load-preview-")
    assert path.name == f"{report['run_id']}.json"
    # And no config says it was loaded
    assert report["dry_run"] is True
    assert {config["status"] for config in report["configs"]} == {"previewed"}
    out = capsys.readouterr().out
    assert "gold load preview succeeded" in out
    assert " loaded" not in out.split("gold load preview succeeded", 1)[1]


def test_a_failing_config_says_where_and_why_it_failed(
    training_db: MySqlUrl,
    own_warehouse_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a warehouse that lost the source table of one config
    use(monkeypatch, training_db, own_warehouse_url)
    with psycopg.connect(own_warehouse_url, autocommit=True) as connection:
        connection.execute("DROP TABLE oframe_prd_s.ims_mason_preferences")
    scenario = write_scenario(tmp_path / "s.csv", warehouse_customers(own_warehouse_url, 5))
    # When the gold load runs, Then it fails
    assert load(tmp_path, scenario) == 1
    _, report = only_report(tmp_path)
    failed = next(c for c in report["configs"] if c["status"] == "failed")
    # And the report names the config, the chunk and table that failed, and the error
    assert failed["config"] == "mason_preferences"
    assert failed["chunks_loaded"] == 0
    assert (failed["failed_chunk"], failed["failed_table"]) == (1, "IMS_MASON_PREFERENCES")
    assert failed["error"]["name"] == "WarehouseQueryError"
    # And its one table is listed as the failed one, with the error (issue 12 item 3)
    (table,) = failed["tables"].values()
    assert (table["status"], table["failing_chunk_rows_read"]) == ("failed", 0)
    assert table["error"] == failed["error"]
    assert "ims_mason_preferences" in failed["error"]["message"]
    assert report["chunk_count"] == 1
    out = capsys.readouterr().out
    assert "mason_preferences  failed (at chunk 1 of 1, IMS_MASON_PREFERENCES)" in out
    assert "error [mason_preferences] WarehouseQueryError: chunk 1 of 1, IMS_MASON_PREF" in out


def test_a_config_failing_part_way_names_the_chunk_and_table_where_it_failed(
    training_db: MySqlUrl,
    own_warehouse_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given six customers with CRNs, loaded two to a chunk, and a warehouse that fails to
    # read the CRNs of the fifth (in the third chunk) and of nobody else
    use(monkeypatch, training_db, own_warehouse_url)
    monkeypatch.setenv(EnvName.CUSTOMERS_PER_CHUNK, "2")
    with psycopg.connect(own_warehouse_url, autocommit=True) as connection:
        customers = [
            int(row[0])
            for row in connection.execute(
                "SELECT DISTINCT c.customer_no FROM oframe_prd_s.ims_customer c "
                "JOIN oframe_cdc_prd_s.ims_mason_crn m ON m.customer_no = c.customer_no "
                "ORDER BY 1 LIMIT 6"
            )
        ]
        unreadable_crns(connection, customers[4])
    scenario = write_scenario(tmp_path / "s.csv", customers)
    # When the gold load runs, Then it fails
    assert load(tmp_path, scenario) == 1
    _, report = only_report(tmp_path)
    # And the report says the CRN config failed at chunk 3 of 3, on IMS_MASON_CRN
    assert report["chunk_count"] == 3
    (failed,) = [c for c in report["configs"] if c["status"] == "failed"]
    assert failed["config"] == "mason_crn"
    assert (failed["failed_chunk"], failed["failed_table"]) == (3, "IMS_MASON_CRN")
    assert failed["error"]["name"] == "WarehouseQueryError"
    assert failed["error"]["message"].startswith("chunk 3 of 3, IMS_MASON_CRN: ")
    # And its counts are those of the two chunks loaded before (the call failed in the third)
    assert failed["chunks_loaded"] == 2
    crns = failed["tables"]["IMS_MASON_CRN"]
    assert crns["rows_read"] > 0 and crns["status"] == "failed"
    # And every other config loaded
    assert {c["config"] for c in report["configs"] if c["status"] == "loaded"} == {
        "customer",
        "cus_email",
        "mason_preferences",
        "order_auth",
    }
    assert "mason_crn          failed (at chunk 3 of 3, IMS_MASON_CRN)" in capsys.readouterr().out


def unreadable_crns(connection: psycopg.Connection[Any], customer: int) -> None:
    """The CRN change log becomes a view that raises an error for ``customer``'s rows only
    (evaluated only for the rows a statement returns, so only that customer's chunk fails)."""
    connection.execute("ALTER TABLE oframe_cdc_prd_s.ims_mason_crn RENAME TO ims_mason_crn_rows")
    connection.execute(
        "CREATE FUNCTION oframe_cdc_prd_s.unreadable() RETURNS text LANGUAGE plpgsql VOLATILE "
        "AS $$ BEGIN RAISE EXCEPTION 'this row cannot be read'; END $$"
    )
    connection.execute(
        "CREATE VIEW oframe_cdc_prd_s.ims_mason_crn AS SELECT customer_no, crn, "
        f"CASE WHEN customer_no = {int(customer)} THEN oframe_cdc_prd_s.unreadable() "
        "ELSE crn_status END AS crn_status, brand_code, effective_date, cdc_operation, "
        "cdc_timestamp FROM oframe_cdc_prd_s.ims_mason_crn_rows"
    )
