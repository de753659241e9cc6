"""The gold-remove step: take customers out of every gold copy, published like a load.

How: the run's customer numbers go into its own build table (``IMS_GOLD_RUN_CUSTOMERS
__B<tag>``); each gold copy gets a build copy on the server (``INSERT ... SELECT`` of
every row that does not belong to those customers: directly by the customer column, or
through the parent row for a child table such as the auths of an order), and all build
copies are published in one RENAME (``gold_state.publication.publish_change``), so a
reset copies the gold copies before or after the removal, never a mix; undo brings the
customers back. The live catalog is then written to S3 (``gold_ops.catalog_file``). Rows
of every other customer are copied unchanged (``CHECKSUM TABLE``
equal). A killed run leaves only build tables, which the next gold-changing run drops.

Customers of the file that no gold copy holds are reported; when none is held, the run
fails with CustomersNotInGoldError (bad input, exit code 2) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from training_refresh.adapters.mysql import (
    Connection,
    Cursor,
    connected,
    quote_identifier,
    translated_errors,
)
from training_refresh.adapters.object_store import ObjectStore, S3Location
from training_refresh.errors import CustomersNotInGoldError, ScenarioFileError
from training_refresh.gold_ops import catalog
from training_refresh.gold_ops.catalog_file import write_catalog_file
from training_refresh.gold_ops.writer import managed_tables, take_gold_writer, writer_guard
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import PublicationSummary
from training_refresh.gold_state.publication import clean_leftovers, publish_change
from training_refresh.gold_state.store import current_generation, existing_tables
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import LeaseTimes
from training_refresh.messages.gold_remove import GoldRemoved, GoldRemoveEvent
from training_refresh.run_files import now_iso
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_groups import GOLD_SUFFIX, TableGroupSet, TableSpec

MAX_SCENARIO_FILE_BYTES = 20 * 1024 * 1024
NOT_PRESENT_SAMPLE_SIZE = 100
_INSERT_BATCH = 5000


def read_customers(store: ObjectStore, raw: object) -> tuple[S3Location, tuple[int, ...]]:
    """The scenario file's customers (ScenarioFileError and the like: bad input)."""
    location = S3Location.parse("" if raw is None else str(raw))
    try:
        data = store.get_bytes(location.bucket, location.key, MAX_SCENARIO_FILE_BYTES)
    except ScenarioFileError:
        raise
    except Exception as error:
        raise ScenarioFileError(f"scenario file: {error}") from error
    return location, parse_scenario_file(data, source=location.uri)


def remove_gold_customers(
    event: GoldRemoveEvent,
    *,
    store: ObjectStore,
    work_bucket: str | None,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    lease_times: LeaseTimes,
    on_step: OnStep = ignore_step,
) -> GoldRemoved:
    run_id = event.execution.name
    started_at = event.execution.start_time or now_iso()
    location, customers = read_customers(store, event.request.scenarios)
    tag = names.run_tag(run_id)
    managed = managed_tables(table_groups)
    guard = writer_guard(connect_mysql, run_id, lease_times)
    with connected(connect_mysql) as connection:
        take_gold_writer(connection, run_id, lease_times, on_step)
        leftovers = clean_leftovers(connection, managed, own_tag=None, guard=guard)
        try:
            with connection.cursor() as cursor, translated_errors("removing gold customers"):
                based_on = current_generation(cursor)
                run_customers = _fill_run_customers(cursor, tag, customers)
                specs = _existing_specs(cursor, table_groups)
                present = _present(cursor, specs, run_customers)
                if not present:
                    raise CustomersNotInGoldError(
                        f"none of the {len(customers)} customer(s) of {location.uri} is in "
                        "the gold copies; nothing was changed"
                    )
                built, removed = _build_without(cursor, specs, run_customers, tag)
                if catalog.exists(cursor):
                    built[names.CATALOG_TABLE], removed[names.CATALOG_TABLE] = (
                        catalog.build_without(cursor, tag, run_customers)
                    )
            on_step("gold-remove-before-publish")
            outcome = publish_change(
                connection,
                run_id=run_id,
                workflow="gold-remove",
                built=built,
                based_on_generation=based_on,
                summary=PublicationSummary(
                    customers_removed=len(present),
                    rows_per_table=removed,
                    scenario_file=location.uri,
                ),
                managed_tables=managed,
                guard=guard,
            )
        finally:
            _drop_own_builds(connection, tag, managed)
        file_warnings = write_catalog_file(store, work_bucket, connection)
    not_present = sorted(set(customers) - present)
    return GoldRemoved(
        run_id=run_id,
        started_at=started_at,
        scenario_file=location.uri,
        customers_requested=len(customers),
        customers_removed=len(present),
        customers_not_present=len(not_present),
        not_present_sample=not_present[:NOT_PRESENT_SAMPLE_SIZE],
        rows_removed=removed,
        generation=outcome.state.generation,
        previous_generation=outcome.previous_generation,
        rename_attempts=outcome.attempts,
        locked_seconds=outcome.locked_seconds,
        leftovers_dropped=leftovers,
        warnings=[*outcome.warnings, *file_warnings],
    )


