"""boto3 clients for the operator commands, and AWS errors as the CLI's two outcomes.

An AWS call that fails is either the operator's to fix in the command line (no region:
:class:`TargetError`, exit code 2) or AWS not answering as asked (credentials, network,
permissions: :class:`AwsUnavailableError`, exit code 1). Both carry one readable line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from ims_refresh.aws.settings import DeploymentEnvName, DeploymentSettings
from ims_refresh.aws.targets import AwsUnavailableError, StackOutputs, TargetError

NO_REGION = (
    f"no AWS region: set {DeploymentEnvName.AWS_REGION} (or {DeploymentEnvName.AWS_DEFAULT_REGION}"
    ", or region in the AWS config), pass --region, or name the deployment by ARN"
)
NO_CREDENTIALS = (
    "use the host's instance profile, set AWS_PROFILE, or run `aws configure` "
    "(docs/cli.md, troubleshooting)"
)

OPERATOR_CLIENT_CONFIG = Config(
    connect_timeout=10, read_timeout=60, retries={"mode": "standard", "total_max_attempts": 5}
)
"""An operator's host reaches AWS over the internet or a proxy, so connecting may take
longer than from a Lambda (``training_refresh/adapters/aws_config.py``); still, a host that
cannot reach an endpoint is told so in seconds, not after botocore's 60 s per attempt with
legacy retries. ``start --wait`` asks every few seconds; one slow answer costs one poll."""


class Aws:
    """boto3 clients of one region, created once each.

    ``region`` None: ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` of ``environ``, then boto3's
    own configuration (``~/.aws/config``).
    """

    def __init__(self, region: str | None, environ: Mapping[str, str] | None = None) -> None:
        self.region = region or DeploymentSettings.load(environ).region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            try:
                self._clients[service] = boto3.client(
                    service, region_name=self.region, config=OPERATOR_CLIENT_CONFIG
                )
            except NoRegionError as error:
                raise TargetError(NO_REGION) from error
        return self._clients[service]

    @property
    def sfn(self) -> Any:
        return self.client("stepfunctions")

    @property
    def s3(self) -> Any:
        return self.client("s3")


def cloudformation_outputs(client_factory: Callable[[str | None], Any]) -> StackOutputs:
    """A StackOutputs reading ``DescribeStacks`` through ``client_factory(region)``."""

    def outputs(name: str, region: str | None) -> Mapping[str, str]:
        client = client_factory(region)
        try:
            stacks = client.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message", "")
            if "does not exist" in message:
                where = f" in {region}" if region else ""
                raise TargetError(f"there is no CloudFormation stack {name}{where}") from error
            raise AwsUnavailableError(f"cannot read stack {name}: {aws_problem(error)}") from error
        except NoRegionError as error:
            raise TargetError(NO_REGION) from error
        except BotoCoreError as error:
            raise AwsUnavailableError(f"cannot read stack {name}: {aws_problem(error)}") from error
        return {
            str(o["OutputKey"]): str(o["OutputValue"])
            for o in (stacks[0].get("Outputs") or [] if stacks else [])
        }

    return outputs


def default_stack_outputs(environ: Mapping[str, str] | None = None) -> StackOutputs:
    """Stack outputs read with ``DescribeStacks`` in the region asked for (or the default)."""
    return cloudformation_outputs(lambda region: Aws(region, environ).client("cloudformation"))


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def aws_problem(error: BotoCoreError | ClientError) -> str:
    """One line saying what went wrong with an AWS call, and what to do where it is clear."""
    if isinstance(error, NoCredentialsError):
        return f"{error}: {NO_CREDENTIALS}"
    if isinstance(error, EndpointConnectionError):
        return f"{error}: check the network, proxy or VPC endpoints of this host"
    if isinstance(error, ClientError):
        code = error_code(error)
        message = str(error.response.get("Error", {}).get("Message", "")) or str(error)
        if "AccessDenied" in code or code == "UnauthorizedOperation":
            return f"access denied ({code}): {message} (the role's permissions: docs/runbook.md)"
        if code in {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}:
            return f"the AWS credentials are not valid ({code}): renew them"
        return f"{code}: {message}" if code else message
    return str(error)


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """Turn a failing AWS call into AwsUnavailableError (or TargetError: no region)."""
    try:
        yield
    except NoRegionError as error:
        raise TargetError(NO_REGION) from error
    except (ClientError, BotoCoreError) as error:
        raise AwsUnavailableError(f"{what}: {aws_problem(error)}") from error


def is_transient_aws_error(error: Exception) -> bool:
    """Network trouble, throttling and AWS-side errors: worth asking again."""
    if isinstance(error, NoCredentialsError):
        return False
    if isinstance(error, BotoCoreError):
        return True
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = error_code(error)
        return status >= 500 or "Throttl" in code or code in {"TooManyRequestsException"}
    return False
