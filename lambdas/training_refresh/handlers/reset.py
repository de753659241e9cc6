"""Handlers of the reset state machine's tasks: prepare, copy one table, swap, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.handlers.lease_holder import holds_leases
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.messages.reset import (
    CopyTask,
    PrepareResetEvent,
    ResetReportEvent,
    SwapTask,
)
from training_refresh.reset.copy import copy_table
from training_refresh.reset.prepare import prepare_reset
from training_refresh.reset.report import build_reset_report
from training_refresh.reset.swap import SwapSettings, swap_tables
from training_refresh.settings import LeaseSettings, ResetSettings, WorkFilesSettings


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PrepareResetEvent)
@holds_leases
def prepare(
    event: PrepareResetEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = prepare_reset(
        event,
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().reset_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "reset prepared",
        extra=result.model_dump(
            include={
                "tables",
                "waited_for_gold_loads_seconds",
                "superseded_resets",
                "leftovers_dropped",
            }
        ),
    )
    metrics.add_metric(
        "ResetWaitedForGoldLoadSeconds", MetricUnit.Seconds, result.waited_for_gold_loads_seconds
    )
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CopyTask)
@holds_leases
def copy(
    event: CopyTask, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id, table=event.table)
    result = copy_table(
        event,
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().reset_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "staging copy built",
        extra={"rows": result.rows, "duration_seconds": result.duration_seconds},
    )
    metrics.add_metric("RowsCopied", MetricUnit.Count, result.rows)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=SwapTask)
@holds_leases
def swap(
    event: SwapTask, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id)
    result = swap_tables(
        event,
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().reset_times(),
        settings=SwapSettings(gold_recopies=ResetSettings.load().gold_recopies),
        on_step=dependencies.on_step,
    )
    logger.info(
        "training tables swapped",
        extra={
            "tables": result.tables,
            "attempts": result.attempts,
            "gold_generation": result.gold_generation,
            "recopies": result.recopies,
        },
    )
    metrics.add_metric("ResetSwapAttempts", MetricUnit.Count, result.attempts)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ResetReportEvent)
def report(
    event: ResetReportEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_reset_report(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
    )
    logger.info("reset finished", extra={"status": outcome.status})
    metrics.add_metric("ResetFailedTables", MetricUnit.Count, len(outcome.failed_tables))
    return outcome.model_dump(mode="json")
