"""The wiring of both workflows in one table: which task is which handler, behind which
``${...Arn}`` placeholder of which ASL file, with what memory, timeout and access.

Every other view is derived from :data:`TASKS`: the stack makes one Lambda per task and one
state machine per workflow, the local runtime routes each placeholder to its handler in
process, and the tests check the ASL files and the handlers' messages against it. A task's
``name`` is also the ``step`` field of the message its handler returns (``messages``), so
progress and reports recognise a result by name, not by the keys it happens to hold.

Adding a task: write the handler, add one :class:`Task` here, use its placeholder in the ASL
file. This module imports nothing from the project, so the stack can read it without
loading the Lambda runtime.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class Access(enum.Enum):
    """What a function may touch. The stack turns each into policy statements and the
    environment variables that locate the resource."""

    SCENARIOS = "read scenario files under the configured prefix of the scenario bucket"
    WAREHOUSE = "run statements on the Redshift target through the Data API"
    TRAINING_DB = "read the training database secret"
    WRITE_WORK_FILES = "write a run's work files (work/) in the reports bucket"
    READ_WORK_FILES = "read a run's work files (work/) in the reports bucket"
    WRITE_REPORTS = "write run reports (reports/) in the reports bucket"
    WRITE_GOLD_CATALOG = "write the gold catalog file (gold/catalog.json) in the reports bucket"


ALL_ACCESS: Final = frozenset(Access)
RUN_FILE_ACCESS: Final = frozenset(
    {
        Access.WRITE_WORK_FILES,
        Access.READ_WORK_FILES,
        Access.WRITE_REPORTS,
        Access.WRITE_GOLD_CATALOG,
    }
)
"""Each of these also tells the function its bucket (``IMS_WORK_BUCKET``)."""


@dataclass(frozen=True)
class FunctionProfile:
    memory_mb: int
    timeout_seconds: int
    access: frozenset[Access]
    why: str


@dataclass(frozen=True)
class Task:
    """One Lambda task of a workflow."""

    name: str
    """Kebab-case; the ``step`` of the handler's result message."""
    workflow: str
    handler: str
    """``module.function`` of the Lambda handler."""
    profile: FunctionProfile

    @property
    def placeholder(self) -> str:
        """``${...}`` name in the ASL file: ``plan-gold-load`` -> ``PlanGoldLoadFunctionArn``."""
        return "".join(part.capitalize() for part in self.name.split("-")) + "FunctionArn"


GOLD_LOAD: Final = "gold-load"
RESET: Final = "reset"
GOLD_UNDO: Final = "gold-undo"
GOLD_REMOVE: Final = "gold-remove"
RESET_STAGE: Final = "reset-stage"

WORKFLOWS: Final[Mapping[str, str]] = MappingProxyType(
    {
        GOLD_LOAD: "gold_load.asl.json",
        RESET: "reset.asl.json",
        GOLD_UNDO: "gold_undo.asl.json",
        GOLD_REMOVE: "gold_remove.asl.json",
        RESET_STAGE: "reset_stage.asl.json",
    }
)
"""Workflow name -> its ASL file in ``statemachines/``."""

_RESET_DB_TASK: Final = (
    " inside MySQL (INSERT ... SELECT, RENAME): the Lambda mostly waits on the database, so"
    " 512 MB (a quick cold start) and the 15-minute maximum"
)

_REPORT_PROFILE: Final = FunctionProfile(
    memory_mb=256,
    timeout_seconds=120,
    access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
    why="writes the run report to S3 and releases the lease: small and quick",
)

