"""The manifest table ``IMS_GOLD_STATE``: read it, write a new one beside it.

One row per kept state (``manifest.GoldState``); the versions and the summary are JSON
texts written and read through the pydantic models, so a malformed row is refused rather
than half-understood.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    database_lock_name,
    named_lock,
    quote_identifier,
    translated_errors,
)
from training_refresh.errors import TrainingDatabaseError
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import (
    GoldManifest,
    GoldState,
    PublicationSummary,
    initial_manifest,
)

PUBLISH_LOCK_WAIT_SECONDS = 60
"""How long a publication or a reset's swap waits for the other to finish its instant (a
RENAME with its few bounded attempts) before TrainingDatabaseBusyError."""

_STATE_DDL = """CREATE TABLE {table} (
    GENERATION          BIGINT       NOT NULL,
    WORKFLOW            VARCHAR(16)  NOT NULL,
    RUN_ID              VARCHAR(128) NULL,
    PUBLISHED_AT        DATETIME(6)  NULL,
    CONTENT_GENERATION  BIGINT       NOT NULL,
    CONTENT_RUN_ID      VARCHAR(128) NULL,
    UNDO_TARGET         BIGINT       NULL,
    VERSIONS            LONGTEXT     NOT NULL,
    SUMMARY             LONGTEXT     NOT NULL,
    PRIMARY KEY (GENERATION)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"""
_STATE_COLUMNS = (
    "GENERATION, WORKFLOW, RUN_ID, PUBLISHED_AT, CONTENT_GENERATION, CONTENT_RUN_ID, "
    "UNDO_TARGET, VERSIONS, SUMMARY"
)


def existing_tables(cursor: Cursor, names_: Iterable[str]) -> set[str]:
    wanted = sorted(set(names_))
    if not wanted:
        return set()
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        f"AND TABLE_NAME IN ({', '.join(['%s'] * len(wanted))})",
        wanted,
    )
    return {str(row[0]) for row in cursor.fetchall()}


def tables_with_prefix(cursor: Cursor, prefix: str) -> list[str]:
    escaped = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME LIKE %s ORDER BY TABLE_NAME",
        (escaped + "%",),
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _state_from_row(row: Sequence[Any]) -> GoldState:
    return GoldState(
        generation=int(row[0]),
        workflow=row[1],
        run_id=row[2],
        published_at=row[3],
        content_generation=int(row[4]),
        content_run_id=row[5],
        undo_target=None if row[6] is None else int(row[6]),
        versions=json.loads(row[7]),
        summary=PublicationSummary.model_validate_json(row[8]),
    )


def read_manifest(cursor: Cursor) -> GoldManifest:
    """The kept states; the initial state when nothing was ever published."""
    if not existing_tables(cursor, [names.STATE_TABLE]):
        return initial_manifest()
    cursor.execute(
        f"SELECT {_STATE_COLUMNS} FROM {quote_identifier(names.STATE_TABLE)} ORDER BY GENERATION"
    )
    rows = cursor.fetchall()
    if not rows:
        return initial_manifest()
    try:
        return GoldManifest(states=tuple(_state_from_row(row) for row in rows))
    except ValueError as error:
        raise TrainingDatabaseError(
            f"{names.STATE_TABLE} does not hold a valid manifest: {type(error).__name__}"
        ) from None


def current_generation(cursor: Cursor) -> int:
    """The generation of the published gold state (0 before the first publication)."""
    if not existing_tables(cursor, [names.STATE_TABLE]):
        return 0
    cursor.execute(f"SELECT MAX(GENERATION) FROM {quote_identifier(names.STATE_TABLE)}")
    rows = cursor.fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


@contextmanager
def publish_instant(cursor: Cursor) -> Iterator[None]:
    """The gold publish lock (``GET_LOCK`` on a name derived from the database) for the
    body: every gold publication holds it from reading the manifest to its RENAME, and a
    reset's swap holds it from re-reading the gold generation to its RENAME, so a swap
    never renames training tables copied from a gold state that was replaced meanwhile.
    Held for one RENAME's bounded attempts, never for a run's work."""
    with translated_errors("the gold publish lock"):
        name = database_lock_name(cursor, "ims_gold_publish")
    busy = (
        f"the gold publish lock {name!r} was not free within {PUBLISH_LOCK_WAIT_SECONDS} s "
        "(a gold publication or a reset's swap holds it)"
    )
    with named_lock(
        cursor, name, PUBLISH_LOCK_WAIT_SECONDS, busy=busy, doing="the gold publish lock"
    ):
        yield


def write_manifest(
    connection: Connection, cursor: Cursor, table: str, manifest: GoldManifest
) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
    cursor.execute(_STATE_DDL.format(table=quote_identifier(table)))
    connection.begin()
    cursor.executemany(
        f"INSERT INTO {quote_identifier(table)} ({_STATE_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            (
                s.generation,
                s.workflow,
                s.run_id,
                s.published_at,
                s.content_generation,
                s.content_run_id,
                s.undo_target,
                json.dumps(s.versions, sort_keys=True),
                s.summary.model_dump_json(),
            )
            for s in manifest.states
        ],
    )
    connection.commit()
