"""The stack outputs ``ims-refresh start|status|runs`` reads (src/ims_refresh/aws/targets.py).

The command line finds a stage's deployment through these names, so a rename on either
side must show up here.
"""

from __future__ import annotations

from infra_support import Synthesized, cdk_context

from ims_refresh.aws.targets import (
    REPORTS_BUCKET_OUTPUT,
    REQUIRED_OUTPUTS,
    SCENARIO_BUCKET_OUTPUT,
    SCENARIO_OUTPUTS,
    SCENARIO_PREFIX_OUTPUT,
    STATE_MACHINE_OUTPUTS,
    stack_name,
)
from stacks.training_refresh_stack import stack_name as cdk_stack_name
from training_refresh.registry import WORKFLOWS


def test_the_cli_looks_for_the_stack_the_app_deploys(stage_names: list[str]) -> None:
    for stage in stage_names:
        assert stack_name(stage) == cdk_stack_name(stage)


def test_every_stage_outputs_the_state_machines_and_the_reports_bucket(
    synth: Synthesized,
) -> None:
    assert set(STATE_MACHINE_OUTPUTS) == set(WORKFLOWS)
    for stage, template in synth.templates.items():
        outputs = template["Outputs"]
        missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
        assert missing == [], f"{stage}: ims-refresh needs stack outputs {missing}"
        assert "Ref" in outputs[REPORTS_BUCKET_OUTPUT]["Value"]


def test_every_stage_outputs_where_scenario_files_go(synth: Synthesized) -> None:
    """``start gold-load --scenarios LOCAL_FILE`` uploads to this bucket and prefix."""
    for stage, template in synth.templates.items():
        outputs = template["Outputs"]
        assert [name for name in SCENARIO_OUTPUTS if name not in outputs] == []
        scenarios = cdk_context()["ims:stages"][stage]["scenarios"]
        assert outputs[SCENARIO_BUCKET_OUTPUT]["Value"] == scenarios["bucket"]
        assert outputs[SCENARIO_PREFIX_OUTPUT]["Value"] == scenarios["prefix"]
