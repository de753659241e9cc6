"""Handler of the reset-stage state machine's one task: stage the next reset's copies."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.adapters.object_store import put_json
from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.handlers.observability import logger, metrics, tracer
from training_refresh.messages.reset_stage import StageOutcome, StageResetEvent
from training_refresh.reset.stage import stage_next_reset
from training_refresh.run_files import report_location
from training_refresh.settings import WorkFilesSettings


@logger.inject_lambda_context(log_event=False, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=StageResetEvent)
def stage(
    event: StageResetEvent, context: LambdaContext, dependencies: Dependencies = PRODUCTION
) -> dict[str, Any]:
    run_id = event.execution.name
    logger.append_keys(run_id=run_id)
    result = stage_next_reset(
        connect_mysql=dependencies.connect_mysql,
        table_groups=dependencies.table_groups(),
        on_step=dependencies.on_step,
    )
    location = report_location(WorkFilesSettings.load().work_bucket, "reset-stage", run_id)
    outcome = StageOutcome(
        run_id=run_id,
        status=result.status,
        gold_generation=result.gold_generation,
        tables=result.tables,
        ready_at=result.ready_at,
        duration_seconds=result.seconds,
        rounds=result.rounds,
        leftovers_dropped=result.leftovers_dropped,
        report=location.uri,
    )
    put_json(dependencies.object_store(), location, outcome.model_dump(mode="json"))
    logger.info(
        "next reset staged",
        extra=outcome.model_dump(include={"status", "gold_generation", "ready_at", "rounds"}),
    )
    metrics.add_metric("ResetStagedRows", MetricUnit.Count, sum(result.tables.values()))
    return outcome.model_dump(mode="json")
