"""``ims-refresh start reset --customers N,N,...|--scenarios FILE``: start a restore of
some customers in the deployed reset state machine.

The customers are checked here first (exit code 2 before anything starts). The execution
input names them by a scenario file in S3, never by a list: ``--customers`` is written as
a one-column scenario file and uploaded like a local ``--scenarios`` file (to the scenario
bucket's prefix, ending ``.upload`` so no trigger starts a gold load for it); an
``s3://`` file is checked where it is (under the prefix the workflows may read).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from ims_refresh.aws.client import Aws, default_stack_outputs
from ims_refresh.aws.start import scenario_location, start_execution
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    resolve_targets,
)
from ims_refresh.aws.waiting import NO_WAITING, Waiting
from ims_refresh.checks import read_scenario_file
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import fail
from ims_refresh.restore_customers import from_customers, from_file
from ims_refresh.run_report import execution_name
from training_refresh.errors import BadInputError

CUSTOMERS_FILE_NAME = "customers.csv"


def start_restore(
    *,
    customers: str | None,
    scenarios: str | None,
    options: TargetOptions,
    waiting: Waiting = NO_WAITING,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh start reset --customers|--scenarios``; exit codes per design §6."""
    out, err = out or sys.stdout, err or sys.stderr
    in_s3 = scenarios is not None and scenarios.startswith("s3://")
    try:
        data: bytes | None = None
        if scenarios is None:
            data = from_customers(customers or "").data
            source = CUSTOMERS_FILE_NAME
        elif not in_s3:
            data = from_file(Path(scenarios), read_scenario_file(Path(scenarios))).data
            source = scenarios
        else:
            source = scenarios
        targets = resolve_targets(
            options,
            workflows=("reset",),
            need_scenario_bucket=not in_s3,
            environ=environ,
            stack_outputs=stack_outputs or default_stack_outputs(environ),
        )
        aws = Aws(targets.region)
        name = execution_name("restore")
        location = scenario_location(aws, targets, source, data, name)
    except (BadInputError, TargetError, AwsUnavailableError) as error:
        return fail(err, error)
    given = f"--customers {customers}" if scenarios is None else scenarios
    return start_execution(
        aws,
        targets,
        "reset",
        name=name,
        request={"customers": location.uri},
        notes=[
            f"restores only the customers of {location.uri}"
            + ("" if in_s3 else f" (uploaded from {given})"),
        ],
        waiting=waiting,
        out=out,
        err=err,
    )
