"""TLS to RDS that can verify: the CA bundle is required, shipped in the asset, and named.

The real handshake (verification on, another CA or another host refused) is tested
against a MariaDB server of its own in tests/integration/test_mysql_tls.py.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

import pytest
from infra_support import cdk_context, functions_by_handler, props, synthesize_stacks

from stacks.bundling import LAMBDA_TASK_ROOT
from stacks.config import RDS_CA_BUNDLES_URL, StageConfigError, load_stages
from stacks.constants import PROJECT_ROOT
from stacks.training_refresh_stack import ca_bundle_path
from training_refresh.env_names import EnvName
from training_refresh.registry import Access, profile_for

CA_BUNDLE_ENV = EnvName.TRAINING_DB_CA_BUNDLE.value


def _dev() -> dict:
    return copy.deepcopy(cdk_context()["ims:stages"]["dev"])


def _uses_mysql(handler: str) -> bool:
    return Access.TRAINING_DB in profile_for(handler)[0].access


def test_tls_without_a_ca_bundle_is_refused_naming_the_stage_the_setting_and_the_source():
    # Given a stage with TLS on and no CA bundle
    dev = _dev()
    dev["training_db"].update(tls=True, ca_bundle_file=None)

    # When the stages are loaded, Then one message names the stage, both settings and
    # where AWS publishes the RDS bundles
    with pytest.raises(StageConfigError) as caught:
        load_stages({"dev": dev})
    message = str(caught.value)
    assert message.startswith("ims:stages.dev: training_db")
    assert "training_db.tls" in message
    assert "training_db.ca_bundle_file" in message
    assert RDS_CA_BUNDLES_URL in message
    assert "global-bundle.pem" in message


def test_without_tls_no_bundle_is_needed():
    # Given a stage that turns TLS off (e.g. a database reached through a tunnel)
    dev = _dev()
    dev["training_db"].update(tls=False, ca_bundle_file=None)

    # Then it loads
    assert load_stages({"dev": dev})["dev"].training_db.tls is False


def test_every_committed_stage_names_a_loadable_rds_bundle():
    for stage, settings in load_stages(cdk_context()["ims:stages"]).items():
        # Given a stage of cdk.json with TLS on
        assert settings.training_db.tls is True
        name = settings.training_db.ca_bundle_file
        assert name is not None

        # Then its bundle is a file of the project holding PEM CA certificates
        path = ca_bundle_path(stage, name)
        assert PROJECT_ROOT in path.parents
        assert path.read_text().count("-----BEGIN CERTIFICATE-----") > 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("<html>Access denied</html>\n", "holds no PEM CA certificate")],
)
def test_a_missing_or_unusable_bundle_fails_the_synth(
    tmp_path: Path, content: str | None, message: str
):
    # Given a bundle path that does not exist, or a file that is no PEM bundle
    target = tmp_path / "bundle.pem"
    if content is not None:
        target.write_text(content)

    # When the stack resolves it, Then the synth stops naming the stage and the setting
    with pytest.raises(StageConfigError, match=message) as caught:
        ca_bundle_path("dev", str(target))
    assert "ims:stages.dev.training_db.ca_bundle_file" in str(caught.value)


def test_every_mysql_function_of_every_stage_gets_the_bundle_path(synth):
    for stage, template in synth.templates.items():
        name = Path(cdk_context()["ims:stages"][stage]["training_db"]["ca_bundle_file"]).name
        for handler, logical_id in functions_by_handler(template).items():
            # Given a function's environment
            environment = props(template, logical_id)["Environment"]["Variables"]

            # Then every function that connects to MySQL verifies with the bundled file
            if _uses_mysql(handler):
                assert environment["IMS_TRAINING_DB_TLS"] == "true", handler
                assert environment[CA_BUNDLE_ENV] == f"{LAMBDA_TASK_ROOT}/certs/{name}", handler
            else:
                assert CA_BUNDLE_ENV not in environment, handler


def test_the_bundle_travels_in_the_asset_of_each_mysql_function(tmp_path: Path):
    # Given dev, bundled for real (a stand-in for pip: no wheels are downloaded)
    installed: list[Sequence[str]] = []
    synthesized = synthesize_stacks(
        {"dev": _dev()}, tmp_path / "cdk.out", pip_runner=installed.append
    )
    template = synthesized.templates["dev"]
    source = ca_bundle_path("dev", _dev()["training_db"]["ca_bundle_file"])
    assert len(installed) == 1  # one shared asset, bundled once

    mysql_functions = {h: i for h, i in functions_by_handler(template).items() if _uses_mysql(h)}
    assert mysql_functions
    for handler, logical_id in mysql_functions.items():
        # When the asset directory of the function's code is found
        properties = props(template, logical_id)
        asset = tmp_path / "cdk.out" / f"asset.{properties['Code']['S3Key'].removesuffix('.zip')}"

        # Then the file IMS_TRAINING_DB_CA_BUNDLE names is in it, byte for byte the
        # configured bundle, next to the handler's own module
        path = properties["Environment"]["Variables"][CA_BUNDLE_ENV]
        bundled = asset / Path(path).relative_to(LAMBDA_TASK_ROOT)
        assert bundled.read_bytes() == source.read_bytes(), handler
        module = handler.rpartition(".")[0].replace(".", "/") + ".py"
        assert (asset / module).is_file(), handler
