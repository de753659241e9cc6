"""The gold-load workflow's steps as plain functions: plan, load one config, report.

Each function takes its adapters (object store, warehouse, MySQL connection factory) as
arguments; the Lambda handlers in ``handlers/gold_load.py`` only build those adapters.
Step Functions carries nothing but small state between the steps: the customer list
lives in S3 under the run's work prefix, never in the state payload.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from training_refresh.anonymize import ANONYMIZERS
from training_refresh.as_of import parse_as_of
from training_refresh.errors import (
    BadInputError,
    ScenarioFileError,
    TableConfigError,
)
from training_refresh.gold_merge import Connection, MergeCounts, TableRows, replace_customers
from training_refresh.object_store import ObjectStore, S3Location, get_json, put_json
from training_refresh.refresh_lock import (
    acquire_gold_load_lease,
    release_gold_load_lease,
    renew_gold_load_lease,
)
from training_refresh.run_reports import (
    bad_input_error_names,
    error_details,
    now_iso,
    report_location,
    requested_names,
    seconds_between,
)
from training_refresh.scenarios import parse_scenario_file
from training_refresh.table_configs import TableConfigSet, TableSpec
from training_refresh.warehouse import ResultPage, customer_in_list

MAX_SCENARIO_FILE_BYTES = 20 * 1024 * 1024
CUSTOMERS_PER_CHUNK = 1_000
"""Customers per extraction statement and per MySQL transaction. 1,000 customer numbers
of up to 15 digits keep the SQL text near 17 KB (limit 100 KB), and at the bench profile's
~100 rows per customer a result stays near 20 MB (limit 100 MB)."""
MISSING_SAMPLE_SIZE = 100


class StartedQuery(Protocol):
    def result(self) -> Iterator[ResultPage]: ...
    def abandon(self) -> None: ...


class Warehouse(Protocol):
    def query(
        self, sql: str, parameters: Mapping[str, str] | None = None
    ) -> Iterator[ResultPage]: ...

    def start(self, sql: str, parameters: Mapping[str, str] | None = None) -> StartedQuery: ...


@dataclass(frozen=True)
class WorkLocations:
    """Where one run keeps its work files and its report."""

    bucket: str
    run_id: str

    @property
    def customers(self) -> S3Location:
        return S3Location(self.bucket, f"work/gold-load/{self.run_id}/customers.json")

    @property
    def report(self) -> S3Location:
        return report_location(self.bucket, "gold-load", self.run_id)


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def plan_gold_load(
    request: Mapping[str, Any],
    *,
    run_id: str,
    work_bucket: str,
    store: ObjectStore,
    warehouse: Warehouse,
    connect_mysql: Callable[[], Connection],
    configs: TableConfigSet,
    today: date,
    chunk_size: int = CUSTOMERS_PER_CHUNK,
) -> dict[str, Any]:
    """Validate the request, read the scenario file and record which customers exist.

    Raises a BadInputError subclass (nothing written) when the request is unusable. A real
    load (not a preview) then takes its refresh lease, so no reset copies the gold copies
    until the report step releases it (``refresh_lock``).
    """
    as_of = parse_as_of(str(request.get("as_of", "")), today)
    dry_run = request.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise BadInputError("'dry_run' must be true or false")
    chosen = configs.select_configs(requested_names(request.get("tables"), "table config"))
    scenario = S3Location.parse(request.get("scenarios", ""))
    try:
        data = store.get_bytes(scenario.bucket, scenario.key, MAX_SCENARIO_FILE_BYTES)
    except BadInputError as error:
        raise ScenarioFileError(f"scenario file: {error}") from error
    requested = parse_scenario_file(data, source=scenario.uri)
    lease_wait = 0.0
    if not dry_run:
        with closing(connect_mysql()) as connection:
            lease_wait = acquire_gold_load_lease(connection, run_id).waited_seconds
    found = _existing_customers(warehouse, requested, chunk_size)
    missing = sorted(set(requested) - set(found))
    work = WorkLocations(work_bucket, run_id)
    put_json(store, work.customers, {"as_of": as_of.isoformat(), "customers": found})
    return {
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "scenario_file": scenario.uri,
        "configs": [c.name for c in chosen],
        "customers_key": work.customers.key,
        "chunk_size": chunk_size,
        "chunk_count": len(_chunks(found, chunk_size)),
        "customers_requested": len(requested),
        "customers_found": len(found),
        "customers_missing": len(missing),
        "missing_sample": missing[:MISSING_SAMPLE_SIZE],
        "dry_run": dry_run,
        "lease_wait_seconds": round(lease_wait, 3),
        "started_at": now_iso(),
    }


_EXISTING_CUSTOMERS_SQL = (
    "SELECT customer_no FROM oframe_prd_s.ims_customer "
    "WHERE customer_no IN ({customer_numbers}) ORDER BY customer_no"
)


def _existing_customers(
    warehouse: Warehouse, requested: Sequence[int], chunk_size: int
) -> list[int]:
    """A customer is found when the customer master holds it; others are skipped."""
    found: list[int] = []
    for chunk in _chunks(requested, chunk_size):
        sql = _EXISTING_CUSTOMERS_SQL.replace("{customer_numbers}", customer_in_list(chunk))
        for page in warehouse.query(sql):
            found.extend(int(row[0]) for row in page.rows)
    return sorted(set(found))


def _anonymized(spec: TableSpec, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    if spec.anonymizer is None:
        return rows
    anonymize = ANONYMIZERS[spec.anonymizer]
    columns = spec.columns
    return [
        tuple(anonymize(dict(zip(columns, row, strict=True)))[c] for c in columns) for row in rows
    ]


def _extracted_batches(
    started: StartedQuery, spec: TableSpec, counter: dict[str, int]
) -> Iterable[Sequence[Sequence[Any]]]:
    for page in started.result():
        if tuple(page.columns) != spec.columns:
            raise TableConfigError(
                f"{spec.extract_sql} returned columns {list(page.columns)} but "
                f"table_configs.json lists {list(spec.columns)} for {spec.training_table}"
            )
        counter[spec.training_table] = counter.get(spec.training_table, 0) + len(page.rows)
        yield _anonymized(spec, page.rows)


class _ChunkExtraction:
    """One chunk's extraction statements, one per table of the config, submitted at once."""

    def __init__(
        self, warehouse: Warehouse, specs: Sequence[TableSpec], customers: Sequence[int], as_of: str
    ) -> None:
        self._started: list[tuple[TableSpec, StartedQuery]] = []
        try:
            for spec in specs:
                sql = spec.extraction_sql_template().replace(
                    "{customer_numbers}", customer_in_list(customers)
                )
                parameters = {"as_of": as_of} if ":as_of" in sql else None
                self._started.append((spec, warehouse.start(sql, parameters)))
        except BaseException:
            self.abandon()
            raise

    def table_rows(self, counter: dict[str, int]) -> list[TableRows]:
        """The rows of each table, read (and counted in ``counter``) as they are consumed."""
        return [
            TableRows(spec, _extracted_batches(started, spec, counter))
            for spec, started in self._started
        ]

    def abandon(self) -> None:
        """Cancel the statements whose results were not collected."""
        for _spec, started in self._started:
            started.abandon()


