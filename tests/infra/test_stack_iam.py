"""Least privilege: each role may do what its task needs, on exactly the configured resources."""

from __future__ import annotations

from infra_support import (
    Synthesized,
    all_actions,
    as_list,
    cdk_context,
    functions_by_handler,
    iter_statements,
    props,
    resources_for,
    role_of,
    role_statements,
    state_machines_by_name,
    statements_with,
)

from stacks.constants import pascal
from stacks.workflows import load_workflows
from training_refresh.registry import HANDLERS, Access, profile_for

DATA_API_FOLLOW_UP = {
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:CancelStatement",
}
RESOURCE_LESS_ACTIONS = {
    # Lambda in a VPC (the actions of AWSLambdaVPCAccessExecutionRole)
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    # X-Ray and Step Functions log delivery
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    *DATA_API_FOLLOW_UP,
}
"""The only actions a statement may grant on Resource "*" (none has resource-level control)."""

PARTITION = "aws"  # a literal: every stage names its region

RUN_FILES = {
    # plan_gold_load writes the customers it found (work/gold-load/RUN/customers.json) and,
    # when more than its message carries are missing, those (missing.json)
    "training_refresh.handlers.gold_load.plan": (set(), {"/work/*"}),
    # load_config reads them back (get_json: HeadObject + GetObject), writes nothing
    "training_refresh.handlers.gold_load.load": ({"/work/*"}, set()),
    # build_report reads missing.json back and writes reports/gold-load/RUN.json (and
    # RUN.missing.csv beside it when very many are missing)
    "training_refresh.handlers.gold_load.report": ({"/work/*"}, {"/reports/*"}),
    # build_reset_report and the others only write reports/WORKFLOW/RUN.json
    "training_refresh.handlers.reset.report": (set(), {"/reports/*"}),
    "training_refresh.handlers.gold_undo.report": (set(), {"/reports/*"}),
    "training_refresh.handlers.gold_remove.report": (set(), {"/reports/*"}),
    "training_refresh.handlers.restore.report": (set(), {"/reports/*"}),
    "training_refresh.handlers.reset_stage.stage": (set(), {"/reports/*"}),
    # the steps that publish a gold state write the live catalog to gold/catalog.json; the
    # load's publish step reads the plan's customers.json (their labels) first
    "training_refresh.handlers.gold_load.publish": ({"/work/*"}, {"/gold/*"}),
    "training_refresh.handlers.gold_undo.undo": (set(), {"/gold/*"}),
    "training_refresh.handlers.gold_remove.remove": (set(), {"/gold/*"}),
}
"""(reads, writes) in the reports bucket by handler, from the code paths; the reset's
prepare, copy and swap touch no S3 object."""


def _function_statements(template: dict, handler: str) -> list[dict]:
    return role_statements(template, role_of(template, functions_by_handler(template)[handler]))


def test_no_statement_grants_a_service_wildcard_or_unscoped_action(synth: Synthesized):
    for stage, template in synth.templates.items():
        for policy, statement in iter_statements(template):
            # Given any identity policy statement of the stack
            actions = set(as_list(statement["Action"]))
            # Then no action is a wildcard
            assert not any("*" in action for action in actions), (stage, policy, actions)
            # And "*" as resource only comes with actions that cannot be scoped
            if "*" in as_list(statement["Resource"]):
                assert actions <= RESOURCE_LESS_ACTIONS, (stage, policy, actions)


def test_data_api_statements_are_scoped_to_the_cluster_and_to_own_statements(
    synth: Synthesized,
):
    for stage, template in synth.templates.items():
        warehouse = cdk_context()["ims:stages"][stage]["warehouse"]
        account = cdk_context()["ims:stages"][stage]["account"]
        for handler in HANDLERS.values():
            statements = _function_statements(template, handler)
            if Access.WAREHOUSE not in profile_for(handler)[0].access:
                # Given a task that does not read the warehouse, Then it has no Data API access
                assert not any(a.startswith("redshift") for a in all_actions(statements))
                continue
            # Given a task that reads the warehouse
            # Then it may run statements on the configured cluster only
            assert resources_for(statements, "redshift-data:ExecuteStatement") == {
                f"arn:{PARTITION}:redshift:us-east-1:{account}:cluster:{warehouse['cluster_id']}"
            }
            # And follow up only on statements it ran itself (the owner condition)
            (follow_up,) = statements_with(statements, "redshift-data:GetStatementResult")
            assert set(as_list(follow_up["Action"])) == DATA_API_FOLLOW_UP
            assert follow_up["Condition"] == {
                "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
            }


def test_secrets_are_read_only_where_needed_and_only_the_two_configured(synth: Synthesized):
    for stage, template in synth.templates.items():
        settings = cdk_context()["ims:stages"][stage]
        training_secret = settings["training_db"]["secret_arn"]
        warehouse_secret = settings["warehouse"]["secret_arn"]
        for handler in HANDLERS.values():
            # Given a task's role and what its profile says it uses
            access = profile_for(handler)[0].access
            statements = _function_statements(template, handler)

            # When the secrets it may read are collected
            secrets = resources_for(statements, "secretsmanager:GetSecretValue")

            # Then they are exactly the secrets of the resources it uses
            expected = set()
            if Access.TRAINING_DB in access:
                expected.add(training_secret)
            if Access.WAREHOUSE in access:
                expected.add(warehouse_secret)
            assert secrets == expected, (stage, handler)
            assert not any(
                a.startswith("secretsmanager:") and a != "secretsmanager:GetSecretValue"
                for a in all_actions(statements)
            )


