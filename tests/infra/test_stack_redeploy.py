"""`cdk destroy` and deploying the same stage again: nothing kept blocks the new stack."""

from __future__ import annotations

import json

from infra_support import Synthesized, props, resources, retained_name

RETAINED = {"Retain", "RetainExceptOnCreate"}


def _name_properties(properties: dict) -> dict:
    return {key: value for key, value in properties.items() if key.endswith("Name")}


def test_no_retained_resource_has_a_fixed_name(synth: Synthesized):
    kinds: set[str] = set()
    for stage, template in synth.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource.get("DeletionPolicy") not in RETAINED:
                continue
            # Given a resource that cdk destroy leaves behind (buckets, log groups, key)
            kinds.add(resource["Type"])
            for key, value in _name_properties(resource.get("Properties", {})).items():
                # Then its name is made new for every stack, from the stack's own id, so a
                # redeploy after a destroy never collides with what was kept
                assert "AWS::StackId" in json.dumps(value), (stage, logical_id, key, value)
                assert stage in retained_name(value), (stage, logical_id, key)
    # (the kinds kept on purpose were all looked at)
    assert {"AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key"} <= kinds


def test_the_schedule_group_goes_with_the_stack(synth: Synthesized):
    # Given qa, which has reset schedules
    template = synth.templates["qa"]
    (logical_id,) = resources(template, "AWS::Scheduler::ScheduleGroup")
    group = template["Resources"][logical_id]

    # Then its group keeps the readable fixed name but is deleted on destroy (it holds only
    # this stack's schedules), so the name is free again for the next deploy
    assert props(template, logical_id)["Name"] == "qa-ImsTrainingReset"
    assert group.get("DeletionPolicy", "Delete") == "Delete"
    assert group.get("UpdateReplacePolicy", "Delete") == "Delete"


def test_retained_names_stay_readable(synth: Synthesized):
    # Given prod's two buckets (the log groups' names are checked with their functions)
    template = synth.templates["prod"]
    names = {
        retained_name(p["BucketName"])
        for p in (b["Properties"] for b in resources(template, "AWS::S3::Bucket").values())
    }

    # Then they say what they are, for which stage and account, and end in the stack id part
    assert names == {
        "prod-ims-training-reports-${AWS::AccountId}-{stack-id}",
        "prod-ims-training-access-logs-${AWS::AccountId}-{stack-id}",
    }
