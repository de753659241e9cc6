"""Handlers of the gold-load state machine's tasks: parse, build adapters, one domain call."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.gold_load.load import load_config
from training_refresh.gold_load.plan import plan_gold_load
from training_refresh.gold_load.publish import publish_gold_load
from training_refresh.gold_load.report import build_report
from training_refresh.handlers.dependencies import PRODUCTION, Dependencies, time_left_of
from training_refresh.handlers.gc_tuning import tune_garbage_collector
from training_refresh.handlers.lease_holder import holds_leases
from training_refresh.handlers.observability import (
    METRICS_NAMESPACE,
    SERVICE,
    logger,
    metrics,
    tracer,
)
from training_refresh.messages.gold_load import (
    ConfigTask,
    GoldLoadReportEvent,
    PlanGoldLoadEvent,
    PublishGoldLoadEvent,
)
from training_refresh.settings import GoldLoadSettings, LeaseSettings, WorkFilesSettings

tune_garbage_collector()  # once per process: at a Lambda cold start, or when imported locally

SAFETY_MARGIN_SECONDS = 60.0
"""Time kept free at the end of an invocation; a chunk is only started when the slowest
chunk so far, three times over, still fits before that margin."""


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PlanGoldLoadEvent)
@holds_leases
def plan(
    event: PlanGoldLoadEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = plan_gold_load(
        event,
        work_bucket=WorkFilesSettings.load().work_bucket,
        store=dependencies.object_store(),
        warehouse=dependencies.warehouse(time_left_of(context)),
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        today=dependencies.today(),
        chunk_size=GoldLoadSettings.load().customers_per_chunk,
        lease_times=LeaseSettings.load().gold_load_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "gold load planned",
        extra=result.model_dump(
            include={"as_of", "configs", "customers_requested", "customers_found", "chunk_count"}
        ),
    )
    metrics.add_metric("CustomersRequested", MetricUnit.Count, result.customers_requested)
    metrics.add_metric("CustomersMissing", MetricUnit.Count, result.customers_missing)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ConfigTask)
@holds_leases
def load(
    event: ConfigTask, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id, config=event.config)

    def has_time_for(slowest_chunk_seconds: float) -> bool:
        remaining = context.get_remaining_time_in_millis() / 1000.0
        return remaining - SAFETY_MARGIN_SECONDS > 3 * slowest_chunk_seconds

    result = load_config(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        warehouse=dependencies.warehouse(time_left_of(context)),
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        has_time_for=has_time_for,
        lease_times=LeaseSettings.load().gold_load_times(),
        on_step=dependencies.on_step,
    )
    rows_written = sum(counts.rows_written for counts in result.tables.values())
    logger.info(
        "config chunks loaded",
        extra={"next_chunk": result.next_chunk, "done": result.done, "rows": rows_written},
    )
    if result.done:
        # Map iterations run concurrently in one process locally; an ephemeral instance
        # keeps this config's dimension off the shared metrics of the others.
        config_metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE)
        config_metrics.add_dimension("Config", event.config)
        config_metrics.add_metric("RowsLoaded", MetricUnit.Count, rows_written)
        config_metrics.flush_metrics()
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PublishGoldLoadEvent)
@holds_leases
def publish(
    event: PublishGoldLoadEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = publish_gold_load(
        event,
        connect_mysql=dependencies.connect_mysql,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        table_groups=dependencies.table_groups(),
        lease_times=LeaseSettings.load().gold_load_times(),
        on_step=dependencies.on_step,
    )
    logger.info(
        "gold load published",
        extra=result.model_dump(
            include={"published", "generation", "configs_published", "configs_not_published"}
        ),
    )
    metrics.add_metric("GoldPublishLockedSeconds", MetricUnit.Seconds, result.locked_seconds)
    return result.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=GoldLoadReportEvent)
def report(
    event: GoldLoadReportEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_report(
        event,
        store=dependencies.object_store(),
        work_bucket=WorkFilesSettings.load().work_bucket,
        connect_mysql=dependencies.connect_mysql,
        training_database=dependencies.training_database(),
        table_groups=dependencies.table_groups(),
    )
    logger.info("gold load finished", extra={"status": outcome.status})
    metrics.add_metric("GoldLoadFailedConfigs", MetricUnit.Count, len(outcome.failed_configs))
    return outcome.model_dump(mode="json")
