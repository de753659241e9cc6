"""``--wait``: follow a deployed execution to its end, printing what its history tells.

Waiting ends with exit code 3 when ``--timeout`` passes, or on Ctrl-C / SIGTERM (an
Automic job cancelled): the execution keeps running in AWS, and the last line says how to
follow it (``ims-refresh status ARN --wait``). Polls that fail for transient reasons
(network, throttling) are tried again, :data:`MAX_FAILED_POLLS` in a row at most.

Time is a :class:`Clock` argument (monotonic time and sleeping), so tests follow an
execution for hours in no time.
"""

from __future__ import annotations

import signal
import time
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Protocol, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from ims_refresh.aws.client import Aws, aws_problem, is_transient_aws_error
from ims_refresh.aws.targets import Targets
from ims_refresh.aws.views import RUNNING_STATES, execution_view
from ims_refresh.execution_history import execution_history
from ims_refresh.exit_codes import ExitCode
from ims_refresh.output import offer
from ims_refresh.progress import ExecutionProgress, timestamp
from ims_refresh.run_report import print_execution_status
from training_refresh.errors import bad_input_error_names

POLL_SECONDS: Final = 4.0
"""How often ``--wait`` asks Step Functions (DescribeExecution + GetExecutionHistory: two
calls every 4 s, far below their quotas)."""
HEARTBEAT_SECONDS: Final = 8.0
"""A "still running" line after this long without news, so a job log shows it is alive at
least every 10 s (issue 14: an Automic log never stays silent while the work runs)."""
DEFAULT_WAIT_SECONDS: Final[dict[str, float]] = {
    "gold-load": 8 * 3600 + 600,
    "reset": 3600 + 600,
    "gold-undo": 2 * 3600 + 600,
    "gold-remove": 2 * 3600 + 600,
}
"""``--wait`` gives up after the stack's state machine timeout (gold load 8 h, reset 1 h,
other workflows the stack's 2 h fallback) plus 10 minutes, so normally the execution
ends (TIMED_OUT at worst) before we give up."""
MAX_FAILED_POLLS: Final = 6
"""Polls in a row that may fail (network, throttling) before ``--wait`` gives up."""


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Final = SystemClock()


@dataclass(frozen=True)
class Waiting:
    """How a command waits: ``wait`` False returns at once."""

    wait: bool = False
    timeout: float | None = None
    """None: :data:`DEFAULT_WAIT_SECONDS` of the workflow."""
    poll_seconds: float = POLL_SECONDS
    clock: Clock = SYSTEM_CLOCK

    def timeout_for(self, workflow: str | None) -> float:
        if self.timeout is not None:
            return self.timeout
        return DEFAULT_WAIT_SECONDS.get(workflow or "", max(DEFAULT_WAIT_SECONDS.values()))


NO_WAITING: Final = Waiting()
"""Start and return at once."""


class StopWaiting(Exception):
    """SIGTERM while waiting (e.g. the Automic job was cancelled)."""


def follow_hint(arn: str) -> str:
    return f"ims-refresh status {arn} --wait"


def _emit(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


@contextmanager
def sigterm_stops_waiting() -> Iterator[None]:
    """While waiting, SIGTERM (a cancelled job) ends the wait like Ctrl-C does."""

    def stop(_signum: int, _frame: types.FrameType | None) -> None:
        raise StopWaiting

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def follow_execution(
    sfn: Any,
    arn: str,
    progress: ExecutionProgress,
    *,
    timeout: float,
    poll_seconds: float,
    out: TextIO,
    clock: Clock = SYSTEM_CLOCK,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> dict[str, Any] | None:
    """Print progress lines until the execution ends; its description, or None when
    ``timeout`` passed first. KeyboardInterrupt / StopWaiting propagate."""
    started = clock.now()
    deadline = started + timeout
    last_news = started
    failed_polls = 0
    while True:
        try:
            described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            lines = progress.apply(execution_history(sfn, arn))
        except (ClientError, BotoCoreError) as error:
            failed_polls += 1
            if not is_transient_aws_error(error) or failed_polls >= MAX_FAILED_POLLS:
                raise
            _emit(out, f"{timestamp(None)} cannot ask Step Functions ({error}); trying again")
            clock.sleep(max(0.0, min(poll_seconds, deadline - clock.now())))
            continue
        failed_polls = 0
        for line in lines:
            _emit(out, line.render())
        now = clock.now()
        if lines:
            last_news = now
        if described["status"] not in RUNNING_STATES:
            return described
        if now >= deadline:
            return None
        if now - last_news >= heartbeat_seconds:
            _emit(out, f"{timestamp(None)} {progress.heartbeat(now - started)}")
            last_news = now
        clock.sleep(max(0.0, min(poll_seconds, deadline - now)))


def wait_and_finish(
    aws: Aws,
    targets: Targets,
    arn: str,
    *,
    workflow: str | None,
    waiting: Waiting,
    out: TextIO,
    err: TextIO,
) -> ExitCode:
    """Follow ``arn`` to its end, print the run report's summary; the execution's exit
    code, or 3 when waiting ended first."""
    progress = ExecutionProgress(workflow)
    timeout = waiting.timeout_for(workflow)
    stopped_by = None
    try:
        with sigterm_stops_waiting():
            described = follow_execution(
                aws.sfn,
                arn,
                progress,
                timeout=timeout,
                poll_seconds=waiting.poll_seconds,
                out=out,
                clock=waiting.clock,
            )
    except KeyboardInterrupt:
        described, stopped_by = None, "interrupted (Ctrl-C)"
    except StopWaiting:
        described, stopped_by = None, "stopped (SIGTERM)"
    except (ClientError, BotoCoreError) as error:
        print(f"ims-refresh: cannot follow {arn}: {aws_problem(error)}", file=err, flush=True)
        _emit(out, f"{timestamp(None)} the execution may still be running: {follow_hint(arn)}")
        return ExitCode.GAVE_UP_WAITING
    if described is None:
        why = stopped_by or f"no end within {timeout:g} s (--timeout)"
        _emit(
            out,
            f"{timestamp(None)} gave up waiting: {why}. The execution keeps running in AWS; "
            f"follow it with: {follow_hint(arn)}",
        )
        return ExitCode.GAVE_UP_WAITING
    ended = f"{timestamp(None)} execution {described['name']} ended {described['status']}"
    if described.get("error"):
        ended += f" ({described['error']})"
    _emit(out, ended)
    try:
        view = execution_view(aws, targets, described, progress, with_history=False)
    except (ClientError, BotoCoreError) as error:
        print(f"ims-refresh: cannot read the run report: {aws_problem(error)}", file=err)
    else:
        offer(view)
        print_execution_status(view, out, header=False)
        out.flush()
    return exit_code_for(described)


def exit_code_for(described: Mapping[str, Any]) -> ExitCode:
    status = described.get("status")
    if status == "SUCCEEDED":
        return ExitCode.SUCCESS
    if status in RUNNING_STATES:
        return ExitCode.GAVE_UP_WAITING
    if described.get("error") in bad_input_error_names():
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED
