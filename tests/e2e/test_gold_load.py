"""The gold load end to end: CLI → local runtime → ASL → handlers → Postgres + MariaDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]


@pytest.fixture
def use_databases(databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> LocalDatabases:
    training = databases.training
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    return databases


def run_gold_load(tmp_path: Path, scenario: Path, *extra: str) -> int:
    return main(gold_load_arguments(tmp_path / "reports", scenario, AS_OF, *extra))


def latest_report(tmp_path: Path) -> dict:
    reports = sorted((tmp_path / "reports").glob("gold-load-*.json"))
    return json.loads(reports[-1].read_text("utf-8"))


def gold_customers(databases: LocalDatabases) -> set[int]:
    return {
        int(r[0])
        for r in mysql_query(databases.training, "SELECT CUSTOMER_NO FROM IMS_CUSTOMER_GOLD")
    }


def test_gold_load_names_the_design_examples_exactly(
    use_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a scenario with the docs/design.md §4 example customers
    scenario = write_scenario(tmp_path / "s.csv", [7, 6766, 1234567])
    # When it is gold-loaded
    assert run_gold_load(tmp_path, scenario) == 0
    # Then the summary is printed and names and e-mails are exactly the fixed fictional ones
    out = capsys.readouterr().out
    assert "gold load succeeded" in out
    rows = mysql_query(
        use_databases.training, "SELECT CUSTOMER_NO, FIRST_NAME, LAST_NAME FROM IMS_CUSTOMER_GOLD"
    )
    names = {int(no): (first, last) for no, first, last in rows}
    assert names[1234567] == ("Tina", "Patterson")
    assert names[7] == ("Alice", "Harris")
    emails = {
        (int(no), int(seq)): address
        for no, seq, address in mysql_query(
            use_databases.training,
            "SELECT CUSTOMER_NO, EMAIL_SEQ, EMAIL_ADDRESS FROM IMS_CUS_EMAIL_GOLD",
        )
    }
    assert emails[(6766, 1)] == "peter.oneil.6766@example.com"
    report = latest_report(tmp_path)
    assert report["status"] == "succeeded"
    assert report["customers"] == {
        "requested": 3,
        "found": 3,
        "missing": 0,
        "missing_sample": [],
        "missing_customers": [],
        "missing_file": None,
    }
    assert {c["config"] for c in report["configs"]} == {g.name for g in load_table_groups().groups}


def test_runs_are_additive_and_a_rerun_changes_nothing(
    use_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given two scenario files with different customers
    first = warehouse_customers(use_databases.warehouse_url, 30)
    second = warehouse_customers(use_databases.warehouse_url, 20, offset=100)
    file_one = write_scenario(tmp_path / "one.csv", first)
    file_two = write_scenario(tmp_path / "two.csv", second)
    # When both are loaded
    assert run_gold_load(tmp_path, file_one) == 0
    assert run_gold_load(tmp_path, file_two) == 0
    # Then the gold copies hold the union
    assert gold_customers(use_databases) == set(first) | set(second)
    checksums = table_checksums(use_databases.training, GOLD_TABLES)
    # When the second file is loaded again, Then no gold table changes
    assert run_gold_load(tmp_path, file_two) == 0
    assert table_checksums(use_databases.training, GOLD_TABLES) == checksums


def test_missing_customers_are_reported_not_failed(
    use_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a scenario with one real and two unknown customers
    real = warehouse_customers(use_databases.warehouse_url, 1)
    scenario = write_scenario(tmp_path / "s.csv", [*real, 999999999999991, 999999999999992])
    # When it is loaded, Then the run succeeds and the report lists the unknown ones
    assert run_gold_load(tmp_path, scenario) == 0
    customers = latest_report(tmp_path)["customers"]
    assert customers["missing"] == 2
    assert customers["missing_sample"] == [999999999999991, 999999999999992]


@pytest.mark.parametrize(
    ("content", "as_of", "expected_in_message"),
    [
        (b"customer_number\n123\nabc\n", None, "line 3"),
        (b"", None, "empty"),
        (b"customer_number\n", None, "customer"),
        (b"name,city\nBob,Paris\n", None, "no usable column"),
        (b"customer_number\n12\n\xff\xfe9\n", None, "line 3"),
        (b"customer_number\n1234567890123456\n", None, "line 2"),
        (b"customer_number\n-12\n", None, "line 2"),
        (b"customer_number\n7\n0\n", None, "bad.csv: line 3: '0' is not a customer number"),
        (b"customer_number\n12\n", "2999-01-01", "future"),
        (b"customer_number\n12\n", "2026-02-30", "2026-02-30"),
        (b"customer_number\n12\n", "yesterday", "yesterday"),
    ],
)
def test_bad_input_exits_2_and_leaves_gold_unchanged(
    use_databases: LocalDatabases,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    as_of: str | None,
    expected_in_message: str,
) -> None:
    # Given gold copies loaded earlier
    loaded = write_scenario(
        tmp_path / "ok.csv", warehouse_customers(use_databases.warehouse_url, 5)
    )
    assert run_gold_load(tmp_path, loaded) == 0
    before = table_checksums(use_databases.training, GOLD_TABLES)
    capsys.readouterr()
    # When a bad scenario file or date is given
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code = main(
        [
            "--report-dir",
            str(tmp_path / "reports"),
            "run",
            "gold-load",
            "--scenarios",
            str(bad),
            "--as-of",
            as_of or AS_OF,
        ]
    )
    # Then the exit code is 2, the message says where, and nothing changed
    assert code == 2
    assert expected_in_message in capsys.readouterr().err
    assert table_checksums(use_databases.training, GOLD_TABLES) == before


def test_unknown_table_config_is_bad_input(
    use_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path / "s.csv", [7])
    assert run_gold_load(tmp_path, scenario, "--tables", "customer,custmer") == 2
    assert "custmer" in capsys.readouterr().err


def test_tables_option_loads_only_the_named_configs(
    use_databases: LocalDatabases, tmp_path: Path
) -> None:
    # Given a scenario, When only the customer config is loaded
    scenario = write_scenario(tmp_path / "s.csv", [7, 6766])
    assert run_gold_load(tmp_path, scenario, "--tables", "customer") == 0
    # Then only IMS_CUSTOMER_GOLD has rows
    assert mysql_query(use_databases.training, "SELECT COUNT(*) FROM IMS_CUSTOMER_GOLD")[0][0] == 2
    assert mysql_query(use_databases.training, "SELECT COUNT(*) FROM IMS_ORDER_GOLD")[0][0] == 0


def test_dry_run_counts_what_would_load_and_writes_nothing(
    use_databases: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given gold copies loaded earlier
    assert run_gold_load(tmp_path, write_scenario(tmp_path / "a.csv", [7])) == 0
    before = table_checksums(use_databases.training, GOLD_TABLES)
    capsys.readouterr()
    # When a preview of other customers runs
    others = warehouse_customers(use_databases.warehouse_url, 12, offset=50)
    scenario = write_scenario(tmp_path / "b.csv", [*others, 999999999999993])
    assert run_gold_load(tmp_path, scenario, "--dry-run") == 0
    # Then it reports found / missing and rows per table, and no gold table changed
    report = latest_report(tmp_path)
    assert report["dry_run"] is True
    assert report["customers"]["found"] == 12
    assert report["customers"]["missing"] == 1
    customer_config = next(c for c in report["configs"] if c["config"] == "customer")
    assert customer_config["tables"]["IMS_CUSTOMER"]["rows_read"] == 12
    assert "preview" in capsys.readouterr().out
    assert table_checksums(use_databases.training, GOLD_TABLES) == before
