"""The gold load's last step: release the lease, write the run report, return the outcome.

Before releasing the lease it drops whatever build tables of the run are still there (a
publication that failed leaves them; the next gold-changing run would drop them anyway).
The report is written even when the database cannot be reached (the lease then expires on
its own; the report warns), so an unreadable secret or an unreachable database still
leaves a report.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import (
    ObjectMissingError,
    ObjectStore,
    get_json,
    put_json,
)
from training_refresh.errors import PiiDetectedError, bad_input_error_names
from training_refresh.gold_load.build import drop_run_builds
from training_refresh.gold_load.config_failure import failed_tables, recorded_failure
from training_refresh.gold_load.extract import rejected_in
from training_refresh.gold_load.failure_place import place_of
from training_refresh.gold_load.privacy_gate import privacy_section
from training_refresh.gold_load.work import WorkLocations
from training_refresh.lease import release_gold_load_lease
from training_refresh.messages.common import CaughtError
from training_refresh.messages.data_quality import DataQualityCounts, DataQualitySection
from training_refresh.messages.gold_load import (
    PREVIEWED,
    ConfigFailure,
    ConfigReport,
    ConfigResult,
    CustomerCounts,
    GoldLoadError,
    GoldLoadOutcome,
    GoldLoadPlan,
    GoldLoadPublication,
    GoldLoadPublished,
    GoldLoadReport,
    GoldLoadReportEvent,
    GoldLoadStatus,
    TableReport,
)
from training_refresh.privacy.report import PrivacySection
from training_refresh.privacy.scanner import TableScan
from training_refresh.run_files import now_iso, seconds_between
from training_refresh.table_groups import TableGroupSet, load_table_groups

MISSING_LISTED = 10_000
"""Up to this many missing customers are listed in the run report itself (about 170 KB);
more go to ``<run id>.missing.csv`` beside it, which the report names."""


def build_report(
    event: GoldLoadReportEvent,
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection],
    training_database: str | None = None,
    table_groups: TableGroupSet | None = None,
) -> GoldLoadOutcome:
    """Release the run's lease, write the JSON run report to S3, return the outcome.
    ``training_database`` (``host:port/database``) is named in the report; ``table_groups``
    (default: the shipped ones) give the privacy section its columns."""
    run_id = event.execution.name
    work = WorkLocations(work_bucket, run_id)
    state = event.state
    plan = state.planned.plan if state.planned else None
    published = state.published.result if state.published else None
    dry_run = plan is not None and plan.dry_run
    groups = table_groups or load_table_groups()
    configs = [
        _config_report(
            result,
            plan,
            published,
            table_names=_table_names(groups, result.config),
            store=store,
            work=work,
        )
        for result in state.config_results
    ]
    errors = _errors(state.plan_error, configs)
    if state.publish_error is not None:
        errors.append(GoldLoadError(step="publish", **state.publish_error.details().model_dump()))
    leftovers: list[str] = []
    warnings = [] if dry_run else _finish(connect_mysql, run_id, leftovers)
    started_at = event.execution.start_time or (plan.started_at if plan else None) or now_iso()
    finished_at = now_iso()
    status = _status(state.plan_error, errors)
    report = GoldLoadReport(
        run_id=run_id,
        status=status,
        dry_run=dry_run,
        as_of=plan.as_of if plan else state.as_of,
        scenario_file=plan.scenario_file if plan else state.scenarios,
        requested_tables=state.tables,
        training_database=training_database,
        chunk_count=plan.chunk_count if plan else 0,
        customers=_customers(plan, store, work),
        notices=plan.notices if plan else [],
        configs=configs,
        data_quality=_data_quality(configs),
        privacy=_privacy(state.config_results, groups, store, work),
        errors=errors,
        warnings=[*(published.warnings if published else []), *warnings],
        publication=None if dry_run else _publication(plan, published, leftovers),
        lease_wait_seconds=plan.lease_wait_seconds if plan else 0.0,
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=seconds_between(started_at, finished_at),
    )
    location = work.report
    put_json(store, location, report.model_dump(mode="json"))
    return GoldLoadOutcome(
        status=status,
        report=location.uri,
        failed_configs=report.failed_configs,
        error_name=errors[0].name if errors else None,
        summary=summary_line(report),
    )


def _table_names(table_groups: TableGroupSet, config: str) -> list[str]:
    """The config's tables in config order (none for a config no longer configured)."""
    known = {group.name: group for group in table_groups.groups}
    group = known.get(config)
    return [spec.training_table for spec in group.tables] if group else []


def _config_report(
    result: ConfigResult,
    plan: GoldLoadPlan | None,
    published: GoldLoadPublished | None,
    *,
    table_names: list[str],
    store: ObjectStore,
    work: WorkLocations,
) -> ConfigReport:
    dry_run = plan is not None and plan.dry_run
    is_published = (
        None if dry_run else bool(published and result.config in published.configs_published)
    )
    if isinstance(result, ConfigFailure):
        error = result.error.details()
        place = place_of(error.message)
        failed_table = place.table if place else None
        recorded = recorded_failure(store, work, result)
        return ConfigReport(
            config=result.config,
            status="failed",
            tables=failed_tables(result, table_names, failed_table, recorded),
            chunks_loaded=recorded.chunks_loaded if recorded else result.next_chunk,
            published=is_published,
            error=error,
            failed_chunk=place.chunk if place else None,
            failed_table=failed_table,
        )
    previewed = dry_run and result.status == "loaded"
    return ConfigReport(
        config=result.config,
        status=PREVIEWED if previewed else result.status,
        tables={
            table: TableReport(**counts.model_dump()) for table, counts in result.tables.items()
        },
        chunks_loaded=result.next_chunk,
        duration_seconds=result.duration_seconds,
        published=is_published,
    )


