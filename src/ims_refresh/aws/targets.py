"""Where the deployed workflows are: the contract between ``ims-refresh start|status|runs``
and the CDK stack (``stacks/``), plus explicit overrides.

Every value is looked up in this order, each source only consulted when the earlier ones
did not give it:

1. a command-line option (``--state-machine-arn``, ``--scenario-bucket``, ...);
2. the outputs of the CloudFormation stack of ``--stage`` (``{stage}-ImsTrainingRefresh``);
3. an environment variable (``IMS_GOLD_LOAD_STATE_MACHINE_ARN``, ...: ``settings``);
4. the outputs of the stack of ``IMS_STAGE``.

So an explicit ``--stage`` beats stale environment variables, and the tool works without
CloudFormation at all when the options or variables name everything. CloudFormation is
only asked when a value is still missing after the options (and, for ``IMS_STAGE``, the
variables).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from ims_refresh.aws.settings import STATE_MACHINE_ENV, DeploymentEnvName, DeploymentSettings
from training_refresh.registry import WORKFLOWS

STACK_NAME_TEMPLATE: Final = "{stage}-ImsTrainingRefresh"
"""``stacks.training_refresh_stack.stack_name`` (a test keeps both in step)."""

STATE_MACHINE_OUTPUTS: Final[dict[str, str]] = {
    "gold-load": "GoldLoadStateMachineArn",
    "reset": "ResetStateMachineArn",
    "gold-undo": "GoldUndoStateMachineArn",
    "gold-remove": "GoldRemoveStateMachineArn",
    "reset-stage": "ResetStageStateMachineArn",
}
"""Stack outputs holding each workflow's state machine ARN."""
REPORTS_BUCKET_OUTPUT: Final = "ReportsBucketName"
"""The bucket the workflows write ``reports/<workflow>/<run>.json`` to (and ``work/``)."""
SCENARIO_BUCKET_OUTPUT: Final = "ScenarioBucketName"
"""The scenario bucket the gold load reads (``start gold-load`` uploads local files there)."""
SCENARIO_PREFIX_OUTPUT: Final = "ScenarioPrefix"
"""The key prefix of that bucket the gold load may read, ending in ``/``."""

REQUIRED_OUTPUTS: Final = (*STATE_MACHINE_OUTPUTS.values(), REPORTS_BUCKET_OUTPUT)
SCENARIO_OUTPUTS: Final = (SCENARIO_BUCKET_OUTPUT, SCENARIO_PREFIX_OUTPUT)
ALL_OUTPUTS: Final = (*REQUIRED_OUTPUTS, *SCENARIO_OUTPUTS)

_STATE_MACHINE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):states:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12})"
    r":stateMachine:(?P<name>[A-Za-z0-9_-]{1,80})"
)
_EXECUTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):states:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12})"
    r":execution:(?P<machine>[A-Za-z0-9_-]{1,80}):(?P<name>[^:\s]{1,80})"
)
_STAGE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,40}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

StackOutputs = Callable[[str, str | None], Mapping[str, str]]
"""(stack name, region) → the stack's outputs; raises TargetError when there is no stack."""


class TargetError(ValueError):
    """The deployment cannot be found from what was given (a usage error: exit code 2)."""


class AwsUnavailableError(RuntimeError):
    """AWS could not be asked (credentials, network, permissions): exit code 1."""


def stack_name(stage: str) -> str:
    if not _STAGE.fullmatch(stage):
        raise TargetError(f"{stage!r} is not a stage name (e.g. dev, qa, prod)")
    return STACK_NAME_TEMPLATE.format(stage=stage)


def parse_state_machine_arn(arn: str) -> dict[str, str]:
    match = _STATE_MACHINE_ARN.fullmatch(arn.strip())
    if match is None:
        raise TargetError(
            f"{arn[:120]!r} is not a state machine ARN "
            "(arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)"
        )
    return match.groupdict()


