"""The reset's domain steps and the refresh lease against a real MariaDB.

The steps run in process in the order the state machine runs them (reset_support.
reset_in_process); the end-to-end tests cover the state machine itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from reset_support import (
    CONFIGS,
    EXPECTED_TABLES,
    FAST_LEASES,
    GOLD_TABLES,
    SPECS,
    TRAINING_TABLES,
    all_tables,
    assert_training_equals_gold,
    checksums,
    connect,
    connector,
    create_tables,
    fill,
    open_transaction_on,
    prepare_event,
    readers_running,
    reset_in_process,
    table_states,
)

from ims_refresh.settings import MySqlUrl
from training_refresh.errors import (
    GoldChangeInProgressError,
    ResetLeaseLostError,
    ResetSupersededError,
    SchemaMismatchError,
    SwapBlockedError,
    TrainingDatabaseError,
    UnknownTableError,
)
from training_refresh.lease import (
    LeaseTimes,
    acquire_gold_load_lease,
    acquire_reset_lease,
    live_leases,
    release_gold_load_lease,
    release_reset_lease,
    renew_gold_load_lease,
    renew_reset_lease,
)
from training_refresh.messages.reset import CopyTask, SwapTask
from training_refresh.reset.copy import build_staging_copy, clean_leftovers, copy_table
from training_refresh.reset.prepare import prepare_reset
from training_refresh.reset.swap import SwapSettings, swap_all, swap_tables
from training_refresh.reset.tables import ResetTables


@pytest.fixture
def db(training_db: MySqlUrl) -> MySqlUrl:
    """Gold in state A, training tables in a "trainee" state T."""
    create_tables(training_db)
    fill(training_db, "A")
    fill(training_db, "T", gold=False)
    return training_db


@pytest.fixture
def conn(db: MySqlUrl) -> Iterator[Any]:
    connection = connect(db)
    yield connection
    connection.close()


def states(url: MySqlUrl) -> set[str | None]:
    return set(table_states(url).values())


# --- copies equal gold ------------------------------------------------------------------


def test_after_a_reset_every_training_table_equals_its_gold_copy(db: MySqlUrl) -> None:
    # Given gold copies in state A and training tables trainees filled with other rows
    assert states(db) == {"T"}
    # When a reset runs
    result = reset_in_process(db, "reset-1")
    # Then every training table has the gold copy's rows (count and CHECKSUM TABLE)
    assert_training_equals_gold(db)
    assert states(db) == {"A"}
    assert {c["table"]: c["rows"] for c in result["copies"]} == {
        t: checksums(db, [t])[t][0] for t in TRAINING_TABLES
    }
    # And nothing but gold, training and lease tables is left
    assert all_tables(db) == EXPECTED_TABLES
    assert live_leases_of(db) == []


def live_leases_of(url: MySqlUrl) -> list[tuple[str, str]]:
    with connect(url) as connection:
        return [(row.holder, row.run_id) for row in live_leases(connection)]


def test_trainee_updates_deletes_and_inserts_are_undone(db: MySqlUrl) -> None:
    # Given a reset training environment that trainees then changed in every way
    reset_in_process(db, "reset-1")
    with connect(db) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE IMS_CUSTOMER SET FIRST_NAME = 'Changed', CREDIT_LIMIT = 1")
        cursor.execute("DELETE FROM IMS_ORDER WHERE ORDER_NO % 2 = 0")
        cursor.execute("DELETE FROM IMS_CUS_EMAIL")
        cursor.execute(
            "INSERT INTO IMS_AUTH (AUTH_ID, ORDER_NO, AUTH_STATUS) VALUES (99, 1, 'NEW😀')"
        )
        cursor.execute("UPDATE IMS_MASON_CRN SET CRN_STATUS = NULL")
        cursor.execute(
            "INSERT INTO IMS_MASON_PREFERENCES (CUSTOMER_NO, PREFERENCE_CODE) VALUES (5, 'X')"
        )
    assert checksums(db, ["IMS_CUSTOMER"]) != checksums(db, ["IMS_CUSTOMER_GOLD"]).values()
    # When the next reset runs (twice: it is idempotent)
    reset_in_process(db, "reset-2")
    assert_training_equals_gold(db)
    reset_in_process(db, "reset-3")
    # Then every training table equals its gold copy again, by count and checksum
    assert_training_equals_gold(db)
    assert all_tables(db) == EXPECTED_TABLES


def test_only_the_named_tables_are_reset(db: MySqlUrl) -> None:
    # When only IMS_ORDER and IMS_AUTH are reset
    result = reset_in_process(db, "reset-1", ["IMS_AUTH", "IMS_ORDER"])
    # Then exactly those (in configuration order) equal gold; the others keep trainee rows
    assert result["plan"]["tables"] == ["IMS_ORDER", "IMS_AUTH"]
    found = table_states(db)
    assert {t for t, s in found.items() if s == "A"} == {"IMS_ORDER", "IMS_AUTH"}
    assert {t for t, s in found.items() if s == "T"} == set(TRAINING_TABLES) - {
        "IMS_ORDER",
        "IMS_AUTH",
    }


# --- identifiers ------------------------------------------------------------------------

INJECTED = [
    "IMS_ORDER`; DROP TABLE IMS_CUSTOMER; --",
    "IMS_ORDER; DROP TABLE IMS_CUSTOMER",
    "'IMS_ORDER'",
    '"IMS_ORDER"',
    "`IMS_ORDER`",
    "ims_order",
    "IMS_ORDER ",
    "IMS_ORDER_GOLD",
    "IMS_REFRESH_LEASE",
    "UNKNOWN",
    "",
]


@pytest.mark.parametrize("name", INJECTED)
def test_injected_or_unknown_table_names_are_rejected_before_anything_is_touched(
    db: MySqlUrl, name: str
) -> None:
    # Given the database as it is
    before = checksums(db, TRAINING_TABLES + GOLD_TABLES)
    tables_before = all_tables(db)

    def no_connection() -> Any:
        raise AssertionError("the database must not be touched")

    # When a reset is asked for a table name that is not exactly a configured one
    with pytest.raises(UnknownTableError):
        prepare_reset(
            prepare_event("reset-bad", {"tables": ["IMS_CUSTOMER", name]}),
            connect_mysql=no_connection,
            table_groups=CONFIGS,
        )
    # Then nothing changed (not even the lease table was created)
    assert checksums(db, TRAINING_TABLES + GOLD_TABLES) == before
    assert all_tables(db) == tables_before


def test_a_column_mismatch_names_the_columns_and_changes_nothing(db: MySqlUrl) -> None:
    # Given a gold copy with an extra column and a training table with a different type
    with connect(db) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE IMS_ORDER_GOLD ADD COLUMN PROMO_CODE VARCHAR(8) NULL")
        cursor.execute("ALTER TABLE IMS_ORDER MODIFY ORDER_STATUS VARCHAR(20) NULL")
    before = checksums(db, TRAINING_TABLES)
    prepare_reset(prepare_event("reset-1"), connect_mysql=connector(db), table_groups=CONFIGS)
    # When its copy is built
    with pytest.raises(SchemaMismatchError) as raised:
        copy_table(
            CopyTask(run_id="reset-1", table="IMS_ORDER"),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    # Then the error names both columns and how they differ
    message = str(raised.value)
    assert "only in IMS_ORDER_GOLD: PROMO_CODE" in message
    assert "ORDER_STATUS is varchar(12)" in message
    assert "varchar(20)" in message
    # And no training table changed, no staging table was created
    assert checksums(db, TRAINING_TABLES) == before
    assert all_tables(db) == EXPECTED_TABLES


def test_a_value_mysql_rejects_never_shows_in_the_reset_error(db: MySqlUrl) -> None:
    # Given a gold copy that lost its primary key and holds one order twice
    with connect(db) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE IMS_ORDER_GOLD DROP PRIMARY KEY")
        cursor.execute("SELECT MIN(ORDER_NO) FROM IMS_ORDER_GOLD")
        order_no = str(cursor.fetchone()[0])
        cursor.execute("INSERT INTO IMS_ORDER_GOLD SELECT * FROM IMS_ORDER_GOLD LIMIT 1")
    prepare_reset(prepare_event("reset-1"), connect_mysql=connector(db), table_groups=CONFIGS)
    # When its copy is built, MySQL refuses the duplicate ("Duplicate entry '<order>' ...")
    with pytest.raises(TrainingDatabaseError) as raised:
        copy_table(
            CopyTask(run_id="reset-1", table="IMS_ORDER"),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    # Then the error says what happened and where, but not the value
    message = str(raised.value)
    assert "copying IMS_ORDER_GOLD: MySQL error 1062: Duplicate entry '<redacted>'" in message
    assert order_no not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_a_missing_gold_copy_is_a_clear_error(db: MySqlUrl) -> None:
    with connect(db) as connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IMS_MASON_CRN_GOLD")
        with pytest.raises(SchemaMismatchError, match="IMS_MASON_CRN_GOLD do not exist"):
            build_staging_copy(connection, CONFIGS.table("IMS_MASON_CRN"), None)


# --- crash leftovers ---------------------------------------------------------------------


def test_leftovers_of_a_crashed_reset_are_dropped_by_the_next_one(db: MySqlUrl) -> None:
    # Given every kind of leftover a killed reset can leave, and its lease
    with connect(db) as connection, connection.cursor() as cursor:
        for spec in SPECS[:3]:
            names = ResetTables.of(spec)
            for leftover in names.work_tables:
                cursor.execute(f"CREATE TABLE `{leftover}` LIKE `{spec.training_table}`")
        acquire_reset_lease(connection, "crashed-reset", FAST_LEASES)
    # When the next reset runs
    result = reset_in_process(db, "reset-2")
    # Then it took the lease over, dropped every leftover and left only the usual tables
    assert result["plan"]["superseded_resets"] == ["crashed-reset"]
    assert len(result["plan"]["leftovers_dropped"]) == 9
    assert all_tables(db) == EXPECTED_TABLES
    assert_training_equals_gold(db)


def test_a_missing_training_table_is_restored_from_its_old_copy(conn: Any, db: MySqlUrl) -> None:
    # Given (defensively) a training table that only exists under its OLD name
    with conn.cursor() as cursor:
        cursor.execute("RENAME TABLE IMS_ORDER TO IMS_ORDER__RESET_OLD")
    # When leftovers are cleaned
    clean_leftovers(conn, SPECS)
    # Then the table is back, with its rows
    assert table_states(db)["IMS_ORDER"] == "T"


# --- the swap against trainee sessions -----------------------------------------------------


def test_a_long_trainee_transaction_blocks_the_swap_which_reports_it(db: MySqlUrl) -> None:
    # Given staging copies and a trainee session with an open transaction on IMS_ORDER
    prepare_reset(prepare_event("reset-1"), connect_mysql=connector(db), table_groups=CONFIGS)
    for spec in SPECS:
        copy_table(
            CopyTask(run_id="reset-1", table=spec.training_table),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    before = checksums(db, TRAINING_TABLES)
    settings = SwapSettings(lock_wait_seconds=1, attempts=2, pause_seconds=0.1)
    with open_transaction_on(db, "IMS_ORDER"), connect(db) as connection:
        # When the swap runs
        started = time.monotonic()
        with pytest.raises(SwapBlockedError) as raised:
            swap_all(connection, SPECS, "reset-1", settings=settings)
        # Then it gave up after its attempts, saying a trainee query blocked it
        assert time.monotonic() - started < 10
        assert "long trainee query or open transaction" in str(raised.value)
        assert "Sessions on the training database" in str(raised.value)
        # And no training table changed
        assert checksums(db, TRAINING_TABLES) == before
    # When the trainee's transaction has ended, Then the swap goes through
    swap_tables(
        SwapTask(run_id="reset-1", tables=TRAINING_TABLES),
        connect_mysql=connector(db),
        table_groups=CONFIGS,
        settings=settings,
    )
    assert_training_equals_gold(db)


@pytest.mark.slow
def test_readers_never_see_a_mix_a_missing_or_an_empty_table_during_50_resets(
    db: MySqlUrl,
) -> None:
    # Given reset training tables in state A and readers of three kinds hammering them
    reset_in_process(db, "reset-0")
    with readers_running(db) as (seen, problems):
        # When 50 resets run back to back, the gold state flipping between A and B each time
        for number in range(1, 51):
            state = "B" if number % 2 else "A"
            fill(db, state)
            reset_in_process(db, f"reset-{number}")
            assert states(db) == {state}
            if problems:
                break
    # Then no reader ever saw a mix of states, a missing table or an empty/partial table
    assert problems == []
    # And the readers really read both states while the resets ran
    for kind in ("statement", "transaction"):
        assert seen[f"{kind}:A"] > 20 and seen[f"{kind}:B"] > 20, seen
    assert seen["autocommit:A"] + seen["autocommit:A/B"] + seen["autocommit:B"] > 20, seen
    assert all_tables(db) == EXPECTED_TABLES


# --- the refresh lease --------------------------------------------------------------------

SHORT = LeaseTimes(ttl_seconds=60, wait_seconds=0.3, poll_seconds=0.05)


def test_a_gold_load_and_a_reset_hold_their_leases_side_by_side(conn: Any, db: MySqlUrl) -> None:
    # Given a gold load that holds the gold writer lease
    acquire_gold_load_lease(conn, "gold-a", SHORT)
    # When a reset takes its lease, Then it does so at once, waiting for nothing
    lease = acquire_reset_lease(conn, "reset-1", SHORT)
    assert lease.waited_for == ()
    # And the gold load goes on renewing its lease while the reset holds its own
    renew_gold_load_lease(conn, "gold-a", SHORT)
    # And a reset run meanwhile resets everything
    reset_in_process(db, "reset-2")
    assert_training_equals_gold(db)
    assert live_leases_of(db) == [("gold-load", "gold-a")]
    assert release_gold_load_lease(conn, "gold-a")
    assert not release_reset_lease(conn, "reset-1")  # reset-2 took it over and released it


def test_a_second_gold_changing_run_waits_then_fails_naming_the_running_one(
    conn: Any, db: MySqlUrl
) -> None:
    # Given a gold load that holds the gold writer lease
    acquire_gold_load_lease(conn, "gold-a", SHORT)
    (row,) = live_leases(conn)
    # When a second gold-changing run asks for it, Then it waits its bounded time and fails
    # naming the running one: run id, started at, last seen
    started = time.monotonic()
    with pytest.raises(GoldChangeInProgressError) as raised:
        acquire_gold_load_lease(conn, "gold-b", SHORT)
    assert time.monotonic() - started >= SHORT.wait_seconds
    message = str(raised.value)
    assert "gold-b waited 0 s" in message
    assert f"run gold-a (started {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC" in message
    assert f"last seen {row.renewed_at:%Y-%m-%d %H:%M:%S} UTC)" in message
    assert live_leases_of(db) == [("gold-load", "gold-a")]
    # When the first one finishes within the second's wait, Then the second gets its turn
    releaser = threading.Timer(0.3, lambda: release_gold_load_lease(connect(db), "gold-a"))
    releaser.start()
    waiting = LeaseTimes(ttl_seconds=60, wait_seconds=10, poll_seconds=0.05)
    lease = acquire_gold_load_lease(conn, "gold-b", waiting)
    releaser.join()
    assert lease.waited_for == ("gold-a",)
    assert live_leases_of(db) == [("gold-load", "gold-b")]


def test_a_newer_reset_takes_over_and_the_older_one_cannot_swap(db: MySqlUrl) -> None:
    # Given reset A that prepared and copied one table, then stalled (or was killed)
    prepare_reset(prepare_event("reset-a"), connect_mysql=connector(db), table_groups=CONFIGS)
    copy_table(
        CopyTask(run_id="reset-a", table="IMS_ORDER"),
        connect_mysql=connector(db),
        table_groups=CONFIGS,
    )
    # When reset B starts, Then it takes the lease over at once and drops A's copies
    plan = prepare_reset(
        prepare_event("reset-b"), connect_mysql=connector(db), table_groups=CONFIGS
    )
    assert plan.superseded_resets == ["reset-a"]
    assert plan.leftovers_dropped == ["IMS_ORDER__RESET_NEW"]
    # And reset A can neither copy nor swap any more
    with pytest.raises(ResetSupersededError):
        copy_table(
            CopyTask(run_id="reset-a", table="IMS_AUTH"),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    with pytest.raises(ResetSupersededError):
        swap_tables(
            SwapTask(run_id="reset-a", tables=["IMS_ORDER"]),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    assert states(db) == {"T"}
    # And reset B completes
    for table in plan.tables:
        copy_table(
            CopyTask(run_id="reset-b", table=table),
            connect_mysql=connector(db),
            table_groups=CONFIGS,
        )
    swap_tables(
        SwapTask(run_id="reset-b", tables=plan.tables),
        connect_mysql=connector(db),
        table_groups=CONFIGS,
    )
    assert_training_equals_gold(db)
    assert all_tables(db) == EXPECTED_TABLES


def test_a_reset_whose_lease_expired_stops_before_swapping(conn: Any, db: MySqlUrl) -> None:
    # Given a reset whose lease expired (a gold load could have run since its copies)
    acquire_reset_lease(conn, "reset-1", LeaseTimes(ttl_seconds=0.3, wait_seconds=0))
    time.sleep(0.5)
    # Then it can neither renew nor swap
    with pytest.raises(ResetLeaseLostError, match="expired"):
        renew_reset_lease(conn, "reset-1", SHORT)
    acquire_gold_load_lease(conn, "gold-1", SHORT)  # the expired reset no longer blocks
    with pytest.raises(ResetLeaseLostError, match="no longer holds"):
        renew_reset_lease(conn, "reset-1", SHORT)


def test_a_superseded_reset_still_copying_never_shares_staging_tables_with_the_newer_one(
    db: MySqlUrl,
) -> None:
    # Given reset A stopped in the middle of copying IMS_ORDER (its FILL table created)
    prepare_reset(prepare_event("reset-a"), connect_mysql=connector(db), table_groups=CONFIGS)
    reached, go_on = threading.Event(), threading.Event()

    def stop_reset_a(name: str) -> None:
        if threading.current_thread().name == "reset-a" and name == "copy-created:IMS_ORDER":
            reached.set()
            go_on.wait(30)

    outcome: dict[str, Exception] = {}

    def copy_of_reset_a() -> None:
        try:
            copy_table(
                CopyTask(run_id="reset-a", table="IMS_ORDER"),
                connect_mysql=connector(db),
                table_groups=CONFIGS,
                on_step=stop_reset_a,
            )
        except Exception as error:
            outcome["a"] = error

    reset_a = threading.Thread(target=copy_of_reset_a, name="reset-a")
    reset_a.start()
    assert reached.wait(30)
    # When reset B starts meanwhile and A's copy resumes half a second later
    resume = threading.Timer(0.5, go_on.set)
    resume.start()
    result = reset_in_process(db, "reset-b")
    reset_a.join(30)
    # Then B's cleanup waited for A's copy of IMS_ORDER, A stopped before publishing it,
    # and B reset every table
    assert isinstance(outcome.get("a"), ResetSupersededError)
    assert result["plan"]["superseded_resets"] == ["reset-a"]
    assert "IMS_ORDER__RESET_FILL" in result["plan"]["leftovers_dropped"]
    assert_training_equals_gold(db)
    assert all_tables(db) == EXPECTED_TABLES


def test_the_largest_gold_copy_is_copied_first(conn: Any, db: MySqlUrl) -> None:
    # Given the last configured table's gold copy grown far beyond the others
    last = SPECS[-1]
    key, *others = (f"`{column}`" for column in last.mysql_columns)
    with conn.cursor() as cursor:
        for _ in range(8):
            cursor.execute(f"SELECT MAX({key}) FROM `{last.gold_table}`")
            offset = int(cursor.fetchone()[0])
            cursor.execute(
                f"INSERT INTO `{last.gold_table}` ({key}, {', '.join(others)}) "
                f"SELECT {key} + {offset}, {', '.join(others)} FROM `{last.gold_table}`"
            )
        cursor.execute(f"ANALYZE TABLE `{last.gold_table}`")
        cursor.fetchall()
    # When a reset is prepared
    plan = prepare_reset(
        prepare_event("reset-order"), connect_mysql=connector(db), table_groups=CONFIGS
    )
    # Then that table is copied first, and every table is copied
    assert plan.tables[0] == last.training_table
    assert sorted(plan.tables) == sorted(TRAINING_TABLES)
