"""The workflows' ASL files as the installed package holds them.

``statemachines/*.asl.json`` at the top of the repository is the one source of truth: the
CDK app reads it there, and ``src/ims_refresh/statemachines`` is a symbolic link to it, so
the wheel ships the very same files as package data of ``ims_refresh`` and the local
runtime reads them from the package (an installed CLI has no repository around it).
``tests/unit/test_packaging.py`` checks the link and the files in a built wheel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from training_refresh.registry import WORKFLOWS

PACKAGE_FOLDER = "statemachines"


def workflow_definition(workflow: str, substitutions: Mapping[str, str] | None = None) -> str:
    """The ASL text of ``workflow`` with every ``${Name}`` of ``substitutions`` replaced."""
    text = (files("ims_refresh") / PACKAGE_FOLDER / WORKFLOWS[workflow]).read_text("utf-8")
    for name, value in (substitutions or {}).items():
        text = text.replace("${" + name + "}", value)
    return text


def _tasks(states: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for nested in (state.get("ItemProcessor"), state.get("Iterator")):
            if nested:
                yield from _tasks(nested["States"])
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])


@cache
def retried_errors(workflow: str) -> Mapping[str, frozenset[str]]:
    """Task state name -> every error name its ``Retry`` matches, for ``workflow``."""
    definition = json.loads(workflow_definition(workflow))
    return {
        name: frozenset(e for retrier in task.get("Retry", []) for e in retrier["ErrorEquals"])
        for name, task in _tasks(definition["States"])
    }


def is_retried(error_name: str, workflow: str | None = None, state: str | None = None) -> bool:
    """Whether the ASL retries ``error_name`` in ``state`` of ``workflow`` (in any task of
    any workflow when either is unknown). Step Functions matches names exactly: a subclass
    of a retried error is not retried unless its own name is listed."""
    for name in [workflow] if workflow in WORKFLOWS else list(WORKFLOWS):
        retried = retried_errors(name)
        lists = [retried[state]] if state is not None and state in retried else retried.values()
        if any(error_name in names or "States.ALL" in names for names in lists):
            return True
    return False
