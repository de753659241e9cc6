"""Optional VPC endpoints (vpc.create_endpoints): S3 gateway, Secrets Manager and the Redshift
Data API as interface endpoints that only the Lambdas' security group may reach."""

from __future__ import annotations

import copy

import pytest
from infra_support import Synthesized, cdk_context, render, resources

from stacks.config import StageConfigError, load_stages


def _endpoints(template: dict) -> dict[str, dict]:
    return {
        str(render(p["ServiceName"])).rsplit(".", 1)[-1]: p
        for p in (e["Properties"] for e in resources(template, "AWS::EC2::VPCEndpoint").values())
    }


def test_stages_without_create_endpoints_make_none(synth: Synthesized):
    for stage, template in synth.templates.items():
        # Given a stage of cdk.json (its subnets reach AWS another way)
        assert not cdk_context()["ims:stages"][stage]["vpc"].get("create_endpoints", False)
        # Then the stack makes no endpoint and no security group
        assert resources(template, "AWS::EC2::VPCEndpoint") == {}
        assert resources(template, "AWS::EC2::SecurityGroup") == {}


def test_create_endpoints_makes_the_three_endpoints_the_lambdas_call(variants: Synthesized):
    # Given a stage with create_endpoints and one route table for both private subnets
    template = variants.templates["dbuser"]
    vpc = cdk_context()["ims:stages"]["dev"]["vpc"]
    endpoints = _endpoints(template)

    # Then S3 is a gateway endpoint on that route table (named once) of the stage's VPC
    assert set(endpoints) == {"s3", "secretsmanager", "redshift-data"}
    s3 = endpoints["s3"]
    assert s3["VpcEndpointType"] == "Gateway"
    assert s3["VpcId"] == vpc["vpc_id"]
    assert s3["RouteTableIds"] == ["rtb-aaaaaaaaaaaaaaaa1"]
    assert render(s3["ServiceName"]) == "com.amazonaws.${AWS::Region}.s3"  # the stack's region
    # And Secrets Manager and the Data API are interface endpoints with private DNS in the
    # Lambdas' subnets (the SDK's default host names then resolve to them)
    (group_id,) = resources(template, "AWS::EC2::SecurityGroup")
    for service in ("secretsmanager", "redshift-data"):
        endpoint = endpoints[service]
        assert endpoint["VpcEndpointType"] == "Interface"
        assert endpoint["PrivateDnsEnabled"] is True
        assert endpoint["SubnetIds"] == vpc["private_subnet_ids"]
        assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]


def test_only_the_lambdas_reach_the_interface_endpoints_and_only_on_443(variants: Synthesized):
    # Given the endpoints' security group
    template = variants.templates["dbuser"]
    (group,) = (g["Properties"] for g in resources(template, "AWS::EC2::SecurityGroup").values())
    lambda_group = cdk_context()["ims:stages"]["dev"]["vpc"]["security_group_id"]

    # Then its one ingress rule is HTTPS from the Lambdas' security group
    ingress = group.get("SecurityGroupIngress", []) + [
        r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
    ]
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"]) for r in ingress
    ] == [("tcp", 443, 443, lambda_group)]
    assert not any("CidrIp" in r or "CidrIpv6" in r for r in ingress)
    # And it opens no path outwards (CDK's placeholder rule that matches no traffic)
    assert [r["CidrIp"] for r in group["SecurityGroupEgress"]] == ["255.255.255.255/32"]


@pytest.mark.parametrize(
    ("vpc_change", "message"),
    [
        ({"create_endpoints": True}, "create_endpoints needs private_route_table_ids"),
        (
            {"create_endpoints": True, "private_route_table_ids": ["rtb-aaaaaaaaaaaaaaaa1"]},
            "route table of each private subnet",
        ),
        (
            {
                "create_endpoints": True,
                "private_route_table_ids": ["rtb-aaaaaaaaaaaaaaaa1", "rtb-aaaaaaaaaaaaaaaa2"],
                "availability_zones": ["us-east-1a", "us-east-1a"],
            },
            "distinct zones",
        ),
        ({"private_route_table_ids": ["rt-1", "rt-2"]}, "not a route table id"),
    ],
)
def test_endpoint_settings_that_cannot_work_fail_the_synth(vpc_change: dict, message: str):
    # Given dev with an unusable endpoint setting
    dev = copy.deepcopy(cdk_context()["ims:stages"]["dev"])
    dev["vpc"].update(vpc_change)

    # Then loading it fails naming the stage and the problem
    with pytest.raises(StageConfigError, match=message) as caught:
        load_stages({"dev": dev})
    assert str(caught.value).startswith("ims:stages.dev: vpc")
