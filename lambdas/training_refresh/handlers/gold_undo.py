"""Handlers of the gold-undo state machine's tasks: undo, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.gold_ops.report import build_gold_undo_report
from training_refresh.gold_ops.undo import undo_gold
from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.handlers.lease_holder import holds_leases
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.messages.gold_undo import GoldUndoEvent, GoldUndoReportEvent
from training_refresh.settings import LeaseSettings, WorkFilesSettings


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=GoldUndoEvent)
@holds_leases
def undo(
    event: GoldUndoEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = undo_gold(
        event,
        connect_mysql=dependencies.connect_mysql,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().gold_load_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "gold undone",
        extra=result.model_dump(include={"generation", "undone_run_id", "tables_changed"}),
    )
    metrics.add_metric("GoldUndoTablesSwitched", MetricUnit.Count, len(result.tables_changed))
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=GoldUndoReportEvent)
def report(
    event: GoldUndoReportEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_gold_undo_report(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
    )
    logger.info("gold undo finished", extra={"status": outcome.status})
    metrics.add_metric("GoldUndoFailed", MetricUnit.Count, int(outcome.status != "succeeded"))
    return outcome.model_dump(mode="json")
