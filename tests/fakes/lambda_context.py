"""A generated Lambda context: the attributes the handlers and Powertools read."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field


@dataclass
class LambdaContext:
    function_name: str = "ims-refresh-test"
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    remaining_seconds: float = 900.0
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ims-refresh-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/ims-refresh-test"
    log_stream_name: str = "test"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        left = self.remaining_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))
