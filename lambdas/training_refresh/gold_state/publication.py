"""Publish a gold-changing run's result in one RENAME; undo the last run; clean leftovers.

A publication is one multi-table ``RENAME TABLE``: for every table the run changed,
``T_GOLD TO T_GOLD__V<n>`` (the replaced version is kept for undo) and
``T_GOLD__B<tag> TO T_GOLD`` (the run's build goes live), plus the manifest table
(``IMS_GOLD_STATE``) replaced by the run's new manifest. MySQL takes the metadata locks
of every table first and renames them all in one step, so any statement of another
session sees the state before or the state after, manifest included, never a mix. The
RENAME is atomic and crash-safe (MariaDB >= 10.6, MySQL 8): killed before it, nothing was
published and the run's build tables are leftovers; killed after it, the run is
published and only tables to drop are left. Either way the next gold-changing run drops
them (``clean_leftovers``).

An undo is the same RENAME with version tables as sources: the current versions of the
tables that differ go back to their version names and the target state's versions
become live. It copies nothing, whatever the size of the gold copies.

The caller supplies ``guard``: a context manager in which nothing else can publish
(the gold writer lease's critical section, which also verifies that this run still holds
the lease). The RENAME waits at most ``lock_wait_seconds`` per attempt for statements that
read a gold copy (a reset's copy, a restore) and tries ``attempts`` times before failing
with GoldPublishBlockedError; nothing is published then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from training_refresh.adapters.mysql import (
    LOCK_WAIT_ERRORS,
    Connection,
    Cursor,
    error_code,
    quote_identifier,
    translated_errors,
)
from training_refresh.errors import (
    GoldPublishBlockedError,
    StaleGoldBuildError,
    StateNoLongerKeptError,
)
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import (
    DEFAULT_KEEP_STATES,
    GoldManifest,
    GoldState,
    PublicationSummary,
    Workflow,
    after_change,
    after_undo,
)
from training_refresh.gold_state.store import (
    existing_tables,
    publish_instant,
    read_manifest,
    tables_with_prefix,
    write_manifest,
)
from training_refresh.hooks import OnStep, ignore_step

DDL_LOCK_WAIT_SECONDS = 30


@dataclass(frozen=True)
class RenameSettings:
    lock_wait_seconds: int = 2
    """How long one RENAME attempt waits for statements reading the tables; while it
    waits, new statements on those tables queue behind it, so keep it short."""
    attempts: int = 5
    pause_seconds: float = 2.0


@dataclass(frozen=True)
class PublishOutcome:
    state: GoldState
    """The state now published."""
    previous_generation: int
    renamed: tuple[tuple[str, str], ...]
    attempts: int
    locked_seconds: float
    """How long the successful RENAME statement took: the instant readers waited."""
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


# --- writing ---------------------------------------------------------------------------


def _server_now(cursor: Cursor) -> datetime:
    cursor.execute("SELECT UTC_TIMESTAMP(6)")
    value: datetime = cursor.fetchall()[0][0]
    return value


def rename_atomically(
    cursor: Cursor,
    pairs: Sequence[tuple[str, str]],
    settings: RenameSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, float]:
    """One multi-table RENAME of ``pairs``, retried while other statements hold the
    tables. Returns (attempts, seconds the successful statement took)."""
    statement = "RENAME TABLE " + ", ".join(
        f"{quote_identifier(old)} TO {quote_identifier(new)}" for old, new in pairs
    )
    attempt = 0
    while True:
        attempt += 1
        cursor.execute(f"SET SESSION lock_wait_timeout = {int(settings.lock_wait_seconds)}")
        started = time.monotonic()
        try:
            cursor.execute(statement)
            return attempt, round(time.monotonic() - started, 4)
        except Exception as error:
            if error_code(error) not in LOCK_WAIT_ERRORS:
                raise
        finally:
            with suppress(Exception):
                cursor.execute(f"SET SESSION lock_wait_timeout = {DDL_LOCK_WAIT_SECONDS}")
        if attempt >= settings.attempts:
            raise GoldPublishBlockedError(
                f"publishing waited {settings.attempts} times {settings.lock_wait_seconds} s "
                "for statements that read the gold copies (a reset's copy or a restore); "
                "nothing was published"
            )
        sleep(settings.pause_seconds)


def _state_pairs(cursor: Cursor, tag: str) -> list[tuple[str, str]]:
    build = names.build_table(names.STATE_TABLE, tag)
    if existing_tables(cursor, [names.STATE_TABLE]):
        return [
            (names.STATE_TABLE, names.retired_table(names.STATE_TABLE, tag)),
            (build, names.STATE_TABLE),
        ]
    return [(build, names.STATE_TABLE)]


def _drop_unreferenced(
    cursor: Cursor, manifest: GoldManifest, managed_tables: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Drop retired tables and the version tables no kept state refers to."""
    tables = sorted(set(managed_tables) | set(manifest.current.versions))
    referenced = manifest.referenced_versions(tables)
    doomed = list(tables_with_prefix(cursor, names.work_prefixes(names.STATE_TABLE)[2]))
    for table in tables:
        for name in tables_with_prefix(cursor, names.work_prefixes(table)[1]):
            version = names.version_of_name(table, name)
            if version is not None and version not in referenced[table]:
                doomed.append(name)
    dropped: list[str] = []
    warnings: list[str] = []
    for name in doomed:
        try:
            cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
            dropped.append(name)
        except Exception as error:
            warnings.append(
                f"could not drop {name} now ({type(error).__name__}); the next run does"
            )
    return dropped, warnings


