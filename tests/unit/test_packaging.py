"""The package that installs: pins in step, the ASL files shipped from their one source,
the operator half free of the local half, the botocore router installed only when asked.
(Building and installing the wheel for real: tests/e2e/test_operator_install.py.)"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ims_refresh.asl_files import PACKAGE_FOLDER, workflow_definition
from training_refresh.registry import WORKFLOWS

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?P<extras>\[[^\]]*\])?==(?P<version>\S+)")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(*files: str) -> dict[str, str]:
    """Normalized name -> the whole requirement (extras and version) of requirements files."""
    pins: dict[str, str] = {}
    for file_name in files:
        for line in (ROOT / file_name).read_text("utf-8").splitlines():
            match = REQUIREMENT.match(line.strip())
            if match:
                pins[_normalized(match["name"])] = f"{match['extras'] or ''}=={match['version']}"
    return pins


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [*project["dependencies"], *(r for group in extras.values() for r in group)]


def test_every_declared_dependency_is_pinned_as_in_the_requirements_files() -> None:
    # Given the pins of the Lambda bundle and of the development environment
    pins = _pins("requirements.txt", "requirements-dev.txt")
    declared = _declared()
    assert declared
    for requirement in declared:
        # Then each of pyproject's dependencies is an exact pin equal to its requirements line
        match = REQUIREMENT.match(requirement)
        assert match is not None, f"{requirement}: pin it exactly (name==version)"
        name = _normalized(match["name"])
        assert pins.get(name) == f"{match['extras'] or ''}=={match['version']}", requirement


def test_the_base_install_leaves_out_moto_psycopg_and_powertools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    base = {_normalized(REQUIREMENT.match(r)["name"]) for r in project["dependencies"]}  # type: ignore[index]
    assert "boto3" in base
    assert not base & {"moto", "psycopg", "aws-lambda-powertools"}
    local = {
        _normalized(REQUIREMENT.match(r)["name"]) for r in project["optional-dependencies"]["local"]
    }  # type: ignore[index]
    assert {"moto", "psycopg", "aws-lambda-powertools"} <= local


def test_the_packaged_asl_files_are_the_repositorys_own() -> None:
    # Given the package's statemachines folder: a link to the one source of truth
    folder = ROOT / "src" / "ims_refresh" / PACKAGE_FOLDER
    assert folder.is_symlink(), "keep src/ims_refresh/statemachines a link, never a copy"
    assert folder.resolve() == (ROOT / "statemachines").resolve()
    # Then the runtime reads exactly the files the CDK app reads
    for workflow, file_name in WORKFLOWS.items():
        assert workflow_definition(workflow) == (ROOT / "statemachines" / file_name).read_text(
            "utf-8"
        )
    assert (
        workflow_definition("reset", {"SwapResetTablesFunctionArn": "arn:x"}).count(
            "${SwapResetTablesFunctionArn}"
        )
        == 0
    )


def _imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(completed.stdout.split())


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["start", "gold-load", "--help"], ["status", "--help"], ["runs", "--help"]],
)
def test_the_operator_commands_never_import_the_local_half(argv: list[str]) -> None:
    code = (
        "from ims_refresh.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})\n"
        "import ims_refresh.aws.start, ims_refresh.aws.inspect"
    )
    modules = _imported_after(code)
    assert "ims_refresh.aws.start" in modules
    local = {m for m in modules if m.split(".")[0] in {"moto", "psycopg", "aws_lambda_powertools"}}
    local |= {
        m for m in modules if m.startswith(("ims_refresh.local", "training_refresh.handlers"))
    }
    assert local == set()


def test_the_botocore_router_is_installed_by_a_local_runtime_not_by_an_import() -> None:
    modules = _imported_after(
        "import botocore.handlers\n"
        "from ims_refresh.local import routing, runtime\n"
        "names = [getattr(h[1], '__name__', '') for h in botocore.handlers.BUILTIN_HANDLERS]\n"
        "assert '_answer_locally' not in names, 'installed at import'\n"
        "routing.install(); routing.install()\n"
        "names = [getattr(h[1], '__name__', '') for h in botocore.handlers.BUILTIN_HANDLERS]\n"
        "assert names.count('_answer_locally') == 1, names"
    )
    assert "ims_refresh.local.routing" in modules
