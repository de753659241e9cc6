"""A gold load's build tables: server-side copies of the live gold copies, merged into.

Each config's first invocation (``next_chunk == 0``) copies its live gold copies into its
build tables (``T_GOLD__B<tag>``, ``gold_state.names``) on the MySQL server; every chunk
is then merged into the build tables, never into a live gold copy, and the publish step
swaps all succeeded configs' build tables in with one RENAME
(``gold_state.publication.publish_change``). The live gold copies do not change while the
run holds the gold writer role, so the copy is the published state the run started from.

A retried first invocation copies again (the copy replaces whatever an earlier attempt
built); a later invocation finds its build tables or fails with StaleGoldBuildError (a
leftover cleanup or a manual DROP took them; nothing is published then).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    quote_identifier,
    translated_errors,
)
from training_refresh.errors import StaleGoldBuildError
from training_refresh.gold_state import names
from training_refresh.gold_state.store import existing_tables
from training_refresh.table_groups import TableGroup, TableSpec


def build_tables(specs: Sequence[TableSpec], run_id: str) -> dict[str, str]:
    """Live gold copy -> the run's build table, for ``specs``."""
    tag = names.run_tag(run_id)
    return {spec.gold_table: names.build_table(spec.gold_table, tag) for spec in specs}


def prepare_builds(
    connection: Connection, group: TableGroup, run_id: str, *, fresh: bool
) -> dict[str, str]:
    """The group's build tables, copied from the live gold copies when ``fresh``, or
    checked to exist. Returns live gold copy -> build table."""
    builds = build_tables(group.tables, run_id)
    with connection.cursor() as cursor, translated_errors("building the gold copies"):
        if fresh:
            for live, build in builds.items():
                _copy(cursor, live, build)
        else:
            missing = sorted(set(builds.values()) - existing_tables(cursor, builds.values()))
            if missing:
                raise StaleGoldBuildError(
                    f"config {group.name}: build table(s) {', '.join(missing)} of run {run_id} "
                    "are gone (a leftover cleanup or a manual DROP removed them); nothing of "
                    "this run is published"
                )
    return builds


def _copy(cursor: Cursor, live: str, build: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(build)}")
    cursor.execute(f"CREATE TABLE {quote_identifier(build)} LIKE {quote_identifier(live)}")
    cursor.execute(f"INSERT INTO {quote_identifier(build)} SELECT * FROM {quote_identifier(live)}")


def drop_run_builds(connection: Connection, run_id: str) -> list[str]:
    """Drop every build table of ``run_id`` that is still there (best effort: what is
    left is a leftover the next gold-changing run drops). Returns the tables dropped."""
    suffix = names.BUILD_MARK + names.run_tag(run_id)
    dropped: list[str] = []
    with suppress(Exception), connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME LIKE %s ORDER BY TABLE_NAME",
            ("%" + suffix.replace("_", "\\_"),),
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(str(name))}")
            dropped.append(str(name))
    return dropped