def load_config(
    task: Mapping[str, Any],
    *,
    store: ObjectStore,
    work_bucket: str,
    warehouse: Warehouse,
    connect_mysql: Callable[[], Connection],
    configs: TableConfigSet,
    has_time_for: Callable[[float], bool],
) -> dict[str, Any]:
    """Load chunks of one config, starting at ``next_chunk``, while time allows.

    Returns the task with ``next_chunk`` advanced and running totals; ``done`` says
    whether every chunk is loaded (the state machine calls again until it is).
    """
    config = configs.config(str(task["config"]))
    run_id = str(task["run_id"])
    work = WorkLocations(work_bucket, run_id)
    customers: list[int] = get_json(store, work.customers)["customers"]
    chunk_size = int(task.get("chunk_size", CUSTOMERS_PER_CHUNK))
    chunks = _chunks(customers, chunk_size)
    next_chunk = int(task.get("next_chunk", 0))
    totals: dict[str, dict[str, int]] = {
        spec.training_table: dict(task.get("tables", {}).get(spec.training_table, {}))
        for spec in config.tables
    }
    as_of = str(task["as_of"])
    elapsed = float(task.get("duration_seconds", 0.0))
    slowest_chunk = 0.0
    dry_run = bool(task.get("dry_run", False))
    connection = None if dry_run else connect_mysql()
    extractions: list[_ChunkExtraction] = []
    try:
        while next_chunk < len(chunks) and (next_chunk == 0 or has_time_for(slowest_chunk)):
            started = time.monotonic()
            chunk = chunks[next_chunk]
            if not extractions:
                extractions.append(_ChunkExtraction(warehouse, config.tables, chunk, as_of))
            if next_chunk + 1 < len(chunks) and has_time_for(2 * slowest_chunk):
                # Redshift runs the next chunk's statements while this chunk is merged.
                following = chunks[next_chunk + 1]
                extractions.append(_ChunkExtraction(warehouse, config.tables, following, as_of))
            read: dict[str, int] = {}
            tables = extractions[0].table_rows(read)
            if connection is None:
                _drain(tables)
                counts = MergeCounts()
            else:
                renew_gold_load_lease(connection, run_id)
                counts = replace_customers(connection, chunk, tables)
            for spec in config.tables:
                table_totals = totals[spec.training_table]
                for name, value in (
                    ("rows_read", read.get(spec.training_table, 0)),
                    ("rows_written", counts.rows_written.get(spec.training_table, 0)),
                    ("rows_replaced", counts.rows_deleted.get(spec.training_table, 0)),
                ):
                    table_totals[name] = table_totals.get(name, 0) + value
            extractions.pop(0)
            next_chunk += 1
            chunk_seconds = time.monotonic() - started
            slowest_chunk = max(slowest_chunk, chunk_seconds)
            elapsed += chunk_seconds
    finally:
        for extraction in extractions:  # a failed chunk, or one there was no time for
            extraction.abandon()
        if connection is not None:
            connection.close()
    done = next_chunk >= len(chunks)
    return {
        **task,
        "next_chunk": next_chunk,
        "done": done,
        "status": "loaded" if done else "loading",
        "tables": totals,
        "duration_seconds": round(elapsed, 3),
    }


