"""One Python 3.12 Lambda per handler, in the private subnets, with its own log group."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest
from infra_support import (
    Synthesized,
    cdk_context,
    functions_by_handler,
    props,
    resources,
    retained_name,
)

from stacks import constants
from stacks.config import StageConfigError, load_stages
from stacks.constants import function_base_name
from training_refresh.registry import HANDLERS, RUN_FILE_ACCESS, TASKS, Access, profile_for

RUN_FILES = "some run-file access"
DEPENDENCY_ACCESS: dict[str, set[Access] | str] = {
    "object_store": RUN_FILES,
    "warehouse": {Access.WAREHOUSE},
    "connect_mysql": {Access.TRAINING_DB},
    "training_database": {Access.TRAINING_DB},  # the settings and secret connect_mysql reads
    "table_groups": set(),
    "today": set(),
    "on_step": set(),
}
"""What each adapter of training_refresh.handlers.dependencies.Dependencies needs from AWS
(RUN_FILES: one of the run-file accesses; which one follows the code paths, tested in
test_stack_iam.py)."""
SETTINGS_ACCESS: dict[str, set[Access] | str] = {
    "WorkFilesSettings": RUN_FILES,
    "DataApiSettings": {Access.WAREHOUSE},
    "TrainingDbSettings": {Access.TRAINING_DB},
    "GoldLoadSettings": set(),
    "LeaseSettings": set(),
    "ResetSettings": set(),
    "SwapSettings": set(),  # a plain model the swap handler fills from ResetSettings
}
"""What the variables of each settings model (training_refresh.settings) locate."""


def test_every_handler_is_one_function_named_after_its_stage(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given the functions of a stage, by handler
        functions = functions_by_handler(template)

        # Then there is exactly one per HANDLERS entry
        assert set(functions) == set(HANDLERS.values())
        for placeholder, handler in HANDLERS.items():
            properties = props(template, functions[handler])
            # And its name carries the stage, like the old env- prefixes
            assert properties["FunctionName"] == (
                f"{stage}-ImsTraining-{function_base_name(placeholder)}"
            )


def test_functions_run_python_312_in_the_private_subnets_with_tracing(synth: Synthesized):
    for stage, template in synth.templates.items():
        vpc = cdk_context()["ims:stages"][stage]["vpc"]
        for handler, logical_id in functions_by_handler(template).items():
            # Given a function
            properties = props(template, logical_id)
            profile, listed = profile_for(handler)

            # Then it runs Python 3.12 on x86_64 (the platform the wheels are bundled for)
            assert properties["Runtime"] == "python3.12"
            assert properties["Architectures"] == ["x86_64"]
            # And memory and timeout come from its profile (explained in the registry)
            assert listed, f"{handler} has no profile in training_refresh/registry.py"
            assert properties["MemorySize"] == profile.memory_mb
            assert properties["Timeout"] == profile.timeout_seconds
            assert properties["Timeout"] <= 900
            # And it sits in the configured private subnets with the configured group
            assert properties["VpcConfig"]["SubnetIds"] == vpc["private_subnet_ids"]
            assert properties["VpcConfig"]["SecurityGroupIds"] == [vpc["security_group_id"]]
            assert properties["TracingConfig"] == {"Mode": "Active"}


def test_the_gold_load_task_may_run_fifteen_minutes(synth: Synthesized):
    # Given the chunked load task, which watches its own remaining time
    template = synth.templates["prod"]
    load = props(
        template, functions_by_handler(template)["training_refresh.handlers.gold_load.load"]
    )

    # Then it gets the Lambda maximum, and the handler keeps a margin before it
    assert load["Timeout"] == 900


def test_each_function_logs_to_its_own_log_group_with_the_stage_retention(synth: Synthesized):
    for stage, template in synth.templates.items():
        retention = cdk_context()["ims:stages"][stage]["log_retention_days"]
        groups = resources(template, "AWS::Logs::LogGroup")
        for logical_id in functions_by_handler(template).values():
            # Given a function's logging configuration
            properties = props(template, logical_id)
            group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]

            # Then it names an explicit log group of this stack, kept for the stage's days
            group = groups[group_id]["Properties"]
            assert retained_name(group["LogGroupName"]) == (
                f"/aws/lambda/{properties['FunctionName']}-{{stack-id}}"
            )
            assert group["RetentionInDays"] == retention


def test_functions_get_the_powertools_and_resource_environment(synth: Synthesized):
    stage_settings = cdk_context()["ims:stages"]
    for stage, template in synth.templates.items():
        settings = stage_settings[stage]
        for handler, logical_id in functions_by_handler(template).items():
            # Given a function's environment
            environment = props(template, logical_id)["Environment"]["Variables"]
            access = profile_for(handler)[0].access

            # Then Powertools is configured the way the handlers publish
            assert environment["POWERTOOLS_SERVICE_NAME"] == "ims-training-refresh"
            assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "IMSTrainingRefresh"
            assert environment["POWERTOOLS_LOG_LEVEL"] == settings["log_level"]
            # And it holds the settings of exactly the resources the function may use
            if Access.TRAINING_DB in access:
                assert (
                    environment["IMS_TRAINING_DB_SECRET_ARN"]
                    == (settings["training_db"]["secret_arn"])
                )
                assert environment["IMS_TRAINING_DB_NAME"] == "ims_training"
                assert environment["IMS_TRAINING_DB_TLS"] == "true"
                assert environment["IMS_TRAINING_DB_HOST"] == settings["training_db"]["endpoint"]
                assert environment["IMS_TRAINING_DB_PORT"] == "3306"
            else:
                assert "IMS_TRAINING_DB_SECRET_ARN" not in environment
            if Access.WAREHOUSE in access:
                assert environment["IMS_REDSHIFT_DATABASE"] == settings["warehouse"]["database"]
                assert (
                    environment["IMS_REDSHIFT_CLUSTER_ID"] == (settings["warehouse"]["cluster_id"])
                )
                assert (
                    environment["IMS_REDSHIFT_SECRET_ARN"] == (settings["warehouse"]["secret_arn"])
                )
            else:
                assert not any(name.startswith("IMS_REDSHIFT_") for name in environment)
            if access & RUN_FILE_ACCESS:
                assert environment["IMS_WORK_BUCKET"] == {"Ref": _reports_bucket(template)}
            else:
                assert "IMS_WORK_BUCKET" not in environment


def test_no_function_records_its_response_in_x_ray(synth: Synthesized, variants: Synthesized):
    for synthesized in (synth, variants):
        for stage, template in synthesized.templates.items():
            for handler, logical_id in functions_by_handler(template).items():
                # Given a function's environment (tracing is active on every function)
                environment = props(template, logical_id)["Environment"]["Variables"]

                # Then Powertools' Tracer records no handler response (customer numbers),
                # and records errors (redacted text, also in the execution history)
                assert environment["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", (
                    stage,
                    handler,
                )
                assert environment["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "true", (stage, handler)


@pytest.mark.parametrize(
    "name",
    [
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
        "POWERTOOLS_SERVICE_NAME",
        "IMS_TRAINING_DB_CA_BUNDLE",
        "IMS_REDSHIFT_DATABASE",
        "IMS_WORK_BUCKET",
    ],
)
def test_extra_environment_cannot_override_what_the_stack_sets(name: str):
    # Given dev with a tuning variable that would override a stack setting
    dev = cdk_context()["ims:stages"]["dev"]
    dev["extra_environment"] = {name: "x"}

    # Then the synth fails naming it
    with pytest.raises(StageConfigError, match=f"'{name}' is set by the stack"):
        load_stages({"dev": dev})


def _reports_bucket(template: dict) -> str:
    (logical_id,) = (
        key
        for key, bucket in resources(template, "AWS::S3::Bucket").items()
        if key.startswith("ReportsBucket")
    )
    return logical_id


def test_variant_warehouse_targets_reach_the_environment(variants: Synthesized):
    # Given a Serverless workgroup with IAM auth, and a cluster with a database user
    serverless = variants.templates["svless"]
    dbuser = variants.templates["dbuser"]
    plan = "training_refresh.handlers.gold_load.plan"

    # When the planning function's environment is read
    svless_env = props(serverless, functions_by_handler(serverless)[plan])["Environment"]
    dbuser_env = props(dbuser, functions_by_handler(dbuser)[plan])["Environment"]

    # Then each names its target and credential the way WarehouseTarget.from_env reads them
    assert {k: v for k, v in svless_env["Variables"].items() if k.startswith("IMS_REDSHIFT")} == {
        "IMS_REDSHIFT_DATABASE": "oframe",
        "IMS_REDSHIFT_WORKGROUP": "training-wg",
    }
    assert {k: v for k, v in dbuser_env["Variables"].items() if k.startswith("IMS_REDSHIFT")} == {
        "IMS_REDSHIFT_DATABASE": "oframe",
        "IMS_REDSHIFT_CLUSTER_ID": "dw-cluster",
        "IMS_REDSHIFT_DB_USER": "ims_training",
    }
    # And the tuning variables of extra_environment reach every function
    assert svless_env["Variables"]["IMS_CUSTOMERS_PER_CHUNK"] == "500"


def test_a_configured_ca_bundle_is_named_for_the_database_functions(variants: Synthesized):
    # Given a stage with training_db.ca_bundle_file
    template = variants.templates["svless"]
    load = functions_by_handler(template)["training_refresh.handlers.gold_load.load"]

    # Then the database functions point pymysql at the bundled copy
    variables = props(template, load)["Environment"]["Variables"]
    assert variables["IMS_TRAINING_DB_CA_BUNDLE"] == "/var/task/certs/test-ca.pem"


def test_stack_constants_match_what_the_handlers_publish():
    # Given the Powertools objects of the handlers
    from training_refresh.handlers import observability

    # Then the stack configures the same service and namespace
    assert constants.SERVICE == observability.SERVICE
    assert constants.METRICS_NAMESPACE == observability.METRICS_NAMESPACE


def _handler_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for handler in HANDLERS.values():
        module = handler.rpartition(".")[0]
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        modules[module] = Path(spec.origin)
    return modules


def test_every_published_metric_is_on_the_dashboard():
    # Given the metric names the handlers publish
    published = set()
    for path in _handler_modules().values():
        published |= set(re.findall(r"add_metric\(\s*\"(\w+)\"", path.read_text()))

    # Then the dashboard lists each one (stacks/constants.py CUSTOM_METRICS)
    listed = {name for names in constants.CUSTOM_METRICS.values() for name in names}
    assert published <= listed, f"add {sorted(published - listed)} to CUSTOM_METRICS"


def _uses(tree: ast.Module, function: str) -> set[str]:
    """The dependencies (``dependencies.X``) and settings models a module-level function
    uses, following local helpers."""
    bodies = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    seen: set[str] = set()
    used: set[str] = set()
    pending = [function]
    while pending:
        name = pending.pop()
        if name in seen or name not in bodies:
            continue
        seen.add(name)
        for node in ast.walk(bodies[name]):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "dependencies":
                    used.add(node.attr)
            elif isinstance(node, ast.Name):
                if node.id.endswith("Settings"):
                    used.add(node.id)
                pending.append(node.id)
    return used


@pytest.mark.parametrize("handler", sorted(HANDLERS.values()))
def test_function_profiles_grant_what_the_handler_code_uses(handler: str):
    # Given the adapters and settings a handler uses (directly or through helpers)
    module, _, function = handler.rpartition(".")
    tree = ast.parse(_handler_modules()[module].read_text())
    used = _uses(tree, function)
    access_of = DEPENDENCY_ACCESS | SETTINGS_ACCESS
    unknown = used - set(access_of)
    assert not unknown, f"map {sorted(unknown)} to an Access in this test"
    assert "connect_mysql" in used or "object_store" in used  # the scan sees the handler

    # Then its profile grants every kind of access those adapters need
    needs = [access_of[name] for name in used]
    needed = set().union(*(n for n in needs if isinstance(n, set)))
    profile, listed = profile_for(handler)
    assert listed, f"{handler}: add a profile to training_refresh/registry.py"
    assert needed <= profile.access, f"{handler} uses {used}; profile has {profile.access}"
    if RUN_FILES in needs:
        # the object store reads scenario files (SCENARIOS) or run files (the rest)
        assert profile.access & (RUN_FILE_ACCESS | {Access.SCENARIOS}), f"{handler} uses S3"


def test_only_the_tasks_given_a_scenario_file_read_scenario_files():
    # Given the profiles, Then scenario access is the gold load's plan's, the removal's
    # and the restore's (its customers file)
    readers = {t.handler for t in TASKS if Access.SCENARIOS in t.profile.access}
    assert readers == {
        "training_refresh.handlers.gold_load.plan",
        "training_refresh.handlers.gold_remove.remove",
        "training_refresh.handlers.restore.restore",
    }
