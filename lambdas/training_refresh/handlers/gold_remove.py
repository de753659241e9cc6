"""Handlers of the gold-remove state machine's tasks: remove, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.gold_ops.remove import remove_gold_customers
from training_refresh.gold_ops.report import build_gold_remove_report
from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.handlers.lease_holder import holds_leases
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.messages.gold_remove import GoldRemoveEvent, GoldRemoveReportEvent
from training_refresh.settings import LeaseSettings, WorkFilesSettings


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=GoldRemoveEvent)
@holds_leases
def remove(
    event: GoldRemoveEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = remove_gold_customers(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().gold_load_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "gold customers removed",
        extra=result.model_dump(
            include={"generation", "customers_removed", "customers_not_present", "rows_removed"}
        ),
    )
    metrics.add_metric("GoldCustomersRemoved", MetricUnit.Count, result.customers_removed)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=GoldRemoveReportEvent)
def report(
    event: GoldRemoveReportEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_gold_remove_report(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
    )
    logger.info("gold remove finished", extra={"status": outcome.status})
    metrics.add_metric("GoldRemoveFailed", MetricUnit.Count, int(outcome.status != "succeeded"))
    return outcome.model_dump(mode="json")
