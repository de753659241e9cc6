"""Handlers of the reset state machine's tasks: prepare, copy one table, swap, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import BaseModel, event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field

from training_refresh import adapters
from training_refresh.gold_merge import Connection
from training_refresh.handlers.models import ReportEvent, StartEvent
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.refresh_lock import reset_lease_times
from training_refresh.reset_workflow import (
    build_reset_report,
    copy_table,
    prepare_reset,
    swap_tables,
)
from training_refresh.table_configs import load_table_configs


class CopyTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run_id: str = Field(min_length=1, max_length=128)
    table: str = Field(min_length=1, max_length=64)


class SwapTask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run_id: str = Field(min_length=1, max_length=128)
    tables: list[str] = Field(min_length=1)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=StartEvent)
def prepare(event: StartEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = prepare_reset(
        event.request,
        run_id=event.execution.name,
        connect_mysql=adapters.mysql_connector(),
        configs=load_table_configs(),
        lease_times=reset_lease_times(),
    )
    logger.info(
        "reset prepared",
        extra={
            k: result[k]
            for k in (
                "tables",
                "waited_for_gold_loads_seconds",
                "superseded_resets",
                "leftovers_dropped",
            )
        },
    )
    metrics.add_metric(
        "ResetWaitedForGoldLoadSeconds",
        MetricUnit.Seconds,
        result["waited_for_gold_loads_seconds"],
    )
    return result


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CopyTask)
def copy(event: CopyTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id, table=event.table)
    result = copy_table(
        event.model_dump(),
        connect_mysql=adapters.mysql_connector(),
        configs=load_table_configs(),
        lease_times=reset_lease_times(),
    )
    logger.info(
        "staging copy built",
        extra={"rows": result["rows"], "duration_seconds": result["duration_seconds"]},
    )
    metrics.add_metric("RowsCopied", MetricUnit.Count, result["rows"])
    return result


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=SwapTask)
def swap(event: SwapTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id)
    result = swap_tables(
        event.model_dump(),
        connect_mysql=adapters.mysql_connector(),
        configs=load_table_configs(),
        lease_times=reset_lease_times(),
    )
    logger.info(
        "training tables swapped",
        extra={"tables": result["tables"], "attempts": result["attempts"]},
    )
    metrics.add_metric("ResetSwapAttempts", MetricUnit.Count, result["attempts"])
    return result


def _connect_lazily() -> Connection:
    """The report must be written even when the database (or its secret) is unreachable,
    so the connection settings are only looked up when the report releases the lease."""
    return adapters.mysql_connector()()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ReportEvent)
def report(event: ReportEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_reset_report(
        event.model_dump(),
        store=adapters.object_store(),
        work_bucket=adapters.work_bucket(),
        connect_mysql=_connect_lazily,
    )
    logger.info("reset finished", extra={"status": outcome["status"]})
    metrics.add_metric("ResetFailedTables", MetricUnit.Count, len(outcome["failed_tables"]))
    return outcome
