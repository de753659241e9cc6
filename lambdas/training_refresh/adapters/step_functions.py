"""Step Functions (``DescribeExecution``): is the execution that holds a lease still running?

A lease row records the execution ARN of its holder; a run that waits for it asks here and
takes the lease over at once when that execution has ended (``lease``). The answer is
three-valued: True (RUNNING), False (ended: SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or a
run of ours that is PENDING_REDRIVE), None (cannot tell: the ARN belongs to another
account, region or local process, access is denied, the service cannot be reached). Only
False lets a waiting run take over; None leaves the holder to its TTL. The boto3 client is
passed in; this module never imports boto3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


@dataclass(frozen=True)
class StepFunctionsExecutions:
    make_client: Callable[[], Any]
    """Makes a boto3 ``stepfunctions`` client (only when a holder is checked)."""

    def still_running(self, execution_arn: str) -> bool | None:
        """True while the execution is RUNNING, False once it has ended, None when unknown."""
        try:
            client = self.make_client()
            status = client.describe_execution(executionArn=execution_arn)["status"]
        except (ClientError, BotoCoreError, KeyError):
            return None
        return bool(status == "RUNNING")
