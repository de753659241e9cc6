"""Publishing gold states on the real MariaDB: one RENAME, undo, leftovers, readers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims_refresh.settings import MySqlUrl
from training_refresh.errors import (
    GoldPublishBlockedError,
    NothingToUndoError,
    StaleGoldBuildError,
)
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import PublicationSummary
from training_refresh.gold_state.publication import (
    RenameSettings,
    clean_leftovers,
    publish_change,
    publish_undo,
)
from training_refresh.gold_state.store import current_generation, read_manifest

TABLES = ("A_GOLD", "B_GOLD")
FAST = RenameSettings(lock_wait_seconds=1, attempts=2, pause_seconds=0.01)


def connect(url: MySqlUrl) -> Any:
    return pymysql.connect(
        host=url.host, port=url.port, user=url.user, database=url.database, autocommit=True
    )


def _server(url: MySqlUrl) -> Any:
    return pymysql.connect(host=url.host, port=url.port, user=url.user, autocommit=True)


def fresh_gold_database(url: MySqlUrl) -> None:
    """(Re)create ``url``'s database with two one-row gold copies at version 0."""
    with _server(url) as server, server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{url.database}`")
        cursor.execute(f"CREATE DATABASE `{url.database}`")
    with connect(url) as connection, connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"CREATE TABLE `{table}` (ID INT PRIMARY KEY, CONTENT VARCHAR(40))")
            cursor.execute(f"INSERT INTO `{table}` VALUES (1, %s)", (f"{table}@0",))


@pytest.fixture
def db(training_db: MySqlUrl) -> Iterator[Any]:
    fresh_gold_database(training_db)
    with connect(training_db) as connection:
        yield connection


def build(connection: Any, run_id: str, table: str, content: str) -> str:
    name = names.build_table(table, names.run_tag(run_id))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS `{name}`")
        cursor.execute(f"CREATE TABLE `{name}` LIKE `{table}`")
        cursor.execute(f"INSERT INTO `{name}` VALUES (1, %s), (2, %s)", (content, content))
    return name


def publish(connection: Any, run_id: str, contents: dict[str, str], **kwargs: Any) -> Any:
    with connection.cursor() as cursor:
        based_on = current_generation(cursor)
    built = {
        table: build(connection, run_id, table, content) for table, content in contents.items()
    }
    return publish_change(
        connection,
        run_id=run_id,
        workflow="gold-load",
        built=built,
        based_on_generation=kwargs.pop("based_on", based_on),
        summary=PublicationSummary(customers_loaded=1),
        managed_tables=TABLES,
        guard=nullcontext(),
        **{"settings": FAST, **kwargs},
    )


def contents(connection: Any) -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f"SELECT CONTENT FROM `{table}`")
            result[table] = {row[0] for row in cursor.fetchall()}
        return result


def all_tables(connection: Any) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        return {row[0] for row in cursor.fetchall()}


def checksums(connection: Any, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
        return {str(name).rsplit(".", 1)[-1]: int(value) for name, value in cursor.fetchall()}


def test_a_publication_swaps_the_built_tables_in_and_keeps_the_replaced_ones(db: Any) -> None:
    # Given the initial gold copies
    before = checksums(db)
    # When a run publishes a new A only
    outcome = publish(db, "run-1", {"A_GOLD": "A@1"})
    # Then A is the build, B untouched, the old A kept as version 0, the manifest says so
    assert contents(db) == {"A_GOLD": {"A@1"}, "B_GOLD": {"B_GOLD@0"}}
    assert checksums(db, ("A_GOLD__V0",)) == {"A_GOLD__V0": before["A_GOLD"]}
    assert outcome.state.generation == 1 and outcome.previous_generation == 0
    assert outcome.attempts == 1 and outcome.locked_seconds >= 0
    with db.cursor() as cursor:
        manifest = read_manifest(cursor)
    assert manifest.current.versions == {"A_GOLD": 1}
    assert manifest.current.run_id == "run-1"
    assert all_tables(db) == {"A_GOLD", "B_GOLD", "A_GOLD__V0", names.STATE_TABLE}


def test_undo_restores_every_table_byte_for_byte_and_walks_back(db: Any) -> None:
    initial = checksums(db)
    publish(db, "run-1", {"A_GOLD": "A@1", "B_GOLD": "B@1"})
    after_first = checksums(db)
    publish(db, "run-2", {"B_GOLD": "B@2"})
    # When undone, Then the state after run-1 is back exactly
    outcome, restored = publish_undo(
        db, run_id="undo-1", managed_tables=TABLES, guard=nullcontext(), settings=FAST
    )
    assert checksums(db) == after_first
    assert restored.run_id == "run-1" and outcome.state.generation == 3
    # When undone again, Then the initial state is back exactly and no version is left
    publish_undo(db, run_id="undo-2", managed_tables=TABLES, guard=nullcontext(), settings=FAST)
    assert checksums(db) == initial
    assert all_tables(db) == {"A_GOLD", "B_GOLD", names.STATE_TABLE}
    with pytest.raises(NothingToUndoError):
        publish_undo(db, run_id="undo-3", managed_tables=TABLES, guard=nullcontext())
    assert checksums(db) == initial


def test_a_build_of_an_older_generation_is_never_published(db: Any) -> None:
    publish(db, "run-1", {"A_GOLD": "A@1"})
    before = checksums(db)
    with pytest.raises(StaleGoldBuildError, match="generation 0"):
        publish(db, "run-2", {"A_GOLD": "A@2"}, based_on=0)
    assert checksums(db) == before


def test_a_publication_blocked_by_a_reader_changes_nothing(db: Any, training_db: MySqlUrl) -> None:
    before = checksums(db)
    with connect(training_db) as reader, reader.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT COUNT(*) FROM A_GOLD")  # holds A_GOLD's metadata lock
        with pytest.raises(GoldPublishBlockedError, match="nothing was published"):
            publish(db, "run-1", {"A_GOLD": "A@1"})
        cursor.execute("ROLLBACK")
    assert checksums(db) == before
    with db.cursor() as cursor:
        assert read_manifest(cursor).current.generation == 0


def test_leftovers_of_dead_runs_are_dropped_and_the_own_build_is_kept(db: Any) -> None:
    publish(db, "run-1", {"A_GOLD": "A@1"})
    dead = build(db, "dead-run", "B_GOLD", "half")
    own = build(db, "run-2", "A_GOLD", "A@2")
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE A_GOLD__V7 LIKE A_GOLD")  # a version nobody refers to
    dropped = clean_leftovers(db, TABLES, own_tag=names.run_tag("run-2"), guard=nullcontext())
    assert sorted(dropped) == sorted([dead, "A_GOLD__V7"])
    assert own in all_tables(db) and "A_GOLD__V0" in all_tables(db)


def test_readers_see_one_published_state_or_the_next_never_a_mix(
    db: Any, training_db: MySqlUrl
) -> None:
    stop = threading.Event()
    seen: list[tuple[Any, ...]] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with connect(training_db) as reader, reader.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        "SELECT (SELECT MAX(CONTENT) FROM A_GOLD), (SELECT MAX(CONTENT) FROM "
                        "B_GOLD), (SELECT COUNT(*) FROM A_GOLD) + (SELECT COUNT(*) FROM B_GOLD)"
                    )
                    seen.append(cursor.fetchone())
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for run in range(1, 16):
            publish(
                db,
                f"run-{run}",
                {"A_GOLD": f"S{run:02}", "B_GOLD": f"S{run:02}"},
                settings=RenameSettings(lock_wait_seconds=2, attempts=5, pause_seconds=0.01),
            )
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not failures
    assert len(seen) > 15
    for a, b, count in seen:
        assert (a, b, count) in {("A_GOLD@0", "B_GOLD@0", 2)} or (a == b and count == 4), (a, b)


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("load"), st.sets(st.sampled_from(TABLES), min_size=1)),
        st.tuples(st.just("undo"), st.just(frozenset())),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_leaves_exactly_the_reference_contents_and_no_stray_table(
    training_db: MySqlUrl, operations: list[tuple[str, frozenset[str]]]
) -> None:
    fresh_gold_database(training_db)
    with connect(training_db) as connection:
        current = {t: {f"{t}@0"} for t in TABLES}
        stack: list[dict[str, set[str]]] = []
        for step, (kind, tables) in enumerate(operations, start=1):
            if kind == "load":
                publish(connection, f"run-{step}", {t: f"{t}@{step}" for t in tables})
                stack.append(dict(current))
                current.update({t: {f"{t}@{step}"} for t in tables})
                del stack[:-3]
            elif stack:
                publish_undo(
                    connection,
                    run_id=f"undo-{step}",
                    managed_tables=TABLES,
                    guard=nullcontext(),
                    settings=FAST,
                )
                current = stack.pop()
            assert contents(connection) == current
            with connection.cursor() as cursor:
                manifest = read_manifest(cursor)
            expected = set(TABLES) | ({names.STATE_TABLE} if manifest.current.generation else set())
            for table, versions in manifest.referenced_versions(TABLES).items():
                live = manifest.current.version_of(table)
                expected |= {names.version_table(table, v) for v in versions if v != live}
            assert (
                all_tables(connection)
                - {n for n in all_tables(connection) if names.BUILD_MARK in n}
                == expected
            )
