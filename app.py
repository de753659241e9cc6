#!/usr/bin/env python3
"""CDK app: one ``{stage}-ImsTrainingRefresh`` stack per stage of cdk.json's ``ims:stages``.

``cdk synth`` builds every stage; ``cdk synth -c stage=prod`` (or naming the stack, e.g.
``cdk deploy prod-ImsTrainingRefresh``) limits the work to one. cdk-nag's AWS Solutions
checks run on every synth and fail it on any unacknowledged finding. See docs/deploy.md.
"""

from __future__ import annotations

from aws_cdk import App

from stacks.config import (
    STAGE_SELECTOR_CONTEXT_KEY,
    STAGES_CONTEXT_KEY,
    load_stages,
    select_stages,
)
from stacks.nag import add_nag_checks
from stacks.training_refresh_stack import TrainingRefreshStack


def build_app(app: App) -> dict[str, TrainingRefreshStack]:
    """Add the selected stages' stacks and the cdk-nag checks to ``app``."""
    stages = load_stages(app.node.try_get_context(STAGES_CONTEXT_KEY))
    selected = app.node.try_get_context(STAGE_SELECTOR_CONTEXT_KEY)
    stacks = {
        stage: TrainingRefreshStack(app, stage, settings)
        for stage, settings in select_stages(stages, selected).items()
    }
    add_nag_checks(app)
    return stacks


def main() -> None:
    app = App()
    build_app(app)
    app.synth()


if __name__ == "__main__":
    main()
