"""Restore some customers (``run reset --customers``) end to end: the CLI → local runtime
→ reset ASL → restore handlers → MariaDB, after a real gold load and a full reset, with
trainees' changes for several customers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
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
from ims_refresh.restore_command import run_restore
from ims_refresh.settings import LocalDatabases, LocalEnvName, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.lease import acquire_reset_lease
from training_refresh.table_groups import GOLD_SUFFIX, TableSpec, load_table_groups

SPECS = load_table_groups().enabled_tables()
TRAINING_TABLES = [spec.training_table for spec in SPECS]
GOLD_TABLES = [spec.gold_table for spec in SPECS]
NOT_IN_GOLD = 999_999_999_999
NEW_ORDER = 900_000_000_001
NEW_AUTH = 900_000_000_002
Rows = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def classroom(
    databases: LocalDatabases, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[LocalDatabases, list[int]]:
    """Gold copies of 8 warehouse customers, loaded and reset into training for real."""
    monkeypatch.setenv(LocalEnvName.TRAINING_DB_URL, mysql_url_text(databases.training))
    monkeypatch.setenv(LocalEnvName.WAREHOUSE_URL, databases.warehouse_url)
    customers = warehouse_customers(databases.warehouse_url, 8)
    scenario = write_scenario(tmp_path / "load.csv", customers)
    arguments = gold_load_arguments(tmp_path / "reports", scenario, DEMO_AS_OF.isoformat())
    assert main(arguments) == 0
    assert main(["--report-dir", str(tmp_path / "reports"), "run", "reset"]) == 0
    return databases, customers


def execute(url: MySqlUrl, sql: str, args: Any = None) -> int:
    with connect(url) as connection, connection.cursor() as cursor:
        return int(cursor.execute(sql, args))


def rows_of(spec: TableSpec, table: str, customers: list[int]) -> str:
    """SELECT of the rows of ``table`` that belong to ``customers`` (children through the
    parent table beside them: training for training, gold for gold)."""
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


def customer_rows(
    url: MySqlUrl, table_of: Callable[[TableSpec], str], customers: list[int]
) -> Rows:
    return {
        spec.training_table: sorted(mysql_query(url, rows_of(spec, table_of(spec), customers)))
        for spec in SPECS
    }


def rest_rows(url: MySqlUrl, customers: list[int]) -> Rows:
    """Every training row that is not the customers' own (by customer, through the
    training parent, or by a key their gold rows hold), row by row."""
    rest: Rows = {}
    for spec in SPECS:
        key = [spec.columns.index(column) for column in spec.primary_key]
        gold_keys = {
            tuple(row[i] for i in key)
            for row in mysql_query(url, rows_of(spec, spec.gold_table, customers))
        }
        own = set(mysql_query(url, rows_of(spec, spec.training_table, customers)))
        rest[spec.training_table] = sorted(
            row
            for row in mysql_query(url, f"SELECT * FROM `{spec.training_table}`")
            if row not in own and tuple(row[i] for i in key) not in gold_keys
        )
    return rest


def break_customers(url: MySqlUrl, restored: list[int], others: list[int]) -> None:
    """What trainees do in class, for restored and for other customers alike: change a
    customer, delete an order (and its auths), add an order with an auth, change an auth,
    add an e-mail; one trainee moves a restored customer's order to another customer."""
    for number in [*restored, *others]:
        execute(
            url, "UPDATE IMS_CUSTOMER SET CITY = 'Trainee Town' WHERE CUSTOMER_NO = %s", (number,)
        )
        execute(
            url,
            "INSERT INTO IMS_CUS_EMAIL (CUSTOMER_NO, EMAIL_SEQ, EMAIL_ADDRESS, EMAIL_TYPE) "
            "VALUES (%s, 999, 'added@example.invalid', 'HOME')",
            (number,),
        )
    first, second = restored[0], restored[1]
    orders = [
        row[0]
        for row in mysql_query(
            url, f"SELECT ORDER_NO FROM IMS_ORDER WHERE CUSTOMER_NO = {second} ORDER BY ORDER_NO"
        )
    ]
    assert len(orders) >= 2
    execute(url, f"DELETE FROM IMS_AUTH WHERE ORDER_NO = {orders[0]}")
    execute(url, f"DELETE FROM IMS_ORDER WHERE ORDER_NO = {orders[0]}")
    # a restored customer's gold order now belongs (in training) to another customer
    execute(url, f"UPDATE IMS_ORDER SET CUSTOMER_NO = {others[0]} WHERE ORDER_NO = {orders[1]}")
    for offset, number in enumerate([first, others[1]]):
        execute(
            url,
            "INSERT INTO IMS_ORDER (ORDER_NO, CUSTOMER_NO, ORDER_STATUS) VALUES (%s, %s, 'NEW')",
            (NEW_ORDER + 10 * offset, number),
        )
        execute(
            url,
            "INSERT INTO IMS_AUTH (AUTH_ID, ORDER_NO, AUTH_STATUS) VALUES (%s, %s, 'OK')",
            (NEW_AUTH + 10 * offset, NEW_ORDER + 10 * offset),
        )
    execute(
        url,
        "UPDATE IMS_AUTH SET AUTH_STATUS = 'VOID' WHERE ORDER_NO IN "
        f"(SELECT ORDER_NO FROM IMS_ORDER WHERE CUSTOMER_NO IN ({first}, {others[1]}))",
    )