TASKS: Final[tuple[Task, ...]] = (
    Task(
        name="plan-gold-load",
        workflow=GOLD_LOAD,
        handler="training_refresh.handlers.gold_load.plan",
        profile=FunctionProfile(
            memory_mb=1024,
            timeout_seconds=900,
            # writes the customers it found to work/ (the scenario file is read by SCENARIOS)
            access=frozenset(
                {Access.SCENARIOS, Access.WAREHOUSE, Access.TRAINING_DB, Access.WRITE_WORK_FILES}
            ),
            why=(
                "takes the gold-load lease, parses a scenario file of up to 20 MB and checks"
                " every customer against the warehouse, 1,000 per Data API statement (each may"
                " wait up to 10 minutes on a busy cluster): the 15-minute maximum, and 1 GB"
                " for the parse"
            ),
        ),
    ),
    Task(
        name="load-config",
        workflow=GOLD_LOAD,
        handler="training_refresh.handlers.gold_load.load",
        profile=FunctionProfile(
            memory_mb=1024,
            timeout_seconds=900,
            # reads the planned customers from work/, writes nothing to S3
            access=frozenset({Access.WAREHOUSE, Access.TRAINING_DB, Access.READ_WORK_FILES}),
            why=(
                "extracts, anonymizes and merges customer chunks until its remaining time runs"
                " low (it keeps a 60 s margin and returns next_chunk), so the timeout is the"
                " 15-minute maximum and is never the normal way out; 1 GB for the row batches"
                " and the CPU share anonymization needs"
            ),
        ),
    ),
    Task(
        name="publish-gold-load",
        workflow=GOLD_LOAD,
        handler="training_refresh.handlers.gold_load.publish",
        profile=FunctionProfile(
            memory_mb=256,
            timeout_seconds=300,
            access=frozenset(
                {Access.TRAINING_DB, Access.READ_WORK_FILES, Access.WRITE_GOLD_CATALOG}
            ),
            why=(
                "publishes the loaded configs' build tables and the catalog with one RENAME"
                " inside MySQL (it waits at most 5 x 2 s for readers of the gold copies, then"
                " drops version tables no kept state needs) and writes the catalog file:"
                " little memory, minutes at most"
            ),
        ),
    ),
    Task(
        name="write-gold-load-report",
        workflow=GOLD_LOAD,
        handler="training_refresh.handlers.gold_load.report",
        profile=FunctionProfile(
            memory_mb=256,
            timeout_seconds=120,
            access=frozenset({Access.TRAINING_DB, Access.READ_WORK_FILES, Access.WRITE_REPORTS}),
            why=(
                "summarizes the state into one JSON report in S3 (with every missing customer,"
                " from the plan's work file) and releases the gold-load lease: small and quick"
            ),
        ),
    ),
    Task(
        name="prepare-reset",
        workflow=RESET,
        handler="training_refresh.handlers.reset.prepare",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.TRAINING_DB}),
            why="takes the reset lease (waiting up to 5 min for a gold load) and checks tables"
            + _RESET_DB_TASK,
        ),
    ),
    Task(
        name="copy-reset-table",
        workflow=RESET,
        handler="training_refresh.handlers.reset.copy",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.TRAINING_DB}),
            why="copies one gold table into its staging table" + _RESET_DB_TASK,
        ),
    ),
    Task(
        name="swap-reset-tables",
        workflow=RESET,
        handler="training_refresh.handlers.reset.swap",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.TRAINING_DB}),
            why="swaps every training table in one RENAME, retrying on lock waits" + _RESET_DB_TASK,
        ),
    ),
    Task(
        name="write-reset-report",
        workflow=RESET,
        handler="training_refresh.handlers.reset.report",
        profile=FunctionProfile(
            memory_mb=256,
            timeout_seconds=120,
            access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
            why="writes the run report to S3 and releases the reset lease: small and quick",
        ),
    ),
    Task(
        name="restore-customers",
        workflow=RESET,
        handler="training_refresh.handlers.restore.restore",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.SCENARIOS, Access.TRAINING_DB}),
            why=(
                "reads the customers' scenario file, takes the reset lease (waiting up to 5 min"
                " for a gold load) and restores their rows in one transaction"
            )
            + _RESET_DB_TASK,
        ),
    ),
    Task(
        name="write-restore-report",
        workflow=RESET,
        handler="training_refresh.handlers.restore.report",
        profile=FunctionProfile(
            memory_mb=256,
            timeout_seconds=120,
            access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
            why="writes the restore's run report to S3 and releases the reset lease: small",
        ),
    ),
    Task(
        name="stage-reset-copies",
        workflow=RESET_STAGE,
        handler="training_refresh.handlers.reset_stage.stage",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
            why=(
                "copies every gold table into its staged copy for the next reset, one after"
                " the other" + _RESET_DB_TASK + " (the sum of all copies must fit: reset.md)"
            ),
        ),
    ),
    Task(
        name="undo-gold",
        workflow=GOLD_UNDO,
        handler="training_refresh.handlers.gold_undo.undo",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.TRAINING_DB, Access.WRITE_GOLD_CATALOG}),
            why=(
                "takes the lease (waiting up to 5 min for a reset) and publishes the previous"
                " gold state by one RENAME, which copies nothing: 512 MB; the 15-minute"
                " maximum covers the lease wait plus the RENAME's retries"
            ),
        ),
    ),
    Task(
        name="write-gold-undo-report",
        workflow=GOLD_UNDO,
        handler="training_refresh.handlers.gold_undo.report",
        profile=_REPORT_PROFILE,
    ),
    Task(
        name="remove-gold-customers",
        workflow=GOLD_REMOVE,
        handler="training_refresh.handlers.gold_remove.remove",
        profile=FunctionProfile(
            memory_mb=512,
            timeout_seconds=900,
            access=frozenset({Access.SCENARIOS, Access.TRAINING_DB, Access.WRITE_GOLD_CATALOG}),
            why=(
                "reads a scenario file of up to 20 MB, takes the lease (waiting up to 5 min"
                " for a reset) and builds a copy of every gold table without those customers"
                " inside MySQL (INSERT ... SELECT), published by one RENAME: the Lambda mostly"
                " waits on the database, so 512 MB and the 15-minute maximum"
            ),
        ),
    ),
    Task(
        name="write-gold-remove-report",
        workflow=GOLD_REMOVE,
        handler="training_refresh.handlers.gold_remove.report",
        profile=_REPORT_PROFILE,
    ),
)

