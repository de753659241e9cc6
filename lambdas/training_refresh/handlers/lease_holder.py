"""``@holds_leases``: a handler's lease rows name its execution, and it can check others'.

Put it right under ``@event_parser``: the parsed event's ``execution.arn`` (when the state
machine passes ``$$.Execution.Id``) is recorded in every lease row the step takes, and
the lease waits of the step ask the dependencies' ``still_running`` whether a blocking
holder's execution still runs (``lease.holder``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from training_refresh.handlers.dependencies import PRODUCTION, Dependencies
from training_refresh.lease.holder import LeaseHolder, lease_holder


def holds_leases(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.wraps(handler)
    def with_holder(
        event: Any, context: LambdaContext, dependencies: Dependencies = PRODUCTION
    ) -> dict[str, Any]:
        execution = getattr(event, "execution", None)
        holder = LeaseHolder(
            execution_arn=getattr(execution, "arn", None),
            still_running=dependencies.still_running,
            abandoned=dependencies.abandoned,
            holds_run_lock=dependencies.holds_run_lock,
        )
        with lease_holder(holder):
            return handler(event, context, dependencies=dependencies)

    return with_holder
