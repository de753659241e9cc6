"""One stage of the IMS training refresh: Lambdas, state machines, triggers, storage, alarms.

Everything is derived from the stage settings (cdk.json) and from the Lambda package's
registry (training_refresh/registry.py) with the ASL files (see stacks/workflows.py).
Nothing here names a particular task, so a new workflow needs no change to this file; only
the triggers name the workflow they start (the reset schedules, the scenario upload's gold load).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import (
    Annotations,
    CfnOutput,
    Duration,
    Environment,
    RemovalPolicy,
    Stack,
    Tags,
    TimeZone,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import nag
from stacks.bundling import ARCHITECTURE, RUNTIME, Runner, ca_bundle_lambda_path, lambda_code
from stacks.config import (
    LOG_RETENTION_DAYS,
    RDS_CA_BUNDLES_URL,
    STAGES_CONTEXT_KEY,
    StageConfigError,
    StageSettings,
)
from stacks.constants import (
    DEFAULT_WORKFLOW_TIMEOUT_MINUTES,
    FALLBACK_WORKFLOW_TIMEOUT_MINUTES,
    METRICS_NAMESPACE,
    NAME_PREFIX,
    PROJECT_ROOT,
    SCHEDULE_MAX_EVENT_AGE_MINUTES,
    SCHEDULE_RETRY_ATTEMPTS,
    SERVICE,
    TRACER_ENVIRONMENT,
    TRIGGER_MAX_EVENT_AGE_HOURS,
    TRIGGER_RETRY_ATTEMPTS,
    function_base_name,
    pascal,
)
from stacks.endpoints import LambdaEndpoints
from stacks.monitoring import EXECUTION_OUTCOMES, AlarmTopic, build_dashboard, execution_metric
from stacks.naming import retained_bucket_name, retained_log_group_name
from stacks.scenario_trigger import GOLD_LOAD_ARN_PLACEHOLDER, trigger_definition_json
from stacks.workflows import Workflow, load_workflows
from training_refresh.env_names import EnvName, PowertoolsEnvName
from training_refresh.registry import GOLD_LOAD, HANDLERS, RESET, Access, profile_for

WORK_PREFIX = "work/"
REPORTS_PREFIX = "reports/"
"""Key prefixes the Lambdas write in the reports bucket (work files, run reports)."""

RUN_FILES = {
    Access.WRITE_WORK_FILES: ("WriteRunWorkFiles", "s3:PutObject", WORK_PREFIX),
    Access.READ_WORK_FILES: ("ReadRunWorkFiles", "s3:GetObject", WORK_PREFIX),
    Access.WRITE_REPORTS: ("WriteRunReports", "s3:PutObject", REPORTS_PREFIX),
}
"""The one S3 action and prefix behind each kind of run-file access (GetObject also
covers the HeadObject that checks a work file's size before reading it)."""

RETRY_POLICY_NOTE = (
    f"retries {SCHEDULE_RETRY_ATTEMPTS} times within {SCHEDULE_MAX_EVENT_AGE_MINUTES} minutes"
)


def stack_name(stage: str) -> str:
    return f"{stage}-{NAME_PREFIX}Refresh"


class TrainingRefreshStack(Stack):
    """Everything one stage needs; existing network, databases and scenario bucket are
    imported by identifier (no lookups: ``cdk synth`` needs neither AWS nor Docker)."""

    def __init__(
        self,
        scope: Construct,
        stage: str,
        settings: StageSettings,
        *,
        workflows: Sequence[Workflow] | None = None,
        handlers: Mapping[str, str] = HANDLERS,
        pip_runner: Runner | None = None,
    ) -> None:
        super().__init__(
            scope,
            stack_name(stage),
            stack_name=stack_name(stage),
            env=Environment(account=settings.account, region=settings.region),
            description=f"IMS training refresh ({stage}): gold load and reset workflows",
            termination_protection=settings.termination_protection,
        )
        self.stage = stage
        self.settings = settings
        self.prefix = f"{stage}-{NAME_PREFIX}"
        Tags.of(self).add("Application", SERVICE)
        Tags.of(self).add("Stage", stage)

        self.handlers = handlers
        self.workflows = (
            list(workflows) if workflows is not None else load_workflows(handlers=handlers)
        )
        self._import_network()
        self._storage()
        self.ca_bundle = self._ca_bundle_file()
        self.code = lambda_code(self.ca_bundle, runner=pip_runner)
        self.functions: dict[str, lambda_.Function] = {}
        for workflow in self.workflows:
            for placeholder in workflow.placeholders:
                if placeholder not in self.functions:
                    self.functions[placeholder] = self._function(placeholder)
        self.machines = {w.name: self._state_machine(w) for w in self.workflows}
        self.alarms = AlarmTopic(
            self, "Alarms", name=f"{self.prefix}Alarms", emails=settings.alarm_emails
        )
        self._execution_alarms()
        self._reset_schedules()
        self._scenario_trigger()
        build_dashboard(
            self,
            "Dashboard",
            name=f"{self.prefix}Refresh",
            machines=self.machines,
            functions={function_base_name(p): fn for p, fn in self.functions.items()},
        )
        self._outputs()

    # ----------------------------------------------------------------------------- network

    def _import_network(self) -> None:
        vpc = self.settings.vpc
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=vpc.vpc_id,
            availability_zones=list(vpc.availability_zones),
            private_subnet_ids=list(vpc.private_subnet_ids),
            private_subnet_route_table_ids=list(vpc.private_route_table_ids) or None,
        )
        if not vpc.private_route_table_ids:
            Annotations.of(self.vpc).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "The Lambdas only need the subnet ids; without create_endpoints nothing here"
                " reads the route tables.",
            )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.security_group = ec2.SecurityGroup.from_security_group_id(
            self, "LambdaSecurityGroup", vpc.security_group_id, mutable=False
        )
        self.endpoints = (
            LambdaEndpoints(
                self,
                "Endpoints",
                vpc=self.vpc,
                subnets=self.subnets,
                lambda_security_group=self.security_group,
                description=f"{self.prefix}Refresh",
            )
            if vpc.create_endpoints
            else None
        )

    # ----------------------------------------------------------------------------- storage

    def _storage(self) -> None:
        settings = self.settings
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            bucket_name=retained_bucket_name(self, self.stage, "access-logs"),
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery supports SSE-S3 only
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(settings.access_log_retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        self.reports = s3.Bucket(
            self,
            "ReportsBucket",
            bucket_name=retained_bucket_name(self, self.stage, "reports"),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="reports-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-work-files",
                    prefix=WORK_PREFIX,
                    expiration=Duration.days(settings.work_file_retention_days),
                ),
                s3.LifecycleRule(
                    id="expire-run-reports",
                    prefix=REPORTS_PREFIX,
                    expiration=Duration.days(settings.report_retention_days),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
        )

    def _ca_bundle_file(self) -> Path | None:
        name = self.settings.training_db.ca_bundle_file
        if name is None:
            return None
        return ca_bundle_path(self.stage, name)

    # --------------------------------------------------------------------------- functions

    def _function(self, placeholder: str) -> lambda_.Function:
        handler = self.handlers[placeholder]
        profile, listed = profile_for(handler)
        base = function_base_name(placeholder)
        name = f"{self.prefix}-{base}"
        log_group = logs.LogGroup(
            self,
            f"{base}LogGroup",
            log_group_name=retained_log_group_name(self, f"/aws/lambda/{name}"),
            retention=_retention(self.settings.log_retention_days),
        )
        role = iam.Role(
            self,
            f"{base}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs {handler} ({self.stage})",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ManageVpcNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )
        environment = {
            PowertoolsEnvName.SERVICE_NAME.value: SERVICE,
            PowertoolsEnvName.METRICS_NAMESPACE.value: METRICS_NAMESPACE,
            PowertoolsEnvName.LOG_LEVEL.value: self.settings.log_level,
            **TRACER_ENVIRONMENT,
        }
        for access in sorted(profile.access, key=lambda a: a.name):
            environment.update(self._grant(role, access))
        environment.update(self.settings.extra_environment)
        function = lambda_.Function(
            self,
            f"{base}Function",
            function_name=name,
            description=f"{handler} - {profile.why}"[:256],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self.code,
            handler=handler,
            memory_size=profile.memory_mb,
            timeout=Duration.seconds(profile.timeout_seconds),
            role=role,
            log_group=log_group,
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE,
            vpc=self.vpc,
            vpc_subnets=self.subnets,
            security_groups=[self.security_group],
        )
        if not listed:
            Annotations.of(function).add_info(
                f"{handler} has no profile in training_refresh/registry.py: it gets every"
                " permission of this stack; list what it needs there."
            )
        nag.acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only actions without resource-level permissions use '*': the ENI actions Lambda"
            " needs to run in the VPC (as in AWSLambdaVPCAccessExecutionRole), X-Ray"
            " PutTraceSegments/PutTelemetryRecords, and the Redshift Data API's"
            " DescribeStatement/GetStatementResult/CancelStatement, which are limited to"
            " statements this role ran by the statement-owner condition.",
        )
        nag.acknowledge(
            function,
            "AwsSolutions-L1",
            "Python 3.12 is the runtime this project targets: the bundled wheels are built"
            " for cp312, and the code is kept runnable on the local Python 3.11 too.",
        )
        return function

    def _grant(self, role: iam.Role, access: Access) -> dict[str, str]:
        """Add the policy statements of one kind of access; return its environment."""
        settings = self.settings
        if access in RUN_FILES:
            sid, action, prefix = RUN_FILES[access]
            role.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    actions=[action],
                    resources=[self.reports.arn_for_objects(f"{prefix}*")],
                )
            )
            nag.acknowledge(
                role,
                nag.resource_finding("AwsSolutions-IAM5", self.reports, f"/{prefix}*"),
                f"Run files have per-run keys under {prefix}; access is limited to that"
                " prefix of this stack's own reports bucket.",
            )
            return {EnvName.WORK_BUCKET.value: self.reports.bucket_name}
        if access is Access.SCENARIOS:
            scenarios = settings.scenarios
            scenario_objects = f"arn:{self.partition}:s3:::{scenarios.bucket}/{scenarios.prefix}*"
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadScenarioFiles",
                    actions=["s3:GetObject"],
                    resources=[scenario_objects],
                )
            )
            nag.acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{scenario_objects}]",
                "Operators name scenario files freely; reading is limited to the configured"
                " prefix of the scenario bucket.",
            )
            if scenarios.kms_key_arn is not None:
                self._decrypt_via(role, "ReadScenarioFilesKey", scenarios.kms_key_arn, "s3")
            return {}
        if access is Access.TRAINING_DB:
            db = settings.training_db
            self._read_secret(role, "ReadTrainingDbSecret", db.secret_arn)
            environment = {
                EnvName.TRAINING_DB_SECRET_ARN.value: db.secret_arn,
                EnvName.TRAINING_DB_NAME.value: db.database,
                EnvName.TRAINING_DB_TLS.value: "true" if db.tls else "false",
            }
            if db.endpoint is not None:
                environment[EnvName.TRAINING_DB_HOST.value] = db.endpoint
                environment[EnvName.TRAINING_DB_PORT.value] = str(db.port)
            if self.ca_bundle is not None:
                environment[EnvName.TRAINING_DB_CA_BUNDLE.value] = ca_bundle_lambda_path(
                    self.ca_bundle
                )
            return environment
        if access is Access.WAREHOUSE:
            return self._grant_warehouse(role)
        raise AssertionError(f"unhandled access {access}")

    def _grant_warehouse(self, role: iam.Role) -> dict[str, str]:
        warehouse = self.settings.warehouse
        environment = {EnvName.REDSHIFT_DATABASE.value: warehouse.database}
        if warehouse.cluster_id is not None:
            target_arn = self._redshift_arn(f"cluster:{warehouse.cluster_id}")
            environment[EnvName.REDSHIFT_CLUSTER_ID.value] = warehouse.cluster_id
        else:
            assert warehouse.workgroup_name is not None  # checked by the settings model
            target_arn = self.format_arn(
                service="redshift-serverless",
                resource="workgroup",
                resource_name=str(warehouse.workgroup_id),
            )
            environment[EnvName.REDSHIFT_WORKGROUP.value] = warehouse.workgroup_name
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RunWarehouseStatements",
                actions=["redshift-data:ExecuteStatement"],
                resources=[target_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="FollowOwnWarehouseStatements",
                actions=[
                    "redshift-data:DescribeStatement",
                    "redshift-data:GetStatementResult",
                    "redshift-data:CancelStatement",
                ],
                resources=["*"],  # these actions take no resource; the condition scopes them
                conditions={
                    "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
                },
            )
        )
        if warehouse.credentials == "secret":
            assert warehouse.secret_arn is not None
            self._read_secret(role, "ReadWarehouseSecret", warehouse.secret_arn)
            environment[EnvName.REDSHIFT_SECRET_ARN.value] = warehouse.secret_arn
        elif warehouse.credentials == "db_user":
            assert warehouse.db_user is not None
            assert warehouse.cluster_id is not None
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseUserCredentials",
                    actions=["redshift:GetClusterCredentials"],
                    resources=[
                        self._redshift_arn(f"dbuser:{warehouse.cluster_id}/{warehouse.db_user}"),
                        self._redshift_arn(f"dbname:{warehouse.cluster_id}/{warehouse.database}"),
                    ],
                )
            )
            environment[EnvName.REDSHIFT_DB_USER.value] = warehouse.db_user
        elif warehouse.cluster_id is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseIamCredentials",
                    actions=["redshift:GetClusterCredentialsWithIAM"],
                    resources=[
                        self._redshift_arn(f"dbname:{warehouse.cluster_id}/{warehouse.database}")
                    ],
                )
            )
        else:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="GetWarehouseIamCredentials",
                    actions=["redshift-serverless:GetCredentials"],
                    resources=[target_arn],
                )
            )
        return environment

    def _redshift_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:redshift:{self.region}:{self.account}:{resource}"

    def _read_secret(self, role: iam.Role, sid: str, secret_arn: str) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                sid=sid, actions=["secretsmanager:GetSecretValue"], resources=[secret_arn]
            )
        )
        for index, key_arn in enumerate(self.settings.secrets_kms_key_arns):
            self._decrypt_via(role, f"{sid}Key{index + 1}", key_arn, "secretsmanager")

    def _decrypt_via(self, role: iam.Role, sid: str, key_arn: str, service: str) -> None:
        role.add_to_policy(
            iam.PolicyStatement(
                sid=sid,
                actions=["kms:Decrypt"],
                resources=[key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"{service}.{self.region}.amazonaws.com"}
                },
            )
        )

    # ------------------------------------------------------------------------ state machines

    def _state_machine(self, workflow: Workflow) -> sfn.StateMachine:
        title = pascal(workflow.name)
        name = f"{self.prefix}{title}"
        log_group = logs.LogGroup(
            self,
            f"{title}StateMachineLogGroup",
            log_group_name=retained_log_group_name(self, f"/aws/vendedlogs/states/{name}"),
            retention=_retention(self.settings.log_retention_days),
        )
        minutes = self.settings.workflow_timeouts_minutes.get(
            workflow.name,
            DEFAULT_WORKFLOW_TIMEOUT_MINUTES.get(workflow.name, FALLBACK_WORKFLOW_TIMEOUT_MINUTES),
        )
        machine = sfn.StateMachine(
            self,
            f"{title}StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(
                with_timeout(workflow.definition, minutes * 60)
            ),
            definition_substitutions={
                placeholder: self.functions[placeholder].function_arn
                for placeholder in workflow.placeholders
            },
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel.ERROR,
                include_execution_data=False,
            ),
        )
        for placeholder in workflow.placeholders:
            function = self.functions[placeholder]
            function.grant_invoke(machine)
            nag.acknowledge(
                machine,
                nag.resource_finding("AwsSolutions-IAM5", function, ":*"),
                "grant_invoke also allows the function's versions and aliases (ARN:*); the"
                " state machine may invoke only the functions its ASL file names.",
            )
        nag.acknowledge(
            machine,
            "AwsSolutions-SF1",
            "Level ERROR without execution data on purpose: inputs and outputs carry customer"
            " numbers, and every state transition is kept in the execution history anyway.",
        )
        _acknowledge_log_delivery_and_tracing(machine)
        return machine

    # --------------------------------------------------------------------------- triggers

    def _reset_schedules(self) -> None:
        expressions = self.settings.reset_schedules
        if not expressions:
            return
        machine = self.machines.get(RESET)
        if machine is None:
            Annotations.of(self).add_info(
                f"reset_schedules are set but no '{RESET}' workflow exists yet: no schedule made"
            )
            return
        # The group holds nothing but these schedules: it goes with the stack (a retained
        # group would keep its fixed name and block the next deploy of the stage).
        group = scheduler.ScheduleGroup(
            self,
            "ResetScheduleGroup",
            schedule_group_name=f"{self.prefix}Reset",
            removal_policy=RemovalPolicy.DESTROY,
        )
        target = scheduler_targets.StepFunctionsStartExecution(
            machine,
            input=scheduler.ScheduleTargetInput.from_object(dict(self.settings.reset_input)),
            retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
            max_event_age=Duration.minutes(SCHEDULE_MAX_EVENT_AGE_MINUTES),
        )
        for index, expression in enumerate(expressions, start=1):
            scheduler.Schedule(
                self,
                f"ResetSchedule{index}",
                schedule_name=f"{self.prefix}Reset-{index}",
                schedule_group=group,
                description=f"Reset the training tables: {expression} America/New_York",
                schedule=scheduler.ScheduleExpression.expression(
                    expression, TimeZone.AMERICA_NEW_YORK
                ),
                target=target,
            )
        # Only a start that failed for good alarms: a failed attempt that a retry fixed
        # (TargetErrorCount) is not worth a mail.
        self.alarms.alarm(
            self,
            "ResetScheduleDroppedAlarm",
            name=f"{self.prefix}ResetSchedule-Dropped",
            metric=group.metric_dropped(period=Duration.minutes(5)),
            description=(
                f"A scheduled reset could not be started: the schedule {RETRY_POLICY_NOTE}"
                " and then gave up. Start it by hand if a class is waiting."
            ),
        )

    def _scenario_trigger(self) -> None:
        scenarios = self.settings.scenarios
        if scenarios.trigger_prefix is None:
            return
        gold_load = self.machines.get(GOLD_LOAD)
        if gold_load is None:
            Annotations.of(self).add_info(f"no '{GOLD_LOAD}' workflow: no scenario trigger made")
            return
        name = f"{self.prefix}ScenarioTrigger"
        log_group = logs.LogGroup(
            self,
            "ScenarioTriggerLogGroup",
            log_group_name=retained_log_group_name(self, f"/aws/vendedlogs/states/{name}"),
            retention=_retention(self.settings.log_retention_days),
        )
        trigger = sfn.StateMachine(
            self,
            "ScenarioTriggerStateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_string(trigger_definition_json()),
            definition_substitutions={GOLD_LOAD_ARN_PLACEHOLDER: gold_load.state_machine_arn},
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        gold_load.grant_start_execution(trigger)
        _acknowledge_log_delivery_and_tracing(trigger)
        rule = events.Rule(
            self,
            "ScenarioUploadedRule",
            rule_name=f"{self.prefix}ScenarioUploaded",
            description=(
                f"Scenario file created under s3://{scenarios.bucket}/{scenarios.trigger_prefix}"
                " -> gold load"
            ),
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [scenarios.bucket]},
                    "object": {
                        "key": events.Match.any_of(
                            events.Match.wildcard(f"{scenarios.trigger_prefix}*.csv"),
                            events.Match.wildcard(f"{scenarios.trigger_prefix}*.CSV"),
                        )
                    },
                },
            ),
            targets=[
                events_targets.SfnStateMachine(
                    trigger,
                    retry_attempts=TRIGGER_RETRY_ATTEMPTS,
                    max_event_age=Duration.hours(TRIGGER_MAX_EVENT_AGE_HOURS),
                )
            ],
        )
        self.alarms.alarm(
            self,
            "ScenarioTriggerFailedAlarm",
            name=f"{self.prefix}ScenarioTrigger-ExecutionsFailed",
            metric=execution_metric(trigger, "failed"),
            description="A scenario upload could not start its gold load (see the trigger log).",
        )
        self.alarms.alarm(
            self,
            "ScenarioRuleFailedAlarm",
            name=f"{self.prefix}ScenarioUploaded-FailedInvocations",
            metric=rule_failed_invocations(rule),
            description="EventBridge could not start the scenario trigger for an upload.",
        )

    # ---------------------------------------------------------------------- alarms, outputs

    def _execution_alarms(self) -> None:
        for workflow, machine in self.machines.items():
            title = pascal(workflow)
            for outcome in EXECUTION_OUTCOMES:
                label = pascal(outcome)
                self.alarms.alarm(
                    self,
                    f"{title}Executions{label}Alarm",
                    name=f"{self.prefix}{title}-Executions{label}",
                    metric=execution_metric(machine, outcome),
                    description=(
                        f"A {workflow} execution ended {outcome.replace('_', ' ')}: open the"
                        " execution in the Step Functions console and its run report."
                    ),
                )

    def _outputs(self) -> None:
        for workflow, machine in self.machines.items():
            CfnOutput(
                self,
                f"{pascal(workflow)}StateMachineArn",
                value=machine.state_machine_arn,
                description=f"Start {workflow} executions here (ims-refresh start {workflow})",
            )
        CfnOutput(self, "ReportsBucketName", value=self.reports.bucket_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarms.topic.topic_arn)
        scenarios = self.settings.scenarios
        CfnOutput(
            self,
            "ScenarioBucketName",
            value=scenarios.bucket,
            description="ims-refresh start gold-load uploads local scenario files here",
        )
        CfnOutput(self, "ScenarioPrefix", value=scenarios.prefix)


