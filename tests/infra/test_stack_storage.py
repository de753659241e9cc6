"""The run reports bucket and its access log bucket."""

from __future__ import annotations

from aws_cdk.assertions import Match
from infra_support import Synthesized, cdk_context, props, resources


def _bucket(template: dict, prefix: str) -> str:
    (logical_id,) = (k for k in resources(template, "AWS::S3::Bucket") if k.startswith(prefix))
    return logical_id


def test_reports_bucket_is_encrypted_private_logged_and_expires_files(synth: Synthesized):
    for stage, template in synth.templates.items():
        settings = cdk_context()["ims:stages"][stage]
        # Given the reports bucket
        reports = props(template, _bucket(template, "ReportsBucket"))
        logs_bucket = _bucket(template, "AccessLogsBucket")

        # Then it is encrypted and closed to the public
        (encryption,) = reports["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert reports["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        # And its server access logs go to the log bucket
        assert reports["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_bucket}
        # And work files and run reports expire after the stage's retention
        rules = {rule["Id"]: rule for rule in reports["LifecycleConfiguration"]["Rules"]}
        assert rules["expire-work-files"]["Prefix"] == "work/"
        assert (
            rules["expire-work-files"]["ExpirationInDays"] == (settings["work_file_retention_days"])
        )
        assert rules["expire-run-reports"]["Prefix"] == "reports/"
        assert (
            rules["expire-run-reports"]["ExpirationInDays"] == (settings["report_retention_days"])
        )
        assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {
            "DaysAfterInitiation": 1
        }
        # And its name carries the stage
        assert reports["BucketName"]["Fn::Join"][1][0].startswith(f"{stage}-ims-training-reports-")


def test_both_buckets_refuse_requests_without_tls(synth: Synthesized):
    template = synth.template("prod")
    for prefix in ("ReportsBucket", "AccessLogsBucket"):
        # Given a bucket's policy
        bucket = _bucket(synth.templates["prod"], prefix)

        # Then it denies every request that does not use TLS
        template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": {"Ref": bucket},
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Action": "s3:*",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                    "Principal": {"AWS": "*"},
                                }
                            )
                        ]
                    )
                },
            },
        )


def test_access_logs_are_private_encrypted_and_expire(synth: Synthesized):
    template = synth.templates["dev"]
    # Given the access log bucket
    access_logs = props(template, _bucket(template, "AccessLogsBucket"))

    # Then it is private, encrypted with S3 keys (what log delivery supports) and expires
    assert access_logs["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    (encryption,) = access_logs["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = access_logs["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90


def test_buckets_are_kept_when_the_stack_is_deleted(synth: Synthesized):
    # Given the buckets, Then deleting the stack (or a rollback) never deletes run reports
    for logical_id, bucket in resources(synth.templates["prod"], "AWS::S3::Bucket").items():
        assert bucket["DeletionPolicy"] == "Retain", logical_id
