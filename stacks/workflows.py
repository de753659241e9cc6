"""What the stack builds, read from the Lambda package's own tables and the ASL files.

``training_refresh.functions.HANDLERS`` maps each ``${...}`` placeholder of the ASL files
to the handler behind it, and ``WORKFLOWS`` maps workflow names to ASL files. The stack
makes one Lambda per placeholder and one state machine per workflow from these alone, so
a new workflow (ASL file + table entries) needs no stack change.

``FUNCTION_PROFILES`` is the one place that knows what each handler does: its memory,
timeout and which AWS resources it may touch (least privilege per function).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from stacks.constants import STATEMACHINES_DIR
from training_refresh.functions import HANDLERS, WORKFLOWS

PLACEHOLDER: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class Access(enum.Enum):
    """What a function may touch. Each maps to policy statements in the stack."""

    SCENARIOS = "read scenario files under the configured prefix of the scenario bucket"
    WAREHOUSE = "run statements on the Redshift target through the Data API"
    TRAINING_DB = "read the training database secret"
    WRITE_WORK_FILES = "write a run's work files (work/) in the reports bucket"
    READ_WORK_FILES = "read a run's work files (work/) in the reports bucket"
    WRITE_REPORTS = "write run reports (reports/) in the reports bucket"


ALL_ACCESS: Final = frozenset(Access)
RUN_FILE_ACCESS: Final = frozenset(
    {Access.WRITE_WORK_FILES, Access.READ_WORK_FILES, Access.WRITE_REPORTS}
)
"""Each of these also tells the function its bucket (``IMS_WORK_BUCKET``)."""


@dataclass(frozen=True)
class FunctionProfile:
    memory_mb: int
    timeout_seconds: int
    access: frozenset[Access]
    why: str


_RESET_DB_TASK: Final = (
    " inside MySQL (INSERT ... SELECT, RENAME): the Lambda mostly waits on the database, so"
    " 512 MB (a quick cold start) and the 15-minute maximum"
)

FUNCTION_PROFILES: Final[dict[str, FunctionProfile]] = {
    "training_refresh.handlers.gold_load.plan": FunctionProfile(
        memory_mb=1024,
        timeout_seconds=900,
        # writes the customers it found to work/ (the scenario file is read by SCENARIOS)
        access=frozenset(
            {Access.SCENARIOS, Access.WAREHOUSE, Access.TRAINING_DB, Access.WRITE_WORK_FILES}
        ),
        why=(
            "takes the gold-load lease, parses a scenario file of up to 20 MB and checks every"
            " customer against the warehouse, 1,000 per Data API statement (each may wait up"
            " to 10 minutes on a busy cluster): the 15-minute maximum, and 1 GB for the parse"
        ),
    ),
    "training_refresh.handlers.gold_load.load": FunctionProfile(
        memory_mb=1024,
        timeout_seconds=900,
        # reads the planned customers from work/, writes nothing to S3
        access=frozenset({Access.WAREHOUSE, Access.TRAINING_DB, Access.READ_WORK_FILES}),
        why=(
            "extracts, anonymizes and merges customer chunks until its remaining time runs"
            " low (it keeps a 60 s margin and returns next_chunk), so the timeout is the"
            " 15-minute maximum and is never the normal way out; 1 GB for the row batches and"
            " the CPU share anonymization needs"
        ),
    ),
    "training_refresh.handlers.gold_load.report": FunctionProfile(
        memory_mb=256,
        timeout_seconds=120,
        access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
        why=(
            "summarizes the state into one JSON report in S3 and releases the gold-load"
            " lease: small and quick"
        ),
    ),
    "training_refresh.handlers.reset.prepare": FunctionProfile(
        memory_mb=512,
        timeout_seconds=900,
        access=frozenset({Access.TRAINING_DB}),
        why="takes the reset lease (waiting up to 5 min for a gold load) and checks tables"
        + _RESET_DB_TASK,
    ),
    "training_refresh.handlers.reset.copy": FunctionProfile(
        memory_mb=512,
        timeout_seconds=900,
        access=frozenset({Access.TRAINING_DB}),
        why="copies one gold table into its staging table" + _RESET_DB_TASK,
    ),
    "training_refresh.handlers.reset.swap": FunctionProfile(
        memory_mb=512,
        timeout_seconds=900,
        access=frozenset({Access.TRAINING_DB}),
        why="swaps every training table in one RENAME, retrying on lock waits" + _RESET_DB_TASK,
    ),
    "training_refresh.handlers.reset.report": FunctionProfile(
        memory_mb=256,
        timeout_seconds=120,
        access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
        why="writes the run report to S3 and releases the reset lease: small and quick",
    ),
}
"""Profiles by handler (``module.function``)."""

MODULE_PROFILES: Final[dict[str, FunctionProfile]] = {
    "training_refresh.handlers.reset": FunctionProfile(
        memory_mb=512,
        timeout_seconds=900,
        access=frozenset({Access.TRAINING_DB, Access.WRITE_REPORTS}),
        why="a reset task" + _RESET_DB_TASK,
    ),
}
"""Profiles for every handler of a module that has no entry of its own."""

FALLBACK_PROFILE: Final = FunctionProfile(
    memory_mb=1024,
    timeout_seconds=900,
    access=ALL_ACCESS,
    why=(
        "handler not yet listed in stacks/workflows.py: it gets the widest set this stack"
        " grants until someone lists what it needs (the synth prints a warning)"
    ),
)


def profile_for(handler: str) -> tuple[FunctionProfile, bool]:
    """The profile of a handler path and whether it was listed (False: the fallback)."""
    if handler in FUNCTION_PROFILES:
        return FUNCTION_PROFILES[handler], True
    module = handler.rpartition(".")[0]
    if module in MODULE_PROFILES:
        return MODULE_PROFILES[module], True
    return FALLBACK_PROFILE, False


@dataclass(frozen=True)
class Workflow:
    name: str
    asl_file: Path
    definition: str
    placeholders: tuple[str, ...]


class WorkflowDefinitionError(ValueError):
    """An ASL file and the HANDLERS table do not fit together."""


def placeholders_in(definition: str) -> tuple[str, ...]:
    """The distinct ``${Name}`` placeholders of an ASL text, in order of first use."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(definition)))


def load_workflows(
    workflows: Mapping[str, str] = WORKFLOWS,
    handlers: Mapping[str, str] = HANDLERS,
    directory: Path = STATEMACHINES_DIR,
) -> list[Workflow]:
    """Every workflow with its ASL text; refuses placeholders that name no handler."""
    loaded: list[Workflow] = []
    for name, file_name in workflows.items():
        path = directory / file_name
        definition = path.read_text(encoding="utf-8")
        try:
            json.loads(definition)
        except json.JSONDecodeError as error:
            raise WorkflowDefinitionError(f"{path}: not valid JSON ({error})") from None
        placeholders = placeholders_in(definition)
        unknown = [p for p in placeholders if p not in handlers]
        if unknown:
            raise WorkflowDefinitionError(
                f"{path}: placeholder(s) {', '.join(unknown)} have no entry in"
                " training_refresh.functions.HANDLERS"
            )
        loaded.append(Workflow(name, path, definition, placeholders))
    return loaded