def _publish(
    connection: Connection,
    *,
    tag: str,
    next_manifest: Callable[[GoldManifest, datetime], GoldManifest],
    pairs_for: Callable[[GoldManifest, GoldManifest], list[tuple[str, str]]],
    managed_tables: Sequence[str],
    guard: AbstractContextManager[object],
    settings: RenameSettings,
    sleep: Callable[[float], None],
    on_step: OnStep = ignore_step,
) -> PublishOutcome:
    with guard, connection.cursor() as cursor, publish_instant(cursor):
        return _publish_locked(
            connection,
            cursor,
            tag=tag,
            next_manifest=next_manifest,
            pairs_for=pairs_for,
            managed_tables=managed_tables,
            settings=settings,
            sleep=sleep,
            on_step=on_step,
        )


def _publish_locked(
    connection: Connection,
    cursor: Cursor,
    *,
    tag: str,
    next_manifest: Callable[[GoldManifest, datetime], GoldManifest],
    pairs_for: Callable[[GoldManifest, GoldManifest], list[tuple[str, str]]],
    managed_tables: Sequence[str],
    settings: RenameSettings,
    sleep: Callable[[float], None],
    on_step: OnStep,
) -> PublishOutcome:
    """``_publish`` holding the gold publish lock: read, write the manifest, RENAME."""
    with translated_errors("publishing gold copies"):
        before = read_manifest(cursor)
        after = next_manifest(before, _server_now(cursor))
        pairs = pairs_for(before, after)
        sources = [old for old, _new in pairs]
        missing = sorted(set(sources) - existing_tables(cursor, sources))
        if missing:
            raise StaleGoldBuildError(
                f"cannot publish: table(s) {', '.join(missing)} do not exist (a leftover "
                "cleanup or a manual DROP removed them); nothing was published"
            )
        write_manifest(connection, cursor, names.build_table(names.STATE_TABLE, tag), after)
        pairs += _state_pairs(cursor, tag)
        on_step("gold-publish-before-rename")
        attempts, locked = rename_atomically(cursor, pairs, settings, sleep)
        on_step("gold-publish-renamed")
        dropped, warnings = _drop_unreferenced(cursor, after, managed_tables)
    return PublishOutcome(
        state=after.current,
        previous_generation=before.current.generation,
        renamed=tuple(pairs),
        attempts=attempts,
        locked_seconds=locked,
        dropped=tuple(dropped),
        warnings=tuple(warnings),
    )