def ca_bundle_path(stage: str, name: str) -> Path:
    """The CA bundle file of a stage, checked to hold PEM certificates this machine can load
    (a wrong path or an HTML error page saved as .pem fails the synth, not the first run)."""
    path = (PROJECT_ROOT / name).resolve()
    where = f"{STAGES_CONTEXT_KEY}.{stage}.training_db.ca_bundle_file {name!r}"
    if not path.is_file():
        raise StageConfigError(
            f"{where}: no such file ({path}); `make rds-ca-bundle` writes"
            f" certs/rds-global-bundle.pem, and AWS publishes the bundles at {RDS_CA_BUNDLES_URL}"
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(path))
    except ssl.SSLError:
        certificates = 0
    else:
        certificates = len(context.get_ca_certs())
    if certificates == 0:
        raise StageConfigError(f"{where}: {path} holds no PEM CA certificate")
    return path


def with_timeout(definition: str, seconds: int) -> str:
    """The ASL text with a top-level ``TimeoutSeconds`` (unless the file sets its own).

    CDK's ``timeout`` does not reach a definition given as a string, and a stuck execution
    should end TIMED_OUT (and alarm) rather than run for the Step Functions maximum of a
    year. Only this one key is added; the states are the file's, unchanged.
    """
    document = json.loads(definition)
    if "TimeoutSeconds" in document:
        return definition
    document["TimeoutSeconds"] = seconds
    return json.dumps(document, indent=2, ensure_ascii=False)


def _acknowledge_log_delivery_and_tracing(machine: sfn.StateMachine) -> None:
    nag.acknowledge(
        machine,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions' log delivery (logs:*LogDelivery*, DescribeLogGroups, resource"
        " policies) and X-Ray put actions support no resource-level permissions.",
    )


def rule_failed_invocations(rule: events.Rule) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions_map={"RuleName": rule.rule_name},
        period=Duration.minutes(5),
        statistic=cloudwatch.Stats.SUM,
    )


_RETENTIONS = dict(
    zip(
        LOG_RETENTION_DAYS,
        [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTIONS:
        raise ValueError(f"{days} is not a CloudWatch Logs retention ({LOG_RETENTION_DAYS})")
    return _RETENTIONS[days]
