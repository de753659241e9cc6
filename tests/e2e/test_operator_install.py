"""The operator CLI installs on its own: a wheel built from this tree, installed without
extras into a fresh virtual environment (no moto, no psycopg, no Powertools), runs the
operator commands; a local command says which extra it needs.

The venv's packages come from PyPI (through pip's cache when it has them), constrained to
the pins of requirements.txt, exactly as docs/deploy.md's install line does on the
Automic host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("pyproject.toml", "README.md", "lambdas", "src", "statemachines")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("operator-install")]


def _run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def operator_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bin/`` of a fresh venv holding the wheel and its declared dependencies only."""
    base = tmp_path_factory.mktemp("operator-install")
    # Given a clean copy of the sources (no build/ leftovers), links kept as links
    source = base / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, source / name)
    # When a wheel is built from it and installed without extras into a fresh venv
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            base / "dist",
            source,
        ]
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (base / "dist").glob("ims_training_refresh-*.whl")
    # pip's constraints take no extras: the pins of requirements.txt without them
    constraints = base / "constraints.txt"
    pins = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    constraints.write_text("\n".join(re.sub(r"\[[^\]]*\]", "", pin) for pin in pins), "utf-8")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    installed = _run(
        [
            bin_dir / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            wheel,
            "-c",
            constraints,
        ]
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return bin_dir


def _clean_environment(home: Path) -> dict[str, str]:
    """Only a region: no credentials, no AWS config, no instance metadata to ask."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def test_the_local_extra_is_not_installed(operator_venv: Path) -> None:
    for module in ("moto", "psycopg", "aws_lambda_powertools"):
        probe = _run([operator_venv / "python", "-c", f"import {module}"])
        assert probe.returncode != 0, f"{module} is installed without the [local] extra"


@pytest.mark.parametrize(
    "argv", [["--version"], ["start", "--help"], ["status", "--help"], ["runs", "--help"]]
)
def test_the_operator_commands_run_from_the_wheel(
    operator_venv: Path, tmp_path: Path, argv: list[str]
) -> None:
    completed = _run([operator_venv / "ims-refresh", *argv], env=_clean_environment(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    expected = "ims-refresh 0.1.0" if argv == ["--version"] else "usage: ims-refresh"
    assert completed.stdout.startswith(expected)


def test_start_without_credentials_fails_in_one_line(operator_venv: Path, tmp_path: Path) -> None:
    # Given AWS_REGION and nothing else (the runbook's set-up before credentials exist)
    # When a reset of the prod stage is started
    completed = _run(
        [operator_venv / "ims-refresh", "start", "reset", "--stage", "prod"],
        env=_clean_environment(tmp_path),
    )
    # Then it fails with one line saying what is missing, no traceback, and nothing on stdout
    assert completed.returncode in {1, 2}
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert "credentials" in lines[0]
    assert "Traceback" not in completed.stderr


def test_a_local_command_names_the_extra_it_needs(operator_venv: Path, tmp_path: Path) -> None:
    completed = _run(
        [operator_venv / "ims-refresh", "run", "reset"], env=_clean_environment(tmp_path)
    )
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert "pip install 'ims-training-refresh[local]'" in completed.stderr


def test_the_wheel_ships_the_asl_files_and_finds_them(operator_venv: Path) -> None:
    # The local runtime reads its ASL from the installed package, not from a repository
    for workflow, file_name in (("gold-load", "gold_load.asl.json"), ("reset", "reset.asl.json")):
        probe = _run(
            [
                operator_venv / "python",
                "-c",
                "from ims_refresh.asl_files import workflow_definition\n"
                f"print(workflow_definition({workflow!r}), end='')",
            ],
            cwd="/",
        )
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout == (ROOT / "statemachines" / file_name).read_text("utf-8")
