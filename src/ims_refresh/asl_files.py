"""The workflows' ASL files as the installed package holds them.

``statemachines/*.asl.json`` at the top of the repository is the one source of truth: the
CDK app reads it there, and ``src/ims_refresh/statemachines`` is a symbolic link to it, so
the wheel ships the very same files as package data of ``ims_refresh`` and the local
runtime reads them from the package (an installed CLI has no repository around it).
``tests/unit/test_packaging.py`` checks the link and the files in a built wheel.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files

from training_refresh.registry import WORKFLOWS

PACKAGE_FOLDER = "statemachines"


def workflow_definition(workflow: str, substitutions: Mapping[str, str] | None = None) -> str:
    """The ASL text of ``workflow`` with every ``${Name}`` of ``substitutions`` replaced."""
    text = (files("ims_refresh") / PACKAGE_FOLDER / WORKFLOWS[workflow]).read_text("utf-8")
    for name, value in (substitutions or {}).items():
        text = text.replace("${" + name + "}", value)
    return text