def _fill_run_customers(cursor: Cursor, tag: str, customers: Sequence[int]) -> str:
    table = names.build_table(names.RUN_CUSTOMERS_TABLE, tag)
    quoted = quote_identifier(table)
    cursor.execute(f"DROP TABLE IF EXISTS {quoted}")
    cursor.execute(f"CREATE TABLE {quoted} (CUSTOMER_NO BIGINT NOT NULL PRIMARY KEY)")
    for start in range(0, len(customers), _INSERT_BATCH):
        batch = customers[start : start + _INSERT_BATCH]
        cursor.execute(
            f"INSERT IGNORE INTO {quoted} (CUSTOMER_NO) VALUES " + ", ".join(["(%s)"] * len(batch)),
            list(batch),
        )
    return table


def _existing_specs(cursor: Cursor, groups: TableGroupSet) -> list[TableSpec]:
    """The gold copies that exist, parents before children (a child is filtered through
    its parent's live rows, which the removal does not change before it publishes)."""
    specs = list(groups.all_tables())
    present = existing_tables(cursor, [spec.gold_table for spec in specs])
    return [spec for spec in specs if spec.gold_table in present]


def _present(cursor: Cursor, specs: Sequence[TableSpec], run_customers: str) -> set[int]:
    """The run's customers that some gold copy holds a row of (directly)."""
    direct = [s for s in specs if s.customer_scope.through_table is None]
    if not direct:
        return set()
    checks = " OR ".join(
        f"EXISTS (SELECT 1 FROM {quote_identifier(s.gold_table)} AS g "
        f"WHERE g.{quote_identifier(s.customer_scope.column.upper())} = rc.CUSTOMER_NO)"
        for s in direct
    )
    cursor.execute(
        f"SELECT rc.CUSTOMER_NO FROM {quote_identifier(run_customers)} AS rc WHERE {checks}"
    )
    return {int(row[0]) for row in cursor.fetchall()}


def keep_condition(spec: TableSpec, run_customers: str) -> str:
    """The WHERE of the rows of ``spec``'s gold copy (alias ``live``) that stay."""
    scope = spec.customer_scope
    customers = quote_identifier(run_customers)
    column = quote_identifier(scope.column.upper())
    if scope.through_table is None or scope.join_column is None:
        return f"NOT EXISTS (SELECT 1 FROM {customers} AS rc WHERE rc.CUSTOMER_NO = live.{column})"
    parent = quote_identifier(scope.through_table + GOLD_SUFFIX)
    join = quote_identifier(scope.join_column.upper())
    return (
        f"NOT EXISTS (SELECT 1 FROM {parent} AS parent JOIN {customers} AS rc "
        f"ON rc.CUSTOMER_NO = parent.{column} WHERE parent.{join} = live.{join})"
    )


def _build_without(
    cursor: Cursor, specs: Sequence[TableSpec], run_customers: str, tag: str
) -> tuple[dict[str, str], dict[str, int]]:
    built: dict[str, str] = {}
    removed: dict[str, int] = {}
    for spec in specs:
        live = quote_identifier(spec.gold_table)
        build = names.build_table(spec.gold_table, tag)
        cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(build)}")
        cursor.execute(f"CREATE TABLE {quote_identifier(build)} LIKE {live}")
        cursor.execute(
            f"INSERT INTO {quote_identifier(build)} SELECT live.* FROM {live} AS live "
            f"WHERE {keep_condition(spec, run_customers)}"
        )
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {live}) - (SELECT COUNT(*) FROM "
            f"{quote_identifier(build)})"
        )
        removed[spec.gold_table] = int(cursor.fetchall()[0][0])
        built[spec.gold_table] = build
    return built, removed


def _drop_own_builds(connection: Connection, tag: str, managed: Sequence[str]) -> None:
    """After publishing only the run-customers table is left; after a failure, every
    build table of this run goes (a failed run leaves nothing behind when it can)."""
    tables = [*managed, names.RUN_CUSTOMERS_TABLE]
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"DROP TABLE IF EXISTS {quote_identifier(names.build_table(table, tag))}"
                )
    except Exception:  # noqa: S110 - the next gold-changing run drops leftovers
        pass