def _data_quality(configs: list[ConfigReport]) -> DataQualitySection:
    """Every table's data-quality counts; a config that failed on rejected CDC changes
    adds the count its DataQualityError names (its totals are where its failing call
    started)."""
    tables: dict[str, DataQualityCounts] = {}
    for config in configs:
        for table, counts in config.tables.items():
            tables[table] = counts.data_quality
        rejected = rejected_in(config.error.message) if config.error else None
        if rejected:
            table, count = rejected
            tables[table] = tables.get(table, DataQualityCounts()).plus(
                DataQualityCounts(rows_rejected=count)
            )
    return DataQualitySection.of(tables.items())


def _privacy(
    results: list[ConfigResult],
    table_groups: TableGroupSet,
    store: ObjectStore,
    work: WorkLocations,
) -> PrivacySection:
    """Every config's scan totals: a blocked config's from the file its gate wrote."""
    scans: dict[str, TableScan] = {}
    known = {group.name for group in table_groups.groups}
    for result in results:
        totals = result.privacy
        if (
            isinstance(result, ConfigFailure)
            and result.error.details().name == PiiDetectedError.__name__
        ):
            stored = get_json(store, work.privacy(result.config))
            totals = {table: TableScan.model_validate(scan) for table, scan in stored.items()}
        scans.update(totals)
    groups = [table_groups.group(r.config) for r in results if r.config in known]
    return privacy_section(groups, scans)


def _publication(
    plan: GoldLoadPlan | None, published: GoldLoadPublished | None, leftovers: list[str]
) -> GoldLoadPublication:
    fields = published.model_dump(exclude={"step", "warnings", "dropped"}) if published else {}
    return GoldLoadPublication(
        **fields,
        leftovers_dropped=plan.leftovers_dropped if plan else [],
        dropped=[*(published.dropped if published else []), *leftovers],
    )


def _errors(plan_error: CaughtError | None, configs: list[ConfigReport]) -> list[GoldLoadError]:
    errors = [GoldLoadError(config=c.config, **c.error.model_dump()) for c in configs if c.error]
    if plan_error is not None:
        details = plan_error.details()
        step = None if details.name in bad_input_error_names() else "plan"
        errors.insert(0, GoldLoadError(config=None, step=step, **details.model_dump()))
    return errors


def _status(plan_error: CaughtError | None, errors: list[GoldLoadError]) -> GoldLoadStatus:
    if plan_error is not None and plan_error.details().name in bad_input_error_names():
        return "bad_input"
    return "failed" if errors else "succeeded"


def _customers(
    plan: GoldLoadPlan | None, store: ObjectStore, work: WorkLocations
) -> CustomerCounts:
    """The plan's counts with every missing customer: in the report up to
    :data:`MISSING_LISTED`, else in a file beside it (the plan keeps a long list in S3)."""
    if plan is None:  # the plan failed: after reading the scenario file, it left the count
        try:
            requested = get_json(store, work.requested)["customers_requested"]
        except ObjectMissingError:
            return CustomerCounts()
        return CustomerCounts(requested=int(requested))
    missing = list(plan.missing_sample)
    if plan.customers_missing > len(missing):
        missing = [int(number) for number in get_json(store, work.missing)["missing"]]
    listed: list[int] | None = missing
    linked: str | None = None
    if len(missing) > MISSING_LISTED:
        body = "".join(f"{number}\n" for number in missing).encode("ascii")
        store.put_bytes(work.missing_list.bucket, work.missing_list.key, body, "text/csv")
        listed, linked = None, work.missing_list.uri
    return CustomerCounts(
        requested=plan.customers_requested,
        found=plan.customers_found,
        missing=plan.customers_missing,
        missing_sample=plan.missing_sample,
        missing_customers=listed,
        missing_file=linked,
    )


def _finish(connect_mysql: Callable[[], Connection], run_id: str, dropped: list[str]) -> list[str]:
    """Drop the run's remaining build tables (into ``dropped``), give its lease back; the
    warnings of the report when that fails."""
    try:
        with closing(connect_mysql()) as connection:
            dropped.extend(drop_run_builds(connection, run_id))
            release_gold_load_lease(connection, run_id)
    except Exception as error:
        return [
            f"the refresh lease was not released ({type(error).__name__}); it expires on its own"
        ]
    return []


def summary_line(report: GoldLoadReport) -> str:
    if report.status == "bad_input":
        error = report.errors[0]
        return f"gold load rejected its input: {error.name}: {error.message}"
    customers = report.customers
    failed = report.failed_configs
    kind = "gold load preview" if report.dry_run else "gold load"
    line = (
        f"{kind} {report.status}: {customers.found} of {customers.requested} "
        f"customers found, {len(report.configs) - len(failed)} config(s) "
        f"{'counted' if report.dry_run else 'loaded'}"
    )
    if failed:
        line += f", failed: {', '.join(failed)}"
    blocked = report.privacy.blocked_lines()
    if blocked:
        verb = "would block" if report.dry_run else "blocked"
        line += f"; the privacy gate {verb} {len(blocked)} column(s)"
    if report.publication is None:
        return line
    if report.publication.published:
        line += f"; published as gold generation {report.publication.generation}"
    else:
        line += "; nothing was published, the gold copies are unchanged"
    return line
