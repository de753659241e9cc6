"""Lambda code asset built without Docker: pip-installed pinned dependencies + our package.

``PipLocalBundling`` is CDK local bundling (``ILocalBundling``): pip installs
requirements.txt for the Lambda platform (CPython 3.12, manylinux2014 x86_64, binary wheels
only, so nothing is compiled here and the result does not depend on this machine) into the
asset directory, then copies ``lambdas/training_refresh`` (and the optional RDS CA bundle).

Caching: the asset hash is computed here from everything that goes into the bundle
(requirements.txt, the package's files, the CA bundle and the pip arguments). CDK names the
bundle directory after that hash and skips bundling when ``cdk.out`` already holds it, so a
repeated synth with unchanged inputs costs nothing; pip's own download cache makes a
rebuild after a code change quick.

Tests skip bundling with CDK's own ``aws:cdk:bundling-stacks`` context (an empty list):
the asset is then the ``lambdas/`` source directory itself, with the same hash.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from stacks.constants import LAMBDA_PACKAGE, LAMBDAS_DIR, REQUIREMENTS_FILE

BUNDLER_VERSION: Final = "1"
"""Bump to rebuild every cached bundle after changing how bundles are made."""

PYTHON_VERSION: Final = "3.12"
PLATFORM: Final = "manylinux2014_x86_64"
RUNTIME: Final = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE: Final = lambda_.Architecture.X86_64
CA_BUNDLE_DIR: Final = "certs"
LAMBDA_TASK_ROOT: Final = "/var/task"
EXCLUDED: Final = ("**/__pycache__", "**/*.pyc", "**/.DS_Store")

Runner = Callable[[Sequence[str]], None]


def pip_arguments(requirements: Path, target: Path) -> list[str]:
    """The pip command that installs the Lambda dependencies into ``target``."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--no-compile",  # .pyc of this interpreter would be useless to Python 3.12
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--abi",
        "cp" + PYTHON_VERSION.replace(".", ""),
        "--only-binary=:all:",
        "--target",
        str(target),
        "--requirement",
        str(requirements),
    ]


def _run(command: Sequence[str]) -> None:
    subprocess.run(list(command), check=True)  # noqa: S603 - fixed argv, no shell


def _package_files(package_dir: Path) -> list[Path]:
    return sorted(
        path
        for path in package_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


@jsii.implements(ILocalBundling)
class PipLocalBundling:
    """Bundles the Lambda asset on this machine (no Docker)."""

    def __init__(
        self,
        *,
        requirements: Path = REQUIREMENTS_FILE,
        lambdas_dir: Path = LAMBDAS_DIR,
        ca_bundle: Path | None = None,
        runner: Runner = _run,
    ) -> None:
        self.requirements = requirements
        self.package_dir = lambdas_dir / LAMBDA_PACKAGE
        self.ca_bundle = ca_bundle
        self._runner = runner

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        output = Path(output_dir)
        try:
            self._runner(pip_arguments(self.requirements, output))
        except (OSError, subprocess.CalledProcessError) as error:
            # Returning False would make CDK try Docker, which this project does not use:
            # fail with the real cause instead.
            raise RuntimeError(
                f"local bundling failed: pip could not install {self.requirements} for"
                f" Python {PYTHON_VERSION} ({PLATFORM}): {error}"
            ) from error
        shutil.copytree(
            self.package_dir,
            output / LAMBDA_PACKAGE,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store"),
            dirs_exist_ok=True,
        )
        if self.ca_bundle is not None:
            (output / CA_BUNDLE_DIR).mkdir(exist_ok=True)
            shutil.copyfile(self.ca_bundle, output / CA_BUNDLE_DIR / self.ca_bundle.name)
        return True

    def fingerprint(self) -> str:
        """A hash of everything that goes into the bundle."""
        digest = hashlib.sha256()
        digest.update(f"bundler={BUNDLER_VERSION}\n".encode())
        digest.update(" ".join(pip_arguments(Path("REQ"), Path("OUT"))[1:]).encode())
        inputs = [("requirements.txt", self.requirements)]
        inputs += [
            (f"{LAMBDA_PACKAGE}/{path.relative_to(self.package_dir).as_posix()}", path)
            for path in _package_files(self.package_dir)
        ]
        if self.ca_bundle is not None:
            inputs.append((f"{CA_BUNDLE_DIR}/{self.ca_bundle.name}", self.ca_bundle))
        for name, path in inputs:
            digest.update(f"\0{name}\0".encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def ca_bundle_lambda_path(ca_bundle: Path) -> str:
    """Where the bundled CA file lands inside the Lambda."""
    return f"{LAMBDA_TASK_ROOT}/{CA_BUNDLE_DIR}/{ca_bundle.name}"


def lambda_code(ca_bundle: Path | None = None, *, runner: Runner | None = None) -> lambda_.Code:
    """The code asset shared by every function of a stack (``runner`` replaces the pip run,
    for tests that bundle for real without downloading wheels)."""
    bundler = PipLocalBundling(ca_bundle=ca_bundle, runner=runner or _run)
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        asset_hash=bundler.fingerprint(),
        asset_hash_type=AssetHashType.CUSTOM,
        exclude=list(EXCLUDED),
        bundling=BundlingOptions(
            image=RUNTIME.bundling_image,
            local=bundler,
            # Only used if local bundling declined, which it never does (it raises).
            command=[
                "bash",
                "-c",
                "echo 'this project bundles locally, not in Docker' >&2; exit 1",
            ],
        ),
    )
