"""Handlers of the restore's tasks in the reset state machine: restore, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.handlers.lease_holder import holds_leases
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.messages.restore import RestoreEvent, RestoreReportEvent
from training_refresh.reset.restore import restore_customers
from training_refresh.reset.restore_report import build_restore_report
from training_refresh.settings import LeaseSettings, WorkFilesSettings


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RestoreEvent)
@holds_leases
def restore(
    event: RestoreEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = restore_customers(
        event,
        store=dependencies.object_store(),
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().reset_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "customers restored",
        extra=result.model_dump(
            include={"customers_restored", "customers_not_in_gold", "transaction_seconds"}
        ),
    )
    metrics.add_metric("CustomersRestored", MetricUnit.Count, result.customers_restored)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RestoreReportEvent)
def report(
    event: RestoreReportEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_restore_report(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
    )
    logger.info("restore finished", extra={"status": outcome.status})
    metrics.add_metric("RestoreFailed", MetricUnit.Count, int(outcome.status != "succeeded"))
    return outcome.model_dump(mode="json")
