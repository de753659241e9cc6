"""cdk-nag AWS Solutions checks run in every synth; none is left unacknowledged."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from infra_support import Synthesized, cdk_context, synthesize_stacks

from stacks import nag
from stacks.workflows import load_workflows


def _report(outdir) -> dict:
    path = outdir / "validation-report.json"
    return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}


@pytest.mark.parametrize("fixture", ["synth", "variants"])
def test_synth_leaves_no_cdk_nag_finding(fixture: str, request: pytest.FixtureRequest):
    # Given every stage synthesized with the AWS Solutions checks (the fixture would have
    # raised on any unacknowledged finding)
    synthesized: Synthesized = request.getfixturevalue(fixture)

    # When the validation report is read
    reports = _report(synthesized.outdir)["pluginReports"]

    # Then no plugin failed and nothing of error severity remains
    assert all(report["conclusion"] == "success" for report in reports)
    assert not [
        violation["ruleName"]
        for report in reports
        for violation in report["violations"]
        if violation["severity"] == "error" or "AwsSolutions" in violation["ruleName"]
    ]


def test_a_new_finding_fails_the_synth(tmp_path):
    # Given an app with the project's checks and a resource that breaks a rule
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Probe")
    s3.Bucket(stack, "PlainBucket")  # no TLS enforcement, no access logs
    nag.add_nag_checks(app)

    # When it is synthesized, Then synthesis fails and the report names the rules
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    rules = {
        violation["ruleName"]
        for report in _report(tmp_path)["pluginReports"]
        for violation in report["violations"]
    }
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules


def test_an_acknowledgment_needs_a_specific_reason():
    # Given a construct, When a finding is acknowledged without a real reason, Then refused
    stack = Stack(App(), "Probe")
    with pytest.raises(ValueError, match="specific reason"):
        nag.acknowledge(stack, "AwsSolutions-L1", "ok")


def test_an_unlisted_handler_gets_the_fallback_profile_and_still_passes(tmp_path):
    # Given a workflow whose handler has no profile in training_refresh/registry.py
    (gold_load, *_) = load_workflows()
    handlers = dict.fromkeys(gold_load.placeholders, "training_refresh.handlers.brand_new.task")
    dev = cdk_context()["ims:stages"]["dev"]

    # When its stack is synthesized with the checks
    synthesized = synthesize_stacks(
        {"probe": dev}, tmp_path, workflows=[gold_load], handlers=handlers
    )

    # Then it synthesizes (every kind of access, all acknowledged) with an info note
    stack = synthesized.stacks["probe"]
    notes = [
        entry.data
        for child in stack.node.find_all()
        for entry in child.node.metadata
        if entry.type == "aws:cdk:info"
    ]
    assert any("has no profile in training_refresh/registry.py" in str(note) for note in notes)
