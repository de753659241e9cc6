"""The Powertools logger, tracer and metrics every handler shares."""

from __future__ import annotations

import io
import sys
from typing import IO, Literal, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "ims-training-refresh"
METRICS_NAMESPACE = "IMSTrainingRefresh"


class CurrentStream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` as it is when a line is written, not as it was when
    the logger was made. The logger is made once, at the handlers' first import; a process
    that replaces its standard streams later (the CLI's quiet-pipe wrapper, pytest's
    capture, closed after each test) would otherwise leave the logger writing to a stream
    that is gone. In Lambda both are the runtime's own streams, so nothing changes there."""

    def __init__(self, which: Literal["stdout", "stderr"]) -> None:
        super().__init__()
        self._which = which

    def _target(self) -> io.TextIOBase:
        stream: io.TextIOBase = getattr(sys, self._which)
        return stream

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def writable(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<current sys.{self._which}>"


logger = Logger(service=SERVICE, stream=cast("IO[str]", CurrentStream("stdout")))
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
