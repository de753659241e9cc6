"""gold-remove end to end: the CLI → local runtime → ASL → handlers → MariaDB, after a real
gold load from the synthetic warehouse; then a reset and an undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reset_support import connect
from support import (
    gold_load_arguments,
    mysql_query,
    mysql_url_text,
    table_checksums,
    warehouse_customers,
    write_scenario,
)

from ims_refresh.cli import main
from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.gold_state import names
from training_refresh.table_groups import GOLD_SUFFIX, TableSpec, load_table_groups

SPECS = load_table_groups().all_tables()
GOLD_TABLES = [spec.gold_table for spec in SPECS]
TRAINING_TABLES = [spec.training_table for spec in SPECS]
NOT_IN_GOLD = 999_999_999_999


@pytest.fixture
def loaded(
    databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[LocalDatabases, list[int]]:
    """Gold copies holding 12 warehouse customers, loaded by a real gold load."""
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(databases.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    customers = warehouse_customers(databases.warehouse_url, 12)
    scenario = write_scenario(tmp_path / "load.csv", customers)
    arguments = gold_load_arguments(tmp_path / "reports", scenario, DEMO_AS_OF.isoformat())
    assert main(arguments) == 0
    return databases, customers


def remove(tmp_path: Path, scenario: Path, *extra: str) -> int:
    reports = str(tmp_path / "reports")
    return main(
        ["--report-dir", reports, *extra, "run", "gold-remove", "--scenarios", str(scenario)]
    )


def latest_report(tmp_path: Path, workflow: str = "gold-remove") -> dict[str, Any]:
    return json.loads(sorted((tmp_path / "reports").glob(f"{workflow}-*.json"))[-1].read_text())


def rows_of(spec: TableSpec, table: str, customers: list[int]) -> str:
    """SELECT of the rows of ``table`` (``spec``'s gold or training table) that belong to
    ``customers``, written out for the test (parent tables by name)."""
    listed = ", ".join(str(c) for c in customers)
    scope = spec.customer_scope
    if scope.through_table is None:
        return f"SELECT * FROM `{table}` WHERE CUSTOMER_NO IN ({listed})"
    parent = scope.through_table + (GOLD_SUFFIX if table.endswith(GOLD_SUFFIX) else "")
    join = scope.join_column.upper() if scope.join_column else ""
    return (
        f"SELECT * FROM `{table}` WHERE {join} IN "
        f"(SELECT {join} FROM `{parent}` WHERE CUSTOMER_NO IN ({listed}))"
    )


def execute(db: LocalDatabases, sql: str) -> None:
    with connect(db.training) as connection, connection.cursor() as cursor:
        cursor.execute(sql)


def rest_checksums(db: LocalDatabases, customers: list[int], suffix: str = "") -> dict[str, int]:
    """CHECKSUM TABLE of every gold copy without ``customers``' rows (copies made by the
    test with plain SQL, named ``<table>_REST<suffix>``)."""
    copies = []
    for spec in SPECS:
        copy = f"{spec.gold_table}_REST{suffix}"
        execute(db, f"CREATE TABLE `{copy}` LIKE `{spec.gold_table}`")
        execute(
            db,
            f"INSERT INTO `{copy}` SELECT * FROM `{spec.gold_table}` EXCEPT "
            + rows_of(spec, spec.gold_table, customers),
        )
        copies.append(copy)
    sums = table_checksums(db.training, copies)
    for copy in copies:
        execute(db, f"DROP TABLE `{copy}`")
    return {copy.removesuffix(f"_REST{suffix}"): value for copy, value in sums.items()}


def test_removed_customers_leave_every_gold_copy_and_after_a_reset_training_too(
    loaded: tuple[LocalDatabases, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, customers = loaded
    retired = customers[2:5]
    before = table_checksums(db.training, GOLD_TABLES)
    catalog_before = table_checksums(db.training, [names.CATALOG_TABLE])
    expected_rest = rest_checksums(db, retired)
    expected_rows = {
        spec.gold_table: len(mysql_query(db.training, rows_of(spec, spec.gold_table, retired)))
        for spec in SPECS
    }
    assert all(expected_rows.values())  # every table holds rows of the retired customers
    capsys.readouterr()
    # When a file naming three of them and one customer the gold copies lack is removed
    scenario = write_scenario(tmp_path / "retired.csv", [*retired, NOT_IN_GOLD])
    assert remove(tmp_path, scenario) == 0
    # Then they are gone from every gold copy; every other row is unchanged (CHECKSUM)
    for spec in SPECS:
        assert mysql_query(db.training, rows_of(spec, spec.gold_table, retired)) == []
    assert table_checksums(db.training, GOLD_TABLES) == expected_rest
    # And they are gone from the gold catalog, which keeps every other customer
    entries = mysql_query(db.training, "SELECT CUSTOMER_NO FROM IMS_GOLD_CATALOG")
    catalog = {int(row[0]) for row in entries}
    assert catalog == set(customers) - set(retired)
    # And the report counts rows per table and names the customer that was not there
    report = latest_report(tmp_path)
    assert report["status"] == "succeeded"
    assert report["rows_removed"] == {**expected_rows, names.CATALOG_TABLE: len(retired)}
    assert report["customers_removed"] == 3 and report["customers_not_present"] == 1
    assert report["not_present_sample"] == [NOT_IN_GOLD]
    # And its privacy section lists every column of every gold table with its treatment,
    # nothing scanned (a removal writes no value)
    privacy = {table["table"]: table for table in report["privacy"]["tables"]}
    assert set(privacy) == {spec.training_table for spec in SPECS}
    for spec in SPECS:
        columns = {column["column"]: column for column in privacy[spec.training_table]["columns"]}
        assert list(columns) == list(spec.columns)
        for name, column in columns.items():
            masked = name in spec.masked_columns
            assert column["treatment"] == ("masked" if masked else "kept")
            assert column["status"] == ("protected" if masked else "kept")
            assert column["values_scanned"] == 0 and column["findings"] == {}
    out = capsys.readouterr().out
    assert "3 removed, 1 not in the gold copies" in out and str(NOT_IN_GOLD) in out
    # And no build table is left behind
    tables = {str(r[0]) for r in mysql_query(db.training, "SHOW TABLES")}
    assert not [t for t in tables if names.BUILD_MARK in t]
    # When the training tables are reset, Then the customers are gone from training too
    assert main(["--report-dir", str(tmp_path / "reports"), "run", "reset"]) == 0
    for spec in SPECS:
        assert mysql_query(db.training, rows_of(spec, spec.training_table, retired)) == []
    assert table_checksums(db.training, TRAINING_TABLES) == {
        spec.training_table: expected_rest[spec.gold_table] for spec in SPECS
    }
    # When the removal is undone, Then the gold copies are CHECKSUM-equal to before it
    assert main(["--report-dir", str(tmp_path / "reports"), "run", "gold-undo"]) == 0
    assert table_checksums(db.training, GOLD_TABLES) == before
    assert table_checksums(db.training, [names.CATALOG_TABLE]) == catalog_before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("customer_number\n12a\n", "line 2"),
        ("customer_number\n1234567890123456\n", "line 2"),
    ],
    ids=["empty file", "bad number", "too many digits"],
)
def test_a_bad_scenario_file_is_refused_before_anything_runs(
    loaded: tuple[LocalDatabases, list[int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    db, _customers = loaded
    before = table_checksums(db.training, [*GOLD_TABLES, names.CATALOG_TABLE])
    scenario = tmp_path / "bad.csv"
    scenario.write_text(content, "utf-8")
    capsys.readouterr()
    assert remove(tmp_path, scenario) == 2
    err = capsys.readouterr().err
    assert err.startswith("ims-refresh: bad input:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert table_checksums(db.training, [*GOLD_TABLES, names.CATALOG_TABLE]) == before
    assert not list((tmp_path / "reports").glob("gold-remove-*.json"))


def test_only_unknown_customers_is_bad_input_and_changes_nothing(
    loaded: tuple[LocalDatabases, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _customers = loaded
    before = table_checksums(db.training, [*GOLD_TABLES, names.CATALOG_TABLE])
    scenario = write_scenario(tmp_path / "unknown.csv", [NOT_IN_GOLD, NOT_IN_GOLD - 1])
    capsys.readouterr()
    assert remove(tmp_path, scenario, "--json") == 2
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "bad_input"
    assert document["errors"][0]["name"] == "CustomersNotInGoldError"
    assert "none of the 2 customer(s)" in document["errors"][0]["message"]
    assert table_checksums(db.training, [*GOLD_TABLES, names.CATALOG_TABLE]) == before
    tables = {str(r[0]) for r in mysql_query(db.training, "SHOW TABLES")}
    # the only published state is the load's (generation 1): the removal published nothing
    assert mysql_query(db.training, f"SELECT MAX(GENERATION) FROM {names.STATE_TABLE}") == [(1,)]
    assert not [t for t in tables if names.BUILD_MARK in t]