def _drain(tables: Sequence[TableRows]) -> None:
    """A preview extracts (and so counts) every row but writes none."""
    for table in tables:
        for _batch in table.batches:
            pass


def build_report(
    event: Mapping[str, Any],
    *,
    store: ObjectStore,
    work_bucket: str,
    connect_mysql: Callable[[], Connection],
) -> dict[str, Any]:
    """Release the run's lease, write the JSON run report to S3, return the outcome.

    The report is written even when the lease cannot be released (it then expires on its
    own); that problem is listed among the report's warnings.
    """
    execution = event.get("execution", {})
    run_id = str(execution.get("name", "unknown-run"))
    state: Mapping[str, Any] = event.get("state") or {}
    plan: Mapping[str, Any] = (state.get("planned") or {}).get("plan") or {}
    plan_error = state.get("plan_error")
    config_results: list[Mapping[str, Any]] = list(state.get("config_results") or [])
    configs = [
        {
            "config": result.get("config"),
            "status": result.get("status", "failed"),
            "tables": result.get("tables", {}),
            "chunks_loaded": result.get("next_chunk", 0),
            "duration_seconds": result.get("duration_seconds", 0.0),
            **({"error": error_details(result["error"])} if "error" in result else {}),
        }
        for result in config_results
    ]
    errors = [{"config": c["config"], **c["error"]} for c in configs if "error" in c]
    if plan_error:
        errors.insert(0, {"config": None, **error_details(plan_error)})
    warnings: list[str] = []
    if not plan.get("dry_run", False):
        try:
            with closing(connect_mysql()) as connection:
                release_gold_load_lease(connection, run_id)
        except Exception as error:
            warnings.append(
                f"the refresh lease was not released ({type(error).__name__}); "
                "it expires on its own"
            )
    if plan_error and error_details(plan_error)["name"] in bad_input_error_names():
        status = "bad_input"
    elif errors:
        status = "failed"
    else:
        status = "succeeded"
    started_at = str(execution.get("start_time") or plan.get("started_at") or now_iso())
    finished_at = now_iso()
    report = {
        "workflow": "gold-load",
        "run_id": run_id,
        "status": status,
        "dry_run": bool(plan.get("dry_run", False)),
        "as_of": plan.get("as_of", state.get("as_of")),
        "scenario_file": plan.get("scenario_file", state.get("scenarios")),
        "customers": {
            "requested": plan.get("customers_requested", 0),
            "found": plan.get("customers_found", 0),
            "missing": plan.get("customers_missing", 0),
            "missing_sample": plan.get("missing_sample", []),
        },
        "configs": configs,
        "errors": errors,
        "warnings": warnings,
        "lease_wait_seconds": plan.get("lease_wait_seconds", 0.0),
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": seconds_between(started_at, finished_at),
    }
    location = WorkLocations(work_bucket, run_id).report
    put_json(store, location, report)
    failed = [str(c["config"]) for c in configs if c["status"] != "loaded"]
    return {
        "status": status,
        "report": location.uri,
        "failed_configs": failed,
        "error_name": errors[0]["name"] if errors else None,
        "summary": _summary_line(report),
    }


def _summary_line(report: Mapping[str, Any]) -> str:
    if report["status"] == "bad_input":
        error = report["errors"][0]
        return f"gold load rejected its input: {error['name']}: {error['message']}"
    customers = report["customers"]
    failed = [c["config"] for c in report["configs"] if c["status"] != "loaded"]
    kind = "gold load preview" if report["dry_run"] else "gold load"
    line = (
        f"{kind} {report['status']}: {customers['found']} of {customers['requested']} "
        f"customers found, {len(report['configs']) - len(failed)} config(s) loaded"
    )
    if failed:
        line += f", failed: {', '.join(str(name) for name in failed)}"
    return line
