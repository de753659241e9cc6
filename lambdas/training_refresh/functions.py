"""Which Lambda handler stands behind each ``${...Arn}`` placeholder of the ASL files.

CDK (stacks/) and the local runtime both read this table, so the deployed functions and
the in-process ones can never drift apart.
"""

from typing import Final

HANDLERS: Final[dict[str, str]] = {
    "PlanGoldLoadFunctionArn": "training_refresh.handlers.gold_load.plan",
    "LoadConfigFunctionArn": "training_refresh.handlers.gold_load.load",
    "WriteGoldLoadReportFunctionArn": "training_refresh.handlers.gold_load.report",
    "PrepareResetFunctionArn": "training_refresh.handlers.reset.prepare",
    "CopyResetTableFunctionArn": "training_refresh.handlers.reset.copy",
    "SwapResetTablesFunctionArn": "training_refresh.handlers.reset.swap",
    "WriteResetReportFunctionArn": "training_refresh.handlers.reset.report",
}

WORKFLOWS: Final[dict[str, str]] = {
    "gold-load": "gold_load.asl.json",
    "reset": "reset.asl.json",
}