def test_s3_access_is_the_scenario_prefix_and_the_run_file_prefixes(synth: Synthesized):
    for stage, template in synth.templates.items():
        scenarios = cdk_context()["ims:stages"][stage]["scenarios"]
        for handler in HANDLERS.values():
            access = profile_for(handler)[0].access
            statements = _function_statements(template, handler)
            s3_actions = {a for a in all_actions(statements) if a.startswith("s3:")}
            reads = resources_for(statements, "s3:GetObject")
            writes = resources_for(statements, "s3:PutObject")

            # Then S3 actions are object reads and writes only (no list, no delete)
            assert s3_actions <= {"s3:GetObject", "s3:PutObject"}
            # And scenario files are readable under the configured prefix only
            scenario_objects = f"arn:{PARTITION}:s3:::{scenarios['bucket']}/{scenarios['prefix']}*"
            assert (scenario_objects in reads) == (Access.SCENARIOS in access)
            # And in the stack's own bucket each reads and writes exactly what its code does
            own_reads = {r.split("}", 1)[1] for r in reads if r.startswith("${ReportsBucket")}
            own_writes = {r.split("}", 1)[1] for r in writes if r.startswith("${ReportsBucket")}
            assert (own_reads, own_writes) == RUN_FILES.get(handler, (set(), set())), (
                stage,
                handler,
            )
            # And nothing is written anywhere else
            assert len(own_writes) == len(writes), (stage, handler, writes)


def test_functions_write_only_their_own_log_group(synth: Synthesized):
    template = synth.templates["dev"]
    for handler, logical_id in functions_by_handler(template).items():
        # Given a function's log permissions
        statements = role_statements(template, role_of(template, logical_id))
        log_group = props(template, logical_id)["LoggingConfig"]["LogGroup"]["Ref"]

        # Then they name its own log group and nothing else
        assert resources_for(statements, "logs:PutLogEvents") == {"${" + log_group + ".Arn}"}, (
            handler
        )


def test_state_machines_invoke_exactly_the_functions_of_their_asl(synth: Synthesized):
    for stage, template in synth.templates.items():
        machines = state_machines_by_name(template)
        functions = functions_by_handler(template)
        for workflow in load_workflows():
            # Given a workflow's state machine role
            machine = machines[f"{stage}-ImsTraining{pascal(workflow.name)}"]
            statements = role_statements(template, role_of(template, machine))

            # When the functions it may invoke are collected
            invoked = {
                resource.split(".Arn}")[0].lstrip("${")
                for resource in resources_for(statements, "lambda:InvokeFunction")
            }

            # Then they are exactly the functions behind its placeholders
            expected = {functions[HANDLERS[p]] for p in workflow.placeholders}
            assert invoked == expected, (stage, workflow.name)


def test_the_trigger_may_only_start_the_gold_load(synth: Synthesized):
    # Given the scenario trigger's role
    template = synth.templates["dev"]
    machines = state_machines_by_name(template)
    statements = role_statements(
        template, role_of(template, machines["dev-ImsTrainingScenarioTrigger"])
    )

    # Then it starts executions of the gold load state machine and nothing else
    assert resources_for(statements, "states:StartExecution") == {
        "${" + machines["dev-ImsTrainingGoldLoad"] + "}"
    }
    assert not any(a.startswith("lambda:") for a in all_actions(statements))


def test_serverless_iam_auth_is_scoped_to_the_workgroup(variants: Synthesized):
    # Given Redshift Serverless with the Lambda's IAM identity as credential
    template = variants.templates["svless"]
    statements = _function_statements(template, "training_refresh.handlers.gold_load.plan")
    workgroup = (
        f"arn:{PARTITION}:redshift-serverless:us-east-1:111111111111:"
        "workgroup/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    )

    # Then statements run on that workgroup, credentials come from it, and no warehouse
    # secret is read (only the training database's, which the task also uses)
    assert resources_for(statements, "redshift-data:ExecuteStatement") == {workgroup}
    assert resources_for(statements, "redshift-serverless:GetCredentials") == {workgroup}
    training_secret = cdk_context()["ims:stages"]["dev"]["training_db"]["secret_arn"]
    assert resources_for(statements, "secretsmanager:GetSecretValue") <= {training_secret}


def test_database_user_credentials_are_scoped_to_that_user_and_database(variants: Synthesized):
    # Given a provisioned cluster with a database user (temporary credentials)
    template = variants.templates["dbuser"]
    statements = _function_statements(template, "training_refresh.handlers.gold_load.load")
    prefix = f"arn:{PARTITION}:redshift:us-east-1:111111111111"

    # Then the role may get credentials for that user and database only
    assert resources_for(statements, "redshift:GetClusterCredentials") == {
        f"{prefix}:dbuser:dw-cluster/ims_training",
        f"{prefix}:dbname:dw-cluster/oframe",
    }


def test_customer_managed_secret_keys_decrypt_only_through_secrets_manager(
    variants: Synthesized,
):
    # Given secrets encrypted with a customer managed key
    template = variants.templates["svless"]
    statements = _function_statements(template, "training_refresh.handlers.gold_load.load")

    # Then kms:Decrypt is granted on that key, via Secrets Manager only
    (decrypt,) = statements_with(statements, "kms:Decrypt")
    assert decrypt["Resource"] == (
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }
