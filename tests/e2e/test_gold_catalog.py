"""The gold catalog end to end: real gold loads from the synthetic warehouse (CLI → local
runtime → ASL → handlers → MariaDB) write it in their publication; ``gold list`` shows
it; a removal takes customers out, an undo brings the previous catalog back."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
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
from ims_refresh.local.mysql_setup import ensure_training_tables
from ims_refresh.settings import LocalDatabases, LocalEnvName
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.gold_state import names
from training_refresh.table_groups import load_table_groups

FIRST_AS_OF = DEMO_AS_OF - timedelta(days=1)
GOLD_AND_CATALOG = [
    *(spec.gold_table for spec in load_table_groups().all_tables()),
    names.CATALOG_TABLE,
]


@pytest.fixture
def db(databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch) -> LocalDatabases:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(databases.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    return databases


def labelled_scenario(path: Path, column: str, labels: dict[int, str]) -> Path:
    """A scenario file with a label column named ``column`` (and one other column)."""
    lines = [f"region,customer_number,{column}"]
    lines += [f"north,{customer},{label}" for customer, label in labels.items()]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def load(tmp_path: Path, scenario: Path, as_of: date, entered: int | None = None) -> str:
    """A real local gold load; returns its run id."""
    reports = tmp_path / "reports"
    assert main(gold_load_arguments(reports, scenario, as_of.isoformat())) == 0
    report = json.loads(sorted(reports.glob("gold-load-*.json"))[-1].read_text("utf-8"))
    assert report["status"] == "succeeded"
    if entered is not None:
        assert report["publication"]["catalog_entries"] == entered
    return str(report["run_id"])


def gold_list(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["gold", "list", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def entries(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {entry["customer_number"]: entry for entry in document["entries"]}


def test_two_loads_show_first_and_last_loaded_as_of_run_file_and_label_per_customer(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a load of customers a, b, c from a file with a description column
    a, b, c, d = warehouse_customers(db.warehouse_url, 4)
    first_file = labelled_scenario(
        tmp_path / "returns.csv", "description", {a: "late return", b: "lost parcel", c: ""}
    )
    first_run = load(tmp_path, first_file, FIRST_AS_OF, entered=3)
    _, after_first = gold_list(capsys)
    # When b and d are loaded again from another file with a scenario column, other as-of
    second_file = labelled_scenario(
        tmp_path / "billing.csv", "Scenario", {b: "double charge", d: "card declined"}
    )
    second_run = load(tmp_path, second_file, DEMO_AS_OF, entered=2)
    code, document = gold_list(capsys)
    # Then every customer has one entry with the run, file, as-of and label that loaded it last
    assert code == 0
    listed = entries(document)
    assert sorted(listed) == [a, b, c, d]
    assert document["customers"] == 4
    expected = {
        a: (first_run, str(first_file), FIRST_AS_OF, "late return"),
        b: (second_run, str(second_file), DEMO_AS_OF, "double charge"),
        c: (first_run, str(first_file), FIRST_AS_OF, None),
        d: (second_run, str(second_file), DEMO_AS_OF, "card declined"),
    }
    for customer, (run, file, as_of, label) in expected.items():
        entry = listed[customer]
        assert (entry["run_id"], entry["scenario_file"]) == (run, file)
        assert (entry["as_of"], entry["label"]) == (as_of.isoformat(), label)
    # And b, loaded again, keeps its first load time and has a later last load time
    first_b = entries(after_first)[b]
    assert listed[b]["first_loaded_at"] == first_b["first_loaded_at"]
    assert datetime.fromisoformat(listed[b]["last_loaded_at"]) > datetime.fromisoformat(
        first_b["last_loaded_at"]
    )
    assert listed[a] == entries(after_first)[a]  # a was not in the second file
    assert listed[d]["first_loaded_at"] == listed[d]["last_loaded_at"]
    # And --customers lists only those, naming the ones the catalog lacks
    code, only = gold_list(capsys, "--customers", f"{d}, {a},999999999999")
    assert code == 0
    assert [e["customer_number"] for e in only["entries"]] == sorted([a, d])
    assert only["not_in_catalog"] == [999999999999]


def test_undo_brings_the_catalog_back_and_a_removal_takes_customers_out(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two loads, the second loading a customer again and a new one
    a, b, c = warehouse_customers(db.warehouse_url, 3)
    load(tmp_path, labelled_scenario(tmp_path / "one.csv", "label", {a: "x", b: "y"}), FIRST_AS_OF)
    after_first = table_checksums(db.training, GOLD_AND_CATALOG)
    load(tmp_path, labelled_scenario(tmp_path / "two.csv", "label", {b: "z", c: "w"}), DEMO_AS_OF)
    after_second = table_checksums(db.training, GOLD_AND_CATALOG)
    assert after_second[names.CATALOG_TABLE] != after_first[names.CATALOG_TABLE]
    reports = str(tmp_path / "reports")
    # When the second load is undone
    assert main(["--report-dir", reports, "run", "gold-undo"]) == 0
    # Then the gold copies and the catalog are CHECKSUM-equal to those after the first load
    assert table_checksums(db.training, GOLD_AND_CATALOG) == after_first
    _, document = gold_list(capsys)
    assert sorted(entries(document)) == [a, b]
    assert entries(document)[b]["label"] == "y"
    # When a is removed from the gold copies
    retired = write_scenario(tmp_path / "retired.csv", [a])
    assert main(["--report-dir", reports, "run", "gold-remove", "--scenarios", str(retired)]) == 0
    # Then a is gone from the catalog, b's entry is unchanged
    _, after_removal = gold_list(capsys)
    assert sorted(entries(after_removal)) == [b]
    assert entries(after_removal)[b] == entries(document)[b]
    assert mysql_query(
        db.training, f"SELECT COUNT(*) FROM `{names.CATALOG_TABLE}` WHERE CUSTOMER_NO = %s", [a]
    ) == [(0,)]
    # And undoing the removal brings the gold copies and the catalog back (CHECKSUM)
    assert main(["--report-dir", reports, "run", "gold-undo"]) == 0
    assert table_checksums(db.training, GOLD_AND_CATALOG) == after_first


def test_bad_customers_for_gold_list_exit_2(
    db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a catalog holding one customer
    [a] = warehouse_customers(db.warehouse_url, 1)
    load(tmp_path, write_scenario(tmp_path / "one.csv", [a]), DEMO_AS_OF)
    for bad in ("12x", "", " , ", "1234567890123456", "-5", "999999999999"):
        # When gold list is asked for bad numbers, none, or only customers it lacks
        code, document = gold_list(capsys, "--customers", bad)
        # Then it exits 2 with the reason
        assert code == 2, bad
        assert "bad input" in document["error"]["message"]


def test_gold_list_before_any_load_is_empty(
    db: LocalDatabases, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a training database whose tables exist, never loaded
    ensure_training_tables(db.training, load_table_groups())
    # When the catalog is listed, Then it is empty, at generation 0
    code, document = gold_list(capsys)
    assert code == 0
    assert document["entries"] == [] and document["generation"] == 0


@pytest.fixture
def own_db(
    training_db: Any, own_warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> LocalDatabases:
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(training_db))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, own_warehouse_url)
    return LocalDatabases(training=training_db, warehouse_url=own_warehouse_url)


TWO_CONFIGS = "mason_preferences,mason_crn"


def test_a_partly_failed_load_enters_only_customers_a_published_gold_copy_holds(
    own_db: LocalDatabases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given customers a and b with Mason CRNs, c without any
    a, b, c = warehouse_customers(own_db.warehouse_url, 3)
    with psycopg.connect(own_db.warehouse_url, autocommit=True) as warehouse:
        warehouse.execute("DELETE FROM oframe_cdc_prd_s.ims_mason_crn WHERE customer_no = %s", [c])
        for customer in (a, b):
            held = warehouse.execute(
                "SELECT COUNT(*) FROM oframe_cdc_prd_s.ims_mason_crn WHERE customer_no = %s",
                [customer],
            ).fetchone()
            assert held is not None and held[0] > 0
        # And a preferences table that has gone, so the mason_preferences config fails
        warehouse.execute("ALTER TABLE oframe_prd_s.ims_mason_preferences RENAME TO gone")
    # When a, b and c are loaded with the mason_preferences and mason_crn configs
    scenario = labelled_scenario(tmp_path / "crn.csv", "label", {a: "x", b: "y", c: "z"})
    arguments = gold_load_arguments(
        tmp_path / "reports", scenario, DEMO_AS_OF.isoformat(), "--tables", TWO_CONFIGS
    )
    assert main(arguments) == 1
    # Then only mason_crn published, and the catalog holds the customers it holds: a and b
    report = json.loads(sorted((tmp_path / "reports").glob("gold-load-*.json"))[-1].read_text())
    assert report["publication"]["configs_not_published"] == ["mason_preferences"]
    _, document = gold_list(capsys)
    assert sorted(entries(document)) == [a, b]
    assert entries(document)[a]["label"] == "x"
