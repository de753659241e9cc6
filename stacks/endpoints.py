"""VPC endpoints for the Lambdas' AWS calls, for a stage whose private subnets have no NAT.

The Lambdas run in private subnets and call three AWS APIs: S3 (scenario files, work files,
reports), Secrets Manager (the MySQL and Redshift secrets) and the Redshift Data API. The
stage setting ``vpc.create_endpoints`` makes one endpoint for each:

* **S3: a gateway endpoint** on the private subnets' route tables (free; a route, no
  network interface). Its policy is AWS's default (full access): the route serves every
  workload of those subnets, and the Lambdas' own roles already limit what they may touch.
* **Secrets Manager and ``redshift-data``: interface endpoints** with private DNS in the
  same subnets, so the SDK's default host names resolve to them and no code changes. Their
  security group admits HTTPS (443) from the Lambdas' security group and nothing else.

Everything else the functions need needs no endpoint: Lambda writes their logs, X-Ray
segments and EMF metrics (stdout) itself, KMS is called by Secrets Manager and S3 on the
functions' behalf, and Redshift credentials are fetched by the Data API. docs/deploy.md
says what to arrange when the endpoints are not made here.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

HTTPS: Final = ec2.Port.tcp(443)

INTERFACE_ENDPOINTS: Final = {
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "RedshiftData": ec2.InterfaceVpcEndpointAwsService.REDSHIFT_DATA,
}
"""Interface endpoints by construct id."""


class LambdaEndpoints(Construct):
    """The S3 gateway endpoint and the interface endpoints the Lambdas call."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        lambda_security_group: ec2.ISecurityGroup,
        description: str,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{description}: HTTPS from the Lambdas to the interface endpoints",
            allow_all_outbound=False,  # endpoints only answer; they start no connection
        )
        self.security_group.add_ingress_rule(
            lambda_security_group, HTTPS, "HTTPS from the IMS training refresh Lambdas"
        )
        self.s3 = ec2.GatewayVpcEndpoint(
            self,
            "S3",
            vpc=vpc,
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[subnets],
        )
        self.interfaces = {
            name: ec2.InterfaceVpcEndpoint(
                self,
                name,
                vpc=vpc,
                service=service,
                subnets=subnets,
                security_groups=[self.security_group],
                private_dns_enabled=True,
                open=False,  # no rule for the whole VPC: only the ingress rule above
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        }
