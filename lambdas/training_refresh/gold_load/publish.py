"""The gold load's publish step: every loaded config's build tables go live in one RENAME.

Runs after the Map, before the report. The configs whose load finished are published
together (``gold_state.publication.publish_change``: one multi-table RENAME, the replaced
gold copies kept as versions for undo, the manifest in the same RENAME); a failed config's
build tables are dropped and its gold copies stay exactly as they were. A preview
publishes nothing, and so does a run none of whose configs loaded.

Retrying is safe: when the manifest already names this run as the current state (the
RENAME committed but the step died before it returned), the step reports that
publication instead of publishing again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from training_refresh.adapters.mysql import (
    Connection,
    connected,
    quote_identifier,
    translated_errors,
)
from training_refresh.gold_load.build import build_tables, drop_run_builds
from training_refresh.gold_ops.writer import managed_tables, writer_guard
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
from training_refresh.table_groups import TableGroupSet


def publish_gold_load(
    event: PublishGoldLoadEvent,
    *,
    connect_mysql: Callable[[], Connection],
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
            return _already_published(current, loaded_names, not_loaded)
        dropped = _drop_failed_builds(connection, table_groups, not_loaded, run_id)
        specs = [spec for r in loaded for spec in table_groups.group(r.config).tables]
        on_step("gold-load-before-publish")
        outcome = publish_change(
            connection,
            run_id=run_id,
            workflow="gold-load",
            built=build_tables(specs, run_id),
            based_on_generation=plan.gold_generation,
            summary=_summary(plan, loaded, table_groups),
            managed_tables=managed_tables(table_groups),
            guard=writer_guard(connect_mysql, run_id, lease_times),
            on_step=on_step,
        )
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
        warnings=list(outcome.warnings),
    )


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
    current: GoldState, loaded: list[str], not_loaded: list[str]
) -> GoldLoadPublished:
    return GoldLoadPublished(
        published=True,
        configs_published=loaded,
        configs_not_published=not_loaded,
        tables_published=list(current.summary.tables_changed),
        generation=current.generation,
        previous_generation=current.undo_target,
        warnings=["the publication of this run had already committed (the step was retried)"],
    )