HANDLERS: Final[Mapping[str, str]] = MappingProxyType({t.placeholder: t.handler for t in TASKS})
"""ASL placeholder -> handler, derived from :data:`TASKS`."""

FALLBACK_PROFILE: Final = FunctionProfile(
    memory_mb=1024,
    timeout_seconds=900,
    access=ALL_ACCESS,
    why=(
        "handler not yet listed in training_refresh/registry.py: it gets the widest set the"
        " stack grants until someone lists what it needs (the synth prints a note)"
    ),
)

_TASK_NAME: Final = re.compile(r"[a-z]+(-[a-z]+)*")


def profile_for(handler: str) -> tuple[FunctionProfile, bool]:
    """The profile of a handler and whether the registry lists it (False: the fallback,
    for a handler given to the stack that no task names yet)."""
    for task in TASKS:
        if task.handler == handler:
            return task.profile, True
    return FALLBACK_PROFILE, False


def _check(tasks: tuple[Task, ...]) -> None:
    """Names unique and kebab-case, one handler per task, workflows known."""
    names = [t.name for t in tasks]
    handlers = [t.handler for t in tasks]
    problems = [f"task name {n!r} is not kebab-case" for n in names if not _TASK_NAME.fullmatch(n)]
    problems += [f"task {n!r} listed twice" for n in set(names) if names.count(n) > 1]
    problems += [f"handler {h!r} listed twice" for h in set(handlers) if handlers.count(h) > 1]
    problems += [
        f"{t.name}: unknown workflow {t.workflow!r}" for t in tasks if t.workflow not in WORKFLOWS
    ]
    if problems:
        raise ValueError("training_refresh/registry.py: " + "; ".join(problems))


_check(TASKS)
