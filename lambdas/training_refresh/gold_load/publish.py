"""The gold load's publish step: every loaded config's build tables go live in one RENAME.

Runs after the Map, before the report. The configs whose load finished are published
together (``gold_state.publication.publish_change``: one multi-table RENAME, the replaced
gold copies kept as versions for undo, the manifest in the same RENAME); a failed config's
build tables are dropped and its gold copies stay exactly as they were. A preview
publishes nothing, and so does a run none of whose configs loaded.

The gold catalog is published in the same RENAME (``gold_ops.catalog``): the run's
customers (from the plan's work file, with their scenario labels) that a published gold
copy holds get their entries; a customer only of a config that failed is not entered.
After the RENAME the step writes the live catalog to S3 (``gold_ops.catalog_file``).

Retrying is safe: when the manifest already names this run as the current state (the
RENAME committed but the step died before it returned), the step reports that
publication instead of publishing again (and writes the catalog file again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from training_refresh.adapters.mysql import (
    Connection,
    connected,
    quote_identifier,
    translated_errors,
)
from training_refresh.adapters.object_store import ObjectStore, get_json
from training_refresh.gold_load.build import build_tables, drop_run_builds
from training_refresh.gold_load.work import WorkLocations
from training_refresh.gold_ops import catalog
from training_refresh.gold_ops.catalog_file import write_catalog_file
from training_refresh.gold_ops.writer import managed_tables, writer_guard
from training_refresh.gold_state import names
from training_refresh.gold_state.manifest import GoldState, PublicationSummary
from training_refresh.gold_state.publication import publish_change
from training_refresh.gold_state.store import existing_tables, read_manifest
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import LeaseTimes
from training_refresh.messages.gold_load import (
    ConfigProgress,
    GoldLoadPlan,
    GoldLoadPublished,
    PublishGoldLoadEvent,
)
from training_refresh.table_groups import TableGroupSet, TableSpec

MAX_CUSTOMERS_FILE_BYTES = 256 * 1024 * 1024


def publish_gold_load(
    event: PublishGoldLoadEvent,
    *,
    connect_mysql: Callable[[], Connection],
    store: ObjectStore,
    work_bucket: str,
    table_groups: TableGroupSet,
    lease_times: LeaseTimes,
    on_step: OnStep = ignore_step,
) -> GoldLoadPublished:
    state = event.state
    plan = state.planned.plan if state.planned else None
    loaded = [r for r in state.config_results if isinstance(r, ConfigProgress) and r.done]
    loaded_names = [r.config for r in loaded]
    not_loaded = [r.config for r in state.config_results if r.config not in loaded_names]
    if plan is None or plan.dry_run:
        return GoldLoadPublished(published=False, configs_not_published=not_loaded)
    run_id = event.execution.name
    with connected(connect_mysql) as connection:
        if not loaded:
            dropped = drop_run_builds(connection, run_id)
            return GoldLoadPublished(
                published=False, configs_not_published=not_loaded, dropped=dropped
            )
        with connection.cursor() as cursor:
            current = read_manifest(cursor).current
        if current.workflow == "gold-load" and current.run_id == run_id:
            warnings = write_catalog_file(store, work_bucket, connection)
            return _already_published(current, loaded_names, not_loaded, warnings)
        dropped = _drop_failed_builds(connection, table_groups, not_loaded, run_id)
        specs = [spec for r in loaded for spec in table_groups.group(r.config).tables]
        built = build_tables(specs, run_id)
        try:
            built[names.CATALOG_TABLE], entered = _build_catalog(
                connection, plan, _run_customers(store, work_bucket, run_id), built, specs
            )
            on_step("gold-load-before-publish")
            outcome = publish_change(
                connection,
                run_id=run_id,
                workflow="gold-load",
                built=built,
                based_on_generation=plan.gold_generation,
                summary=_summary(plan, loaded, table_groups),
                managed_tables=managed_tables(table_groups),
                guard=writer_guard(connect_mysql, run_id, lease_times),
                on_step=on_step,
            )
        finally:
            _drop_run_customers(connection, run_id)
        file_warnings = write_catalog_file(store, work_bucket, connection)
    return GoldLoadPublished(
        published=True,
        configs_published=loaded_names,
        configs_not_published=not_loaded,
        tables_published=list(outcome.state.summary.tables_changed),
        generation=outcome.state.generation,
        previous_generation=outcome.previous_generation,
        rename_attempts=outcome.attempts,
        locked_seconds=outcome.locked_seconds,
        dropped=[*dropped, *outcome.dropped],
        catalog_entries=entered,
        warnings=[*outcome.warnings, *file_warnings],
    )


def _run_customers(
    store: ObjectStore, work_bucket: str, run_id: str
) -> tuple[list[int], dict[int, str]]:
    """The customers the plan found, and their scenario labels (its work file)."""
    location = WorkLocations(work_bucket, run_id).customers
    work = get_json(store, location, MAX_CUSTOMERS_FILE_BYTES)
    customers = [int(c) for c in work.get("customers", [])]
    labels = {int(c): str(label) for c, label in (work.get("labels") or {}).items()}
    return customers, labels


def _build_catalog(
    connection: Connection,
    plan: GoldLoadPlan,
    run: tuple[list[int], dict[int, str]],
    builds: dict[str, str],
    specs: Sequence[TableSpec],
) -> tuple[str, int]:
    """The catalog's build table with the entries of the run's customers that a published
    build table holds (directly, by its customer column)."""
    customers, labels = run
    holders = [
        (builds[spec.gold_table], spec.customer_scope.column.upper())
        for spec in specs
        if spec.customer_scope.through_table is None
    ]
    tag = names.run_tag(plan.run_id)
    with connection.cursor() as cursor, translated_errors("building the gold catalog"):
        catalog.ensure_live(cursor)
        run_customers = catalog.fill_run_customers(cursor, tag, customers, labels)
        built = catalog.build_with_load(
            cursor,
            tag,
            run_customers,
            holders,
            catalog.LoadedRun(
                run_id=plan.run_id,
                as_of=plan.as_of,
                scenario_file=plan.scenario_name or plan.scenario_file,
            ),
        )
        # Dropped before the RENAME: a run killed once it published leaves nothing.
        cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(run_customers)}")
        return built


def _drop_run_customers(connection: Connection, run_id: str) -> None:
    table = names.build_table(names.RUN_CUSTOMERS_TABLE, names.run_tag(run_id))
    with connection.cursor() as cursor, translated_errors("dropping the run's customer list"):
        cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")


def _summary(
    plan: GoldLoadPlan, loaded: Sequence[ConfigProgress], groups: TableGroupSet
) -> PublicationSummary:
    rows: dict[str, int] = {}
    for result in loaded:
        for spec in groups.group(result.config).tables:
            counts = result.tables.get(spec.training_table)
            rows[spec.gold_table] = counts.rows_written if counts else 0
    return PublicationSummary(
        customers_loaded=plan.customers_found,
        rows_per_table=rows,
        scenario_file=plan.scenario_file,
        as_of=plan.as_of,
    )


def _drop_failed_builds(
    connection: Connection, groups: TableGroupSet, configs: Sequence[str], run_id: str
) -> list[str]:
    """Drop the build tables of configs that failed: they are never published."""
    builds = [
        build
        for config in configs
        for build in build_tables(groups.group(config).tables, run_id).values()
    ]
    with connection.cursor() as cursor, translated_errors("dropping failed configs' builds"):
        present = sorted(existing_tables(cursor, builds))
        for build in present:
            cursor.execute(f"DROP TABLE IF EXISTS {quote_identifier(build)}")
    return present


def _already_published(
    current: GoldState, loaded: list[str], not_loaded: list[str], warnings: list[str]
) -> GoldLoadPublished:
    return GoldLoadPublished(
        published=True,
        configs_published=loaded,
        configs_not_published=not_loaded,
        tables_published=list(current.summary.tables_changed),
        generation=current.generation,
        previous_generation=current.undo_target,
        warnings=[
            "the publication of this run had already committed (the step was retried)",
            *warnings,
        ],
    )
