"""One stage of the IMS training refresh: Lambdas, state machines, triggers, storage, alarms.

Everything is derived from the stage settings (cdk.json) and from the Lambda package's
registry (training_refresh/registry.py) with the ASL files (see stacks/workflows.py).
Nothing here names a particular task, so a new workflow needs no change to this file; only
the triggers name the workflow they start (the reset schedules, the scenario upload's gold load).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import (
    Annotations,
    CfnOutput,
    Duration,
    Environment,
    Stack,
    Tags,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import nag
from stacks.bundling import ARCHITECTURE, RUNTIME, Runner, lambda_code
from stacks.config import (
    RDS_CA_BUNDLES_URL,
    STAGES_CONTEXT_KEY,
    StageConfigError,
    StageSettings,
)
from stacks.constants import (
    METRICS_NAMESPACE,
    NAME_PREFIX,
    PROJECT_ROOT,
    SERVICE,
    TRACER_ENVIRONMENT,
    function_base_name,
    pascal,
)
from stacks.endpoints import LambdaEndpoints
from stacks.grants import REPORTS_PREFIX, WORK_PREFIX, FunctionGrants
from stacks.monitoring import EXECUTION_OUTCOMES, AlarmTopic, build_dashboard, execution_metric
from stacks.naming import retained_bucket_name, retained_log_group_name
from stacks.state_machines import build_state_machine, retention
from stacks.triggers import reset_schedules, reset_stage_trigger, scenario_trigger
from stacks.workflows import Workflow, load_workflows
from training_refresh.env_names import PowertoolsEnvName
from training_refresh.registry import HANDLERS, profile_for


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
        self.grants = FunctionGrants(self, settings, self.reports, self.ca_bundle)
        self.code = lambda_code(self.ca_bundle, runner=pip_runner)
        self.functions: dict[str, lambda_.Function] = {}
        for workflow in self.workflows:
            for placeholder in workflow.placeholders:
                if placeholder not in self.functions:
                    self.functions[placeholder] = self._function(placeholder)
        self.machines = {
            w.name: build_state_machine(
                self, w, prefix=self.prefix, settings=settings, functions=self.functions
            )
            for w in self.workflows
        }
        self.alarms = AlarmTopic(
            self, "Alarms", name=f"{self.prefix}Alarms", emails=settings.alarm_emails
        )
        self._execution_alarms()
        for trigger in (reset_schedules, scenario_trigger, reset_stage_trigger):
            trigger(
                self,
                prefix=self.prefix,
                settings=settings,
                machines=self.machines,
                alarms=self.alarms,
            )
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
            retention=retention(self.settings.log_retention_days),
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
            environment.update(self.grants.grant(role, access))
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