def latest_report(tmp_path: Path) -> dict[str, Any]:
    return json.loads(sorted((tmp_path / "reports").glob("restore-*.json"))[-1].read_text())


def test_restoring_some_customers_makes_exactly_their_rows_gold_and_leaves_the_rest(
    classroom: tuple[LocalDatabases, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, customers = classroom
    restored, others = customers[:3], customers[3:]
    # Given trainees changed, deleted and added rows for restored and other customers
    break_customers(db.training, restored, others)
    # and added a customer of their own (not in gold), named in the restore below
    own = f"INSERT INTO IMS_CUSTOMER (CUSTOMER_NO, CITY) VALUES ({NOT_IN_GOLD}, 'Own')"
    execute(db.training, own)
    execute(
        db.training,
        "INSERT INTO IMS_ORDER (ORDER_NO, CUSTOMER_NO, ORDER_STATUS) VALUES (%s, %s, 'NEW')",
        (NEW_ORDER + 100, NOT_IN_GOLD),
    )
    assert customer_rows(db.training, lambda s: s.training_table, restored) != customer_rows(
        db.training, lambda s: s.gold_table, restored
    )
    rest_before = rest_rows(db.training, restored)
    gold_before = table_checksums(db.training, GOLD_TABLES)
    capsys.readouterr()
    # When three of them are restored (and one customer the gold copies lack is named)
    listed = ",".join(str(c) for c in [*restored, NOT_IN_GOLD])
    code = main(["--report-dir", str(tmp_path / "reports"), "run", "reset", "--customers", listed])
    # Then exactly their rows equal gold in all six tables: the added order, auth and
    # e-mail are gone, the deleted order and its auths are back, the moved order is theirs
    assert code == 0
    assert customer_rows(db.training, lambda s: s.training_table, restored) == customer_rows(
        db.training, lambda s: s.gold_table, restored
    )
    assert mysql_query(db.training, f"SELECT 1 FROM IMS_ORDER WHERE ORDER_NO = {NEW_ORDER}") == []
    assert mysql_query(db.training, f"SELECT 1 FROM IMS_AUTH WHERE AUTH_ID = {NEW_AUTH}") == []
    # And every other row is exactly as the trainees left it (their additions too, and the
    # customer not in gold: left as it is)
    assert rest_rows(db.training, restored) == rest_before
    added = f"SELECT CUSTOMER_NO FROM IMS_ORDER WHERE ORDER_NO = {NEW_ORDER + 10}"
    assert mysql_query(db.training, added) == [(others[1],)]
    # And the gold copies are untouched
    assert table_checksums(db.training, GOLD_TABLES) == gold_before
    # And the report names the customer not in the gold copies and counts rows per table
    report = latest_report(tmp_path)
    assert report["mode"] == "restore" and report["status"] == "succeeded"
    assert report["customers_restored"] == 3 and report["customers_not_in_gold"] == 1
    assert report["not_in_gold_sample"] == [NOT_IN_GOLD]
    gold_rows = customer_rows(db.training, lambda s: s.gold_table, restored)
    inserted = {t["table"]: t["rows_inserted"] for t in report["tables"]}
    assert inserted == {table: len(rows) for table, rows in gold_rows.items()}
    out = capsys.readouterr().out
    assert "3 restored, 1 not in the gold copies" in out and str(NOT_IN_GOLD) in out
    assert "restored 3 customer(s) from gold generation 1 in one transaction" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--customers", "12a,34"], "'12a'"),
        (["--customers", "1234567890123456"], "1-15 digits"),
        (["--customers", ","], "names no customer"),
        (["--scenarios", "EMPTY"], "lists no customer numbers"),
        (["--scenarios", "BAD"], "line 2"),
        (["--customers", "1", "--tables", "IMS_ORDER"], "leave out --tables"),
    ],
    ids=["bad number", "too many digits", "no customer", "empty file", "bad line", "tables"],
)
def test_bad_customers_are_refused_before_anything_runs(
    classroom: tuple[LocalDatabases, list[int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    db, customers = classroom
    # Given trainees' changes
    break_customers(db.training, customers[:2], customers[2:4])
    before = table_checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    (tmp_path / "EMPTY").write_text("customer_number\n\n", "utf-8")
    (tmp_path / "BAD").write_text("customer_number\n12x\n", "utf-8")
    arguments = [str(tmp_path / a) if a in {"EMPTY", "BAD"} else a for a in arguments]
    capsys.readouterr()
    # When a restore is given a bad customer list
    code = main(["--report-dir", str(tmp_path / "reports"), "run", "reset", *arguments])
    # Then it exits 2 with one line naming the problem, and nothing changed or ran
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("ims-refresh: bad input:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert table_checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before
    assert not list((tmp_path / "reports").glob("restore-*.json"))


def test_only_customers_not_in_gold_is_bad_input_and_changes_nothing(
    classroom: tuple[LocalDatabases, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, customers = classroom
    break_customers(db.training, customers[:2], customers[2:4])
    before = table_checksums(db.training, TRAINING_TABLES + GOLD_TABLES)
    scenario = write_scenario(tmp_path / "unknown.csv", [NOT_IN_GOLD, NOT_IN_GOLD - 1])
    capsys.readouterr()
    # When a restore names only customers the gold copies lack (through a scenario file)
    reports = str(tmp_path / "reports")
    code = main(["--report-dir", reports, "--json", "run", "reset", "--scenarios", str(scenario)])
    # Then it is bad input (exit 2), the report says why, and nothing changed
    assert code == 2
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "bad_input" and document["mode"] == "restore"
    assert document["errors"][0]["name"] == "CustomersNotInGoldError"
    assert table_checksums(db.training, TRAINING_TABLES + GOLD_TABLES) == before
    # And the reset lease was given back: a full reset runs at once
    assert mysql_query(db.training, "SELECT COUNT(*) FROM IMS_REFRESH_LEASE") == [(0,)]


def test_a_reader_never_sees_a_restored_customer_half_restored(
    classroom: tuple[LocalDatabases, list[int]], tmp_path: Path
) -> None:
    db, customers = classroom
    restored, others = customers[:3], customers[3:]
    break_customers(db.training, restored, others)

    def training(spec: TableSpec) -> str:
        return spec.training_table

    before = customer_rows(db.training, training, restored)
    after = customer_rows(db.training, lambda s: s.gold_table, restored)
    assert before != after
    seen: list[str] = []
    stop = threading.Event()
    read_while_open = threading.Event()

    def reader() -> None:
        # Each read: one consistent snapshot of all six tables' rows of those customers
        with connect(db.training, autocommit=False) as connection:
            while not stop.is_set():
                with connection.cursor() as cursor:
                    cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
                    rows = {}
                    for spec in SPECS:
                        cursor.execute(rows_of(spec, spec.training_table, restored))
                        rows[spec.training_table] = sorted(cursor.fetchall())
                    connection.commit()
                seen.append("before" if rows == before else "after" if rows == after else "half")
                if holding.is_set():
                    read_while_open.set()

    holding = threading.Event()

    def on_step(point: str) -> None:
        # The restore's statements have run, uncommitted: a reader reads now
        if point == "restore-before-commit":
            holding.set()
            assert read_while_open.wait(60)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        # When the customers are restored while the reader reads
        code = run_restore(
            customers=",".join(map(str, restored)),
            scenarios=None,
            report_dir=tmp_path / "reports",
            timeout=300,
            databases=db,
            on_step=on_step,
        )
        count = len(seen)
        while len(seen) < count + 2 and thread.is_alive():
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
    # Then every read saw the customers entirely before or entirely after, both were seen
    assert code == 0
    assert "half" not in seen
    assert seen[0] == "before" and seen[-1] == "after"


def test_a_reset_taking_the_turn_before_the_commit_stops_the_restore_with_nothing_changed(
    classroom: tuple[LocalDatabases, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, customers = classroom
    break_customers(db.training, customers[:2], customers[2:4])
    before = table_checksums(db.training, TRAINING_TABLES)

    def on_step(point: str) -> None:
        # A full reset takes the reset lease while the restore's statements are uncommitted
        if point == "restore-before-commit":
            with connect(db.training) as connection:
                acquire_reset_lease(connection, "reset-started-meanwhile")

    capsys.readouterr()
    # When the restore reaches its commit
    code = run_restore(
        customers=",".join(map(str, customers[:2])),
        scenarios=None,
        report_dir=tmp_path / "reports",
        timeout=300,
        databases=db,
        on_step=on_step,
    )
    # Then it fails (exit 1) saying the reset took over, and rolled everything back
    assert code == 1
    report = latest_report(tmp_path)
    assert report["status"] == "failed"
    assert report["errors"][0]["name"] == "ResetSupersededError"
    assert table_checksums(db.training, TRAINING_TABLES) == before
    # And the newer reset's lease is left to it
    holders = mysql_query(db.training, "SELECT RUN_ID FROM IMS_REFRESH_LEASE")
    assert holders == [("reset-started-meanwhile",)]


def test_a_trainee_transaction_on_a_restored_customer_is_waited_for_then_overwritten(
    classroom: tuple[LocalDatabases, list[int]], tmp_path: Path
) -> None:
    db, customers = classroom
    restored = customers[:2]
    codes: list[int] = []
    # Given a trainee's open transaction that changed a restored customer (row locked)
    with connect(db.training, autocommit=False) as trainee, trainee.cursor() as cursor:
        cursor.execute(
            "UPDATE IMS_CUSTOMER SET CITY = 'Open Town' WHERE CUSTOMER_NO = %s", (restored[0],)
        )
        # When a restore of that customer starts
        thread = threading.Thread(
            target=lambda: codes.append(
                run_restore(
                    customers=",".join(map(str, restored)),
                    scenarios=None,
                    report_dir=tmp_path / "reports",
                    timeout=300,
                    databases=db,
                )
            )
        )
        thread.start()
        # Then it waits for the row lock (its DELETE stays in the server's process list) ...
        waiting = (
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
            "WHERE INFO LIKE 'DELETE FROM `IMS_CUSTOMER` WHERE%'"
        )
        for _ in range(600):
            if mysql_query(db.training, waiting)[0][0] > 0 or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        assert thread.is_alive()
        # ... and once the trainee commits, it restores the customer over that change
        trainee.commit()
        thread.join()
    assert codes == [0]
    assert customer_rows(db.training, lambda s: s.training_table, restored) == customer_rows(
        db.training, lambda s: s.gold_table, restored
    )
