"""What the stack builds, read from the Lambda package's registry and the ASL files.

``training_refresh.registry`` holds the wiring in one table: each task's handler, the
``${...}`` placeholder of the ASL files it stands behind, its workflow and its profile
(memory, timeout, and which AWS resources it may touch: least privilege per function).
The stack makes one Lambda per placeholder and one state machine per workflow from it and
the ASL files alone, so a new workflow (ASL file + registry entries) needs no stack change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from stacks.constants import STATEMACHINES_DIR
from training_refresh.registry import HANDLERS, WORKFLOWS

PLACEHOLDER: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Workflow:
    name: str
    asl_file: Path
    definition: str
    placeholders: tuple[str, ...]


class WorkflowDefinitionError(ValueError):
    """An ASL file and the registry do not fit together."""


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
                f"{path}: placeholder(s) {', '.join(unknown)} name no task of"
                " training_refresh/registry.py"
            )
        loaded.append(Workflow(name, path, definition, placeholders))
    return loaded
