"""The registry is the one wiring table: its tasks, the ASL files and the handlers' messages
agree in both directions."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import typing
from pathlib import Path

from training_refresh.messages.results import TaskResult
from training_refresh.registry import HANDLERS, TASKS, WORKFLOWS, Access, profile_for

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"


def _placeholders(workflow: str) -> set[str]:
    text = (STATEMACHINES / WORKFLOWS[workflow]).read_text("utf-8")
    json.loads(text)
    return set(re.findall(r"\$\{(\w+)\}", text))


def test_every_asl_placeholder_is_a_task_of_that_workflow_and_every_task_is_used() -> None:
    for workflow in WORKFLOWS:
        tasks = {task.placeholder for task in TASKS if task.workflow == workflow}
        assert _placeholders(workflow) == tasks, workflow


def test_every_handler_exists_and_takes_injected_dependencies() -> None:
    for task in TASKS:
        module, _, name = task.handler.rpartition(".")
        handler = getattr(importlib.import_module(module), name)
        assert callable(handler), task.handler
        assert "dependencies" in inspect.signature(handler).parameters, task.handler
        assert HANDLERS[task.placeholder] == task.handler


def test_each_tasks_name_is_the_step_its_result_message_carries() -> None:
    # Given the result models of every task (the members of the TaskResult union)
    union = typing.get_args(typing.get_args(TaskResult)[0])
    steps = {model.model_fields["step"].default for model in union}
    # Then there is exactly one per task, named as the task
    assert len(steps) == len(union)
    assert steps == {task.name for task in TASKS}


def test_placeholders_are_derived_from_task_names() -> None:
    names = {task.name: task.placeholder for task in TASKS}
    assert names["plan-gold-load"] == "PlanGoldLoadFunctionArn"
    assert names["write-reset-report"] == "WriteResetReportFunctionArn"


def test_a_handler_the_registry_does_not_list_gets_the_widest_fallback() -> None:
    profile, listed = profile_for("training_refresh.handlers.brand_new.task")
    assert not listed
    assert profile.access == frozenset(Access)
    assert all(profile_for(task.handler) == (task.profile, True) for task in TASKS)
