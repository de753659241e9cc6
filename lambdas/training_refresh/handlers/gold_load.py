"""Handlers of the gold-load state machine's tasks."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.parser import BaseModel, event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict

from training_refresh import adapters
from training_refresh.as_of import today_utc
from training_refresh.gold_load import build_report, load_config, plan_gold_load
from training_refresh.handlers.gc_tuning import tune_garbage_collector
from training_refresh.handlers.models import ReportEvent, StartEvent
from training_refresh.handlers.observability import (
    METRICS_NAMESPACE,
    SERVICE,
    logger,
    metrics,
    tracer,
)
from training_refresh.table_configs import load_table_configs

tune_garbage_collector()  # once per process: at a Lambda cold start, or when imported locally

SAFETY_MARGIN_SECONDS = 60.0
"""Time kept free at the end of an invocation; a chunk is only started when the slowest
chunk so far, three times over, still fits before that margin."""


class LoadConfigTask(BaseModel):
    model_config = ConfigDict(extra="allow")
    config: str
    run_id: str
    as_of: str
    chunk_size: int
    next_chunk: int = 0
    dry_run: bool = False


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=StartEvent)
def plan(event: StartEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    result = plan_gold_load(
        event.request,
        run_id=event.execution.name,
        work_bucket=adapters.work_bucket(),
        store=adapters.object_store(),
        warehouse=adapters.warehouse(),
        connect_mysql=adapters.mysql_connector(),
        configs=load_table_configs(),
        today=today_utc(),
        chunk_size=adapters.customers_per_chunk(),
    )
    logger.info(
        "gold load planned",
        extra={
            k: result[k]
            for k in ("as_of", "configs", "customers_requested", "customers_found", "chunk_count")
        },
    )
    metrics.add_metric("CustomersRequested", MetricUnit.Count, result["customers_requested"])
    metrics.add_metric("CustomersMissing", MetricUnit.Count, result["customers_missing"])
    return result


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=LoadConfigTask)
def load(event: LoadConfigTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.run_id, config=event.config)

    def has_time_for(slowest_chunk_seconds: float) -> bool:
        remaining = context.get_remaining_time_in_millis() / 1000.0
        return remaining - SAFETY_MARGIN_SECONDS > 3 * slowest_chunk_seconds

    result = load_config(
        event.model_dump(),
        store=adapters.object_store(),
        work_bucket=adapters.work_bucket(),
        warehouse=adapters.warehouse(),
        connect_mysql=adapters.mysql_connector(),
        configs=load_table_configs(),
        has_time_for=has_time_for,
    )
    rows_written = sum(t.get("rows_written", 0) for t in result["tables"].values())
    logger.info(
        "config chunks loaded",
        extra={"next_chunk": result["next_chunk"], "done": result["done"], "rows": rows_written},
    )
    if result["done"]:
        # Map iterations run concurrently in one process locally; an ephemeral instance
        # keeps this config's dimension off the shared metrics of the others.
        config_metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE)
        config_metrics.add_dimension("Config", event.config)
        config_metrics.add_metric("RowsLoaded", MetricUnit.Count, rows_written)
        config_metrics.flush_metrics()
    return result


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ReportEvent)
def report(event: ReportEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(run_id=event.execution.name)
    outcome = build_report(
        event.model_dump(),
        store=adapters.object_store(),
        work_bucket=adapters.work_bucket(),
        connect_mysql=adapters.mysql_connector(),
    )
    logger.info("gold load finished", extra={"status": outcome["status"]})
    metrics.add_metric("GoldLoadFailedConfigs", MetricUnit.Count, len(outcome["failed_configs"]))
    return outcome
