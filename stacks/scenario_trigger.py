"""The small Express state machine that turns an S3 "Object Created" event into a gold load.

Why a state machine and not an EventBridge input transformer: the gold load needs
``as_of`` as ``YYYY-MM-DD``, and an input transformer can only copy whole fields (the key,
the event time), not cut a date out of the key or subtract a day. Step Functions' JSONata
can, without any Lambda code. The rule (all times UTC, as the gold load checks them):

* the key contains ``as-of=YYYY-MM-DD`` (e.g. ``.../gold-load/as-of=2025-03-31/picks.csv``):
  that date. The ten characters after ``as-of=`` are passed on as they are; the gold load
  validates them and refuses a malformed or future date as bad input (nothing written, the
  execution fails and alarms).
* otherwise: the day before the upload (the event's UTC date minus one), i.e. the last
  complete day of warehouse data.

Redelivery: EventBridge delivers an event at least once, and each delivery is a new trigger
execution. The gold load is started under the name ``s3-<upload time>-<event id prefix>``
(readable in the console) with an input made from the event alone, so every delivery of one
event asks for the same name and the same input:

* while the first gold load runs, StartExecution with the same name and input is idempotent
  for standard workflows: it answers with the running execution, nothing new starts;
* once it has ended, StartExecution fails with ``ExecutionAlreadyExists`` whatever the input;
  the optimized ``states:startExecution`` integration names that error
  ``StepFunctions.ExecutionAlreadyExistsException`` (the ``StepFunctions.`` prefix and the
  ``Exception`` suffix; ``aws-sdk:sfn:startExecution`` would say ``Sfn.``), which the Catch
  turns into a successful "Already started".

Hence no per-delivery value in the input: the trigger's own execution id
(``AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID``, the console's parent link) would differ
between deliveries and turn the idempotent start into an ``ExecutionAlreadyExists`` failure
while the first run is going. The name already says which upload started the run.
"""

from __future__ import annotations

import json
from typing import Any, Final

GOLD_LOAD_ARN_PLACEHOLDER: Final = "GoldLoadStateMachineArn"
EXECUTION_EXISTS_ERROR: Final = "StepFunctions.ExecutionAlreadyExistsException"
"""What ``arn:aws:states:::states:startExecution`` raises for a name already used (see above)."""

_KEY: Final = "$replace($states.input.detail.object.key, '%3D', '=')"
"""The object key; S3 may deliver '=' URL-encoded, so '%3D' is turned back into '='."""

AS_OF_EXPRESSION: Final = (
    f"$contains({_KEY}, 'as-of=')"
    f" ? $substring($substringAfter({_KEY}, 'as-of='), 0, 10)"
    " : $fromMillis($toMillis($states.input.time) - 86400000, '[Y0001]-[M01]-[D01]')"
)
SCENARIOS_EXPRESSION: Final = f"'s3://' & $states.input.detail.bucket.name & '/' & {_KEY}"
NAME_EXPRESSION: Final = (
    "'s3-' & $fromMillis($toMillis($states.input.time), '[Y0001][M01][D01]T[H01][m01][s01]Z')"
    " & '-' & $substring($states.input.id, 0, 8)"
)


def _jsonata(expression: str) -> str:
    return "{% " + expression + " %}"


def trigger_definition() -> dict[str, Any]:
    """The ASL (JSONata) of the trigger; ``${GoldLoadStateMachineArn}`` is substituted."""
    return {
        "Comment": (
            "Starts a gold load for a scenario file created under the trigger prefix. as_of:"
            " the date after 'as-of=' in the key, else the UTC day before the upload."
        ),
        "QueryLanguage": "JSONata",
        "TimeoutSeconds": 300,
        "StartAt": "Start gold load",
        "States": {
            "Start gold load": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Arguments": {
                    "StateMachineArn": "${" + GOLD_LOAD_ARN_PLACEHOLDER + "}",
                    "Name": _jsonata(NAME_EXPRESSION),
                    "Input": {
                        "scenarios": _jsonata(SCENARIOS_EXPRESSION),
                        "as_of": _jsonata(AS_OF_EXPRESSION),
                    },
                },
                "Retry": [
                    {"ErrorEquals": [EXECUTION_EXISTS_ERROR], "MaxAttempts": 0},
                    {
                        "ErrorEquals": ["States.ALL"],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 4,
                        "BackoffRate": 2.0,
                        "JitterStrategy": "FULL",
                    },
                ],
                "Catch": [{"ErrorEquals": [EXECUTION_EXISTS_ERROR], "Next": "Already started"}],
                "End": True,
            },
            "Already started": {
                "Type": "Succeed",
                "Comment": "A repeated delivery of an event whose gold load already ran.",
            },
        },
    }


def trigger_definition_json() -> str:
    return json.dumps(trigger_definition(), indent=2)