def publish_change(
    connection: Connection,
    *,
    run_id: str,
    workflow: Workflow,
    built: Mapping[str, str],
    based_on_generation: int,
    summary: PublicationSummary,
    managed_tables: Sequence[str],
    guard: AbstractContextManager[object],
    keep_states: int = DEFAULT_KEEP_STATES,
    settings: RenameSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: OnStep = ignore_step,
) -> PublishOutcome:
    """Publish the complete build tables ``built`` (live table -> build table) of a load
    or removal that started from generation ``based_on_generation``. ``on_step`` sees
    ``gold-publish-before-rename`` and ``gold-publish-renamed`` around the RENAME."""

    def next_manifest(before: GoldManifest, now: datetime) -> GoldManifest:
        if before.current.generation != based_on_generation:
            raise StaleGoldBuildError(
                f"run {run_id} built on gold generation {based_on_generation}, but generation "
                f"{before.current.generation} is published now (another gold-changing run "
                "published in between); nothing was published"
            )
        return after_change(
            before,
            workflow=workflow,
            run_id=run_id,
            published_at=now,
            changed_tables=built,
            summary=summary,
            keep_states=keep_states,
        )

    def pairs_for(before: GoldManifest, _after: GoldManifest) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for live, build in sorted(built.items()):
            version = before.current.version_of(live)
            pairs += [(live, names.version_table(live, version)), (build, live)]
        return pairs

    return _publish(
        connection,
        tag=names.run_tag(run_id),
        next_manifest=next_manifest,
        pairs_for=pairs_for,
        managed_tables=managed_tables,
        guard=guard,
        settings=settings or RenameSettings(),
        sleep=sleep,
        on_step=on_step,
    )


def publish_undo(
    connection: Connection,
    *,
    run_id: str,
    managed_tables: Sequence[str],
    guard: AbstractContextManager[object],
    keep_states: int = DEFAULT_KEEP_STATES,
    settings: RenameSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[PublishOutcome, GoldState]:
    """Bring back the current state's undo target. Returns the outcome and the state
    whose content is live again; NothingToUndoError / StateNoLongerKeptError before
    anything changes."""
    restored: list[GoldState] = []

    def next_manifest(before: GoldManifest, now: datetime) -> GoldManifest:
        after, target = after_undo(before, run_id=run_id, published_at=now, keep_states=keep_states)
        restored.append(target)
        return after

    def pairs_for(before: GoldManifest, after: GoldManifest) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for table in after.current.summary.tables_changed:
            old, new = before.current.version_of(table), after.current.version_of(table)
            pairs += [
                (table, names.version_table(table, old)),
                (names.version_table(table, new), table),
            ]
        return pairs

    try:
        outcome = _publish(
            connection,
            tag=names.run_tag(run_id),
            next_manifest=next_manifest,
            pairs_for=pairs_for,
            managed_tables=managed_tables,
            guard=guard,
            settings=settings or RenameSettings(),
            sleep=sleep,
        )
    except StaleGoldBuildError as error:
        raise StateNoLongerKeptError(str(error).replace("cannot publish", "cannot undo")) from None
    return outcome, restored[0]


def clean_leftovers(
    connection: Connection,
    managed_tables: Sequence[str],
    *,
    own_tag: str | None,
    guard: AbstractContextManager[object],
) -> list[str]:
    """Drop what dead runs left: build tables of other runs, retired tables, and version
    tables no kept state refers to. Call it holding the gold writer lease (``guard``)."""
    dropped: list[str] = []
    with guard, connection.cursor() as cursor, translated_errors("dropping gold leftovers"):
        manifest = read_manifest(cursor)
        for table in (*managed_tables, names.STATE_TABLE, names.RUN_CUSTOMERS_TABLE):
            for name in tables_with_prefix(cursor, names.work_prefixes(table)[0]):
                if own_tag is None or not name.endswith(names.BUILD_MARK + own_tag):
                    cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")
                    dropped.append(name)
        unreferenced, _warnings = _drop_unreferenced(cursor, manifest, managed_tables)
        dropped.extend(unreferenced)
    return dropped
