"""Local bundling without Docker: pip for Python 3.12 manylinux, then the Lambda package.

These tests run the bundler with a fake pip; ``make synth`` runs the real one.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from aws_cdk import DockerImage
from infra_support import Synthesized, functions_by_handler, props

from stacks.bundling import PipLocalBundling, ca_bundle_lambda_path, pip_arguments

IMAGE = DockerImage.from_registry("unused")


def _project(tmp_path: Path) -> tuple[Path, Path]:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("PyMySQL==1.2.4\n")
    package = tmp_path / "lambdas" / "training_refresh"
    (package / "handlers").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers" / "gold_load.py").write_text("def plan(event, context): ...\n")
    (package / "table_configs.json").write_text("{}")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    return requirements, tmp_path / "lambdas"


def test_pip_installs_binary_wheels_for_lambda_python_312(tmp_path: Path):
    # Given the pip command of the bundler
    command = pip_arguments(Path("requirements.txt"), tmp_path / "out")

    # Then it targets CPython 3.12 on manylinux x86_64, binary wheels only, into the asset
    joined = " ".join(command)
    assert "--platform manylinux2014_x86_64" in joined
    assert "--python-version 3.12" in joined
    assert "--implementation cp" in joined
    assert "--abi cp312" in joined
    assert "--only-binary=:all:" in command
    assert f"--target {tmp_path / 'out'}" in joined
    assert "--requirement requirements.txt" in joined
    assert "--no-compile" in command


def test_bundle_holds_dependencies_and_the_package_without_caches(tmp_path: Path):
    # Given a project and a pip that records what it was asked
    requirements, lambdas = _project(tmp_path)
    calls: list[Sequence[str]] = []

    def fake_pip(command: Sequence[str]) -> None:
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pymysql").mkdir(parents=True)

    bundler = PipLocalBundling(requirements=requirements, lambdas_dir=lambdas, runner=fake_pip)
    output = tmp_path / "asset"
    output.mkdir()

    # When the asset is bundled
    assert bundler.try_bundle(str(output), image=IMAGE) is True

    # Then pip installed requirements.txt into it, and the package sits beside it
    assert len(calls) == 1
    assert str(requirements) in calls[0]
    assert (output / "pymysql").is_dir()
    assert (output / "training_refresh" / "handlers" / "gold_load.py").is_file()
    assert (output / "training_refresh" / "table_configs.json").is_file()
    assert not (output / "training_refresh" / "__pycache__").exists()


def test_a_ca_bundle_is_copied_into_the_asset(tmp_path: Path):
    # Given a CA bundle file
    requirements, lambdas = _project(tmp_path)
    ca = tmp_path / "rds-global-bundle.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    bundler = PipLocalBundling(
        requirements=requirements, lambdas_dir=lambdas, ca_bundle=ca, runner=lambda _: None
    )
    output = tmp_path / "asset"
    output.mkdir()

    # When bundled, Then it lands where IMS_TRAINING_DB_CA_BUNDLE points
    bundler.try_bundle(str(output), image=IMAGE)
    assert (output / "certs" / "rds-global-bundle.pem").read_text().startswith("-----BEGIN")
    assert ca_bundle_lambda_path(ca) == "/var/task/certs/rds-global-bundle.pem"


def test_a_pip_failure_stops_the_synth_with_the_cause(tmp_path: Path):
    # Given a pip that fails (e.g. no wheel for the platform, or no network)
    requirements, lambdas = _project(tmp_path)

    def failing_pip(command: Sequence[str]) -> None:
        raise subprocess.CalledProcessError(1, list(command))

    bundler = PipLocalBundling(requirements=requirements, lambdas_dir=lambdas, runner=failing_pip)

    # When bundling, Then it raises (instead of falling back to Docker) naming what failed
    with pytest.raises(RuntimeError, match="local bundling failed: pip could not install"):
        bundler.try_bundle(str(tmp_path), image=IMAGE)


def test_the_asset_hash_follows_what_goes_into_the_bundle(tmp_path: Path):
    # Given a project's bundler and its fingerprint
    requirements, lambdas = _project(tmp_path)
    bundler = PipLocalBundling(requirements=requirements, lambdas_dir=lambdas)
    first = bundler.fingerprint()

    # Then the fingerprint is stable, ignores bytecode caches ...
    (lambdas / "training_refresh" / "__pycache__" / "y.pyc").write_bytes(b"\1")
    assert bundler.fingerprint() == first
    # ... and changes with the requirements and with the code (so the cached bundle in
    # cdk.out is reused exactly while neither changed)
    requirements.write_text("PyMySQL==1.2.5\n")
    second = bundler.fingerprint()
    assert second != first
    (lambdas / "training_refresh" / "handlers" / "gold_load.py").write_text("# changed\n")
    assert bundler.fingerprint() not in {first, second}


def test_all_functions_share_one_code_asset(synth: Synthesized):
    # Given the functions of a stage, Then they use one asset (bundled once per synth)
    template = synth.templates["dev"]
    keys = {
        props(template, logical_id)["Code"]["S3Key"]
        for logical_id in functions_by_handler(template).values()
    }
    assert len(keys) == 1
