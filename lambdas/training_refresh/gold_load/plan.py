"""The gold load's first step: validate the request, take the lease, find the customers.

A real load (not a preview) takes the gold writer role, drops what killed gold-changing
runs left behind (``gold_state.publication.clean_leftovers``) and records the gold
generation its build tables start from, which the publish step checks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import date

from training_refresh.adapters.data_api import StartedQuery, Warehouse, customer_in_list
from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import ObjectStore, S3Location, put_json
from training_refresh.as_of import parse_as_of
from training_refresh.errors import BadInputError, ScenarioFileError
from training_refresh.gold_load.source_schema import check_schema, mysql_columns, source_columns
from training_refresh.gold_load.work import CUSTOMERS_PER_CHUNK, WorkLocations, chunked
from training_refresh.gold_ops.writer import managed_tables, writer_guard
from training_refresh.gold_state import names
from training_refresh.gold_state.publication import clean_leftovers
from training_refresh.gold_state.store import current_generation
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.lease import DEFAULT_GOLD_LOAD_TIMES, LeaseTimes, acquire_gold_load_lease
from training_refresh.messages.common import requested_names
from training_refresh.messages.gold_load import GoldLoadPlan, PlanGoldLoadEvent
from training_refresh.run_files import now_iso
from training_refresh.scenarios import ScenarioFile, read_scenario_file
from training_refresh.table_groups import TableGroupSet

MAX_SCENARIO_FILE_BYTES = 20 * 1024 * 1024
MISSING_SAMPLE_SIZE = 100
MAX_SCENARIO_NAME_CHARS = 1024
"""The catalog's ``SCENARIO_FILE`` column."""

EXISTENCE_CHECK_CUSTOMERS = 5_000
"""Customers per existence check: 5,000 numbers of up to 15 digits are at most 85 KB of
SQL, inside the Data API's 100 KB (``MAX_SQL_BYTES``)."""
EXISTENCE_CHECKS_IN_FLIGHT = 4
"""Existence checks running at once. A check is an indexed lookup that Redshift answers in
well under a second; four in flight make 1,000,000 requested customers (200 checks) a
matter of about a minute instead of several, far inside the plan's 900 s, while a cluster's
concurrency (and the Data API's quota of active statements) is barely touched."""

_EXISTING_CUSTOMERS_SQL = (
    "SELECT customer_no FROM oframe_prd_s.ims_customer "
    "WHERE customer_no IN ({customer_numbers}) ORDER BY customer_no"
)


def plan_gold_load(
    event: PlanGoldLoadEvent,
    *,
    work_bucket: str,
    store: ObjectStore,
    warehouse: Warehouse,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    today: date,
    chunk_size: int = CUSTOMERS_PER_CHUNK,
    lease_times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    on_step: OnStep = ignore_step,
) -> GoldLoadPlan:
    """Validate the request, read the scenario file and record which customers exist.

    Raises a BadInputError subclass (nothing written) when the request is unusable. A real
    load (not a preview) then takes its refresh lease, so no reset copies the gold copies
    until the report step releases it (``lease``).
    """
    request = event.request
    run_id = event.execution.name
    as_of = parse_as_of(str(request.as_of or ""), today)
    dry_run = request.dry_run
    if not isinstance(dry_run, bool):
        raise BadInputError("'dry_run' must be true or false")
    chosen = table_groups.select_groups(requested_names(request.tables, "table config"))
    scenario = S3Location.parse("" if request.scenarios is None else request.scenarios)
    scenario_file = _read_scenario_file(store, scenario)
    requested = scenario_file.customers
    work = WorkLocations(work_bucket, run_id)
    put_json(store, work.requested, {"customers_requested": len(requested)})
    specs = [spec for group in chosen for spec in group.tables]
    source = source_columns(warehouse, specs)
    lease_wait = 0.0
    generation = 0
    leftovers: list[str] = []
    if dry_run:
        schema = check_schema(chosen, source, mysql_columns(None, specs))
        schema.raise_refusals()
    else:
        with closing(connect_mysql()) as connection:
            schema = check_schema(chosen, source, mysql_columns(connection, specs))
            schema.raise_refusals()  # before the lease: nothing at all is written
            lease = acquire_gold_load_lease(connection, run_id, lease_times, on_step=on_step)
            lease_wait = lease.waited_seconds
            leftovers = clean_leftovers(
                connection,
                managed_tables(table_groups),
                own_tag=names.run_tag(run_id),
                guard=writer_guard(connect_mysql, run_id, lease_times),
            )
            with connection.cursor() as cursor:
                generation = current_generation(cursor)
    on_step("check-customers")
    found = _existing_customers(warehouse, requested)
    missing = sorted(set(requested) - set(found))
    labels = {str(c): scenario_file.labels[c] for c in found if c in scenario_file.labels}
    put_json(
        store,
        work.customers,
        {"as_of": as_of.isoformat(), "customers": found, "labels": labels},
    )
    if len(missing) > MISSING_SAMPLE_SIZE:
        put_json(store, work.missing, {"missing": missing})
    return GoldLoadPlan(
        run_id=run_id,
        as_of=as_of.isoformat(),
        scenario_file=scenario.uri,
        scenario_name=_operator_name(request.scenario_name, scenario),
        configs=[group.name for group in chosen],
        customers_key=work.customers.key,
        chunk_size=chunk_size,
        chunk_count=len(chunked(found, chunk_size)),
        customers_requested=len(requested),
        customers_found=len(found),
        customers_missing=len(missing),
        missing_sample=missing[:MISSING_SAMPLE_SIZE],
        dry_run=dry_run,
        lease_wait_seconds=round(lease_wait, 3),
        gold_generation=generation,
        leftovers_dropped=leftovers,
        notices=schema.notices,
        started_at=now_iso(),
    )


def _read_scenario_file(store: ObjectStore, scenario: S3Location) -> ScenarioFile:
    try:
        data = store.get_bytes(scenario.bucket, scenario.key, MAX_SCENARIO_FILE_BYTES)
    except BadInputError as error:
        raise ScenarioFileError(f"scenario file: {error}") from error
    return read_scenario_file(data, source=scenario.uri)


def _operator_name(given: object, scenario: S3Location) -> str:
    """The scenario file as the operator named it: the local path a command uploaded
    (``scenario_name``), else the S3 URI the execution was started with."""
    if isinstance(given, str) and given.strip():
        return given.strip()[:MAX_SCENARIO_NAME_CHARS]
    return scenario.uri


def _existing_customers(warehouse: Warehouse, requested: Sequence[int]) -> list[int]:
    """A customer is found when the customer master holds it; others are skipped.

    Up to ``EXISTENCE_CHECKS_IN_FLIGHT`` checks run at once, collected in the order they
    were started; each wait ends before the invocation's deadline (the warehouse's). When
    one fails, the others still running are cancelled.
    """
    found: list[int] = []
    in_flight: deque[StartedQuery] = deque()
    try:
        for batch in chunked(requested, EXISTENCE_CHECK_CUSTOMERS):
            sql = _EXISTING_CUSTOMERS_SQL.replace("{customer_numbers}", customer_in_list(batch))
            in_flight.append(warehouse.start(sql))
            if len(in_flight) == EXISTENCE_CHECKS_IN_FLIGHT:
                found.extend(_customer_numbers(in_flight.popleft()))
        while in_flight:
            found.extend(_customer_numbers(in_flight.popleft()))
    finally:
        for started in in_flight:
            started.abandon()
    return sorted(set(found))


def _customer_numbers(check: StartedQuery) -> Iterator[int]:
    for page in check.result():
        yield from (int(row[0]) for row in page.rows)