def parse_execution_arn(arn: str) -> dict[str, str] | None:
    """The parts of an execution ARN, or None when ``arn`` is not one (e.g. a bare name)."""
    match = _EXECUTION_ARN.fullmatch(arn.strip())
    return None if match is None else match.groupdict()


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives an execution called ``name`` of that state machine."""
    parse_state_machine_arn(state_machine_arn)
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def workflow_of_state_machine(arn: str) -> str | None:
    """Which workflow a state machine (or an execution of it) runs, guessed from the state
    machine's name (``dev-ImsTrainingGoldLoad``, ``ims-refresh-local-reset``); None when the
    name does not say."""
    machine = _STATE_MACHINE_ARN.fullmatch(arn)
    execution = _EXECUTION_ARN.fullmatch(arn)
    if machine is not None:
        name = machine["name"]
    elif execution is not None:
        name = execution["machine"]
    else:
        return None
    squashed = re.sub(r"[^a-z]", "", name.lower())
    for workflow in WORKFLOWS:
        if squashed.endswith(re.sub(r"[^a-z]", "", workflow)):
            return workflow
    return None


@dataclass(frozen=True)
class Targets:
    """What one command needs to know about the deployment."""

    state_machines: dict[str, str] = field(default_factory=dict)
    """workflow → state machine ARN (only the workflows the command needs)."""
    reports_bucket: str | None = None
    scenario_bucket: str | None = None
    scenario_prefix: str = ""
    region: str | None = None
    stage: str | None = None

    def workflow_of(self, state_machine_arn: str) -> str | None:
        for workflow, arn in self.state_machines.items():
            if arn == state_machine_arn:
                return workflow
        return workflow_of_state_machine(state_machine_arn)


@dataclass(frozen=True)
class TargetOptions:
    """The target options of one command line (None: not given)."""

    stage: str | None = None
    state_machine_arn: str | None = None
    scenario_bucket: str | None = None
    scenario_prefix: str | None = None
    reports_bucket: str | None = None
    region: str | None = None


class _Sources:
    """Looks each value up in the documented order, asking CloudFormation lazily."""

    def __init__(
        self,
        options: TargetOptions,
        settings: DeploymentSettings,
        stack_outputs: StackOutputs | None,
        region: str | None,
    ) -> None:
        self.options = options
        self.settings = settings
        self.stack_outputs = stack_outputs
        self.region = region
        self._cache: dict[str, Mapping[str, str]] = {}

    def _outputs(self, stage: str | None) -> Mapping[str, str]:
        if stage is None:
            return {}
        name = stack_name(stage)
        if name not in self._cache:
            if self.stack_outputs is None:
                raise TargetError(f"cannot read the outputs of {name} here")
            self._cache[name] = self.stack_outputs(name, self.region)
        return self._cache[name]

    def value(self, option: str | None, output: str, from_env: str | None) -> str | None:
        if option:
            return option
        found = self._outputs(self.options.stage).get(output)
        if found:
            return found
        if from_env:
            return from_env
        if self.options.stage is None:
            return self._outputs(self.settings.stage).get(output) or None
        return None

    def optional(self, option: str | None, output: str, from_env: str | None) -> str | None:
        """Like ``value``, but a stack that cannot be read just leaves it unknown."""
        try:
            return self.value(option, output, from_env)
        except (TargetError, AwsUnavailableError):
            return option or from_env

    @property
    def stage(self) -> str | None:
        return self.options.stage or self.settings.stage

    def required(
        self, what: str, option: tuple[str, str | None], output: str, env: DeploymentEnvName
    ) -> str:
        """``value`` of a setting the command cannot do without; TargetError naming what
        is missing and how to give it (``option``: its name and the value given)."""
        found = self.value(option[1], output, self.settings.get(env))
        if found is None:
            where = (
                f"the stack {stack_name(self.stage)} has no output {output}"
                if self.stage
                else f"no --stage (or {DeploymentEnvName.STAGE}) names the deployment"
            )
            raise TargetError(f"{what} is unknown: {where}; pass {option[0]} or set {env}")
        return found

    def lookup(
        self,
        needed: bool,
        what: str,
        option: tuple[str, str | None],
        output: str,
        env: DeploymentEnvName,
    ) -> str | None:
        if needed:
            return self.required(what, option, output, env)
        return self.optional(option[1], output, self.settings.get(env))


def resolve_targets(
    options: TargetOptions,
    *,
    workflows: tuple[str, ...],
    need_scenario_bucket: bool = False,
    need_reports_bucket: bool = False,
    environ: Mapping[str, str] | None = None,
    stack_outputs: StackOutputs | None = None,
) -> Targets:
    """The state machines of ``workflows`` (all must be found) and the buckets.

    ``options.state_machine_arn`` names the state machine of the single workflow in
    ``workflows``. Raises TargetError naming what is missing and how to give it.
    """
    settings = DeploymentSettings.load(environ)
    if options.state_machine_arn is not None and len(workflows) != 1:
        raise TargetError("--state-machine-arn needs exactly one workflow (use --workflow)")
    explicit_region = options.region or None
    if options.state_machine_arn:
        explicit_region = (
            explicit_region or parse_state_machine_arn(options.state_machine_arn)["region"]
        )
    sources = _Sources(options, settings, stack_outputs, explicit_region or settings.region)
    machines: dict[str, str] = {}
    for workflow in workflows:
        arn = sources.required(
            f"the {workflow} state machine",
            ("--state-machine-arn", options.state_machine_arn),
            STATE_MACHINE_OUTPUTS[workflow],
            STATE_MACHINE_ENV[workflow],
        )
        parse_state_machine_arn(arn)
        machines[workflow] = arn
    reports_bucket = sources.lookup(
        need_reports_bucket,
        "the reports bucket",
        ("--reports-bucket", options.reports_bucket),
        REPORTS_BUCKET_OUTPUT,
        DeploymentEnvName.REPORTS_BUCKET,
    )
    scenario_bucket = sources.lookup(
        need_scenario_bucket,
        "the scenario bucket (to upload a local scenario file to)",
        ("--scenario-bucket (or give the file as s3://bucket/key)", options.scenario_bucket),
        SCENARIO_BUCKET_OUTPUT,
        DeploymentEnvName.SCENARIO_BUCKET,
    )
    prefix = None
    if scenario_bucket is not None:
        # The gold load may read only under the stack's prefix: an upload elsewhere
        # would start an execution that cannot read its file.
        prefix = sources.lookup(
            need_scenario_bucket,
            "the scenario prefix (where the gold load may read)",
            ("--scenario-prefix", options.scenario_prefix),
            SCENARIO_PREFIX_OUTPUT,
            DeploymentEnvName.SCENARIO_PREFIX,
        )
    for bucket in (reports_bucket, scenario_bucket):
        if bucket is not None and not _BUCKET.fullmatch(bucket):
            raise TargetError(f"{bucket!r} is not an S3 bucket name")
    return Targets(
        state_machines=machines,
        reports_bucket=reports_bucket,
        scenario_bucket=scenario_bucket,
        scenario_prefix=_normalized_prefix(prefix or ""),
        region=explicit_region or _region_of(machines) or settings.region,
        stage=sources.stage,
    )


def _normalized_prefix(prefix: str) -> str:
    prefix = prefix.strip().lstrip("/")
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _region_of(machines: Mapping[str, str]) -> str | None:
    for arn in machines.values():
        return parse_state_machine_arn(arn)["region"]
    return None
