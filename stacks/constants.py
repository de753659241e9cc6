"""Names and numbers the stack uses in more than one place.

The Powertools service name and metrics namespace must equal the ones the Lambda code
publishes with (``training_refresh.handlers.observability``); a test in tests/infra checks
that they do, without making the stack import the Lambda runtime modules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from training_refresh.env_names import PowertoolsEnvName

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
LAMBDAS_DIR: Final = PROJECT_ROOT / "lambdas"
LAMBDA_PACKAGE: Final = "training_refresh"
STATEMACHINES_DIR: Final = PROJECT_ROOT / "statemachines"
REQUIREMENTS_FILE: Final = PROJECT_ROOT / "requirements.txt"

SERVICE: Final = "ims-training-refresh"
METRICS_NAMESPACE: Final = "IMSTrainingRefresh"

CUSTOM_METRICS: Final[dict[str, tuple[str, ...]]] = {
    "gold-load": (
        "CustomersRequested",
        "CustomersMissing",
        "RowsLoaded",
        "GoldLoadFailedConfigs",
        "GoldPublishLockedSeconds",
    ),
    "reset": (
        "RowsCopied",
        "ResetSwapAttempts",
        "ResetFailedTables",
        "ResetWaitedForGoldLoadSeconds",
        "CustomersRestored",
        "RestoreFailed",
    ),
    "gold-undo": ("GoldUndoTablesSwitched", "GoldUndoFailed"),
    "gold-remove": ("GoldCustomersRemoved", "GoldRemoveFailed"),
    "reset-stage": ("ResetStagedRows",),
}
"""Metrics the Lambdas publish (Powertools EMF), by workflow, for the dashboard.

The dashboard draws each one with a SEARCH expression over the namespace and the metric
name only, so any dimension set (``service``, ``Config``, ``Table``, ...) shows up and a
metric nobody publishes yet draws an empty graph instead of breaking anything. Counts are
summed per hour; a name ending in ``Seconds`` is a duration and shows its hourly maximum. A workflow
listed here that does not exist yet is skipped; a workflow that exists but is not listed
still gets its execution widgets. Add a name here when a handler starts publishing it.
"""

TRACER_ENVIRONMENT: Final[dict[str, str]] = {
    PowertoolsEnvName.TRACER_CAPTURE_RESPONSE.value: "false",
    PowertoolsEnvName.TRACER_CAPTURE_ERROR.value: "true",
}
"""What Powertools' Tracer records in X-Ray for every function. Responses: never; a plan's
carries up to 100 missing customer numbers, and traces are kept apart from the reports'
access control. Errors: yes; their messages are redacted (no data values) and the same
text is already in the execution history and the run report."""

STACK_ENVIRONMENT: Final = frozenset(
    {
        PowertoolsEnvName.SERVICE_NAME.value,
        PowertoolsEnvName.METRICS_NAMESPACE.value,
        PowertoolsEnvName.LOG_LEVEL.value,
    }
    | set(TRACER_ENVIRONMENT)
)
"""Variables the stack sets itself; ``extra_environment`` may not override them (the
dashboard reads the service and namespace, log_level has its own setting, and the tracer
settings keep customer numbers out of X-Ray)."""

NAME_PREFIX: Final = "ImsTraining"
"""Resource names are ``{stage}-ImsTraining...``, like the old ``env-CrdTraining...`` jobs."""

DEFAULT_WORKFLOW_TIMEOUT_MINUTES: Final[dict[str, int]] = {"gold-load": 8 * 60, "reset": 60}
"""State machine timeouts (a stuck execution ends TIMED_OUT and alarms). Unknown workflows
get :data:`FALLBACK_WORKFLOW_TIMEOUT_MINUTES`; cdk.json may override per stage."""
FALLBACK_WORKFLOW_TIMEOUT_MINUTES: Final = 2 * 60

SCHEDULE_RETRY_ATTEMPTS: Final = 3
SCHEDULE_MAX_EVENT_AGE_MINUTES: Final = 30
"""A scheduled reset that cannot start within half an hour is dropped (and alarms): a reset
that late would land in the middle of a class."""

TRIGGER_RETRY_ATTEMPTS: Final = 5
TRIGGER_MAX_EVENT_AGE_HOURS: Final = 2


def pascal(name: str) -> str:
    """``gold-load`` -> ``GoldLoad``; ``PlanGoldLoadFunctionArn`` stays as it is."""
    parts = re.split(r"[-_\s]+", name)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def function_base_name(placeholder: str) -> str:
    """``PlanGoldLoadFunctionArn`` -> ``PlanGoldLoad`` (the ASL placeholder names the task)."""
    for suffix in ("FunctionArn", "Arn"):
        if placeholder.endswith(suffix) and len(placeholder) > len(suffix):
            return placeholder[: -len(suffix)]
    return placeholder
