"""``ims-refresh gold list``: who is in the gold copies, since when, from which file, why.

Locally it reads the live catalog ``IMS_GOLD_CATALOG`` of the training database; with
``--stage`` (or ``--reports-bucket``) it reads the deployed stage's catalog file
``gold/catalog.json`` in the reports bucket, which every publication writes
(``training_refresh.gold_ops.catalog_file``), so it needs S3 read access only.

``--customers N,N,...`` lists only those customers (read like a restore's,
``restore_customers.parse_customer_list``). Bad numbers, an empty list, or a list
none of whose customers is in the catalog are bad input (exit 2); customers of the list
that the catalog lacks are named in the output (``not_in_catalog``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from ims_refresh.aws.client import Aws, aws_problem, default_stack_outputs, error_code
from ims_refresh.aws.targets import (
    AwsUnavailableError,
    StackOutputs,
    TargetError,
    TargetOptions,
    resolve_targets,
)
from ims_refresh.exit_codes import ExitCode
from ims_refresh.failures import database_problem, fail, say
from ims_refresh.output import offer
from ims_refresh.restore_customers import parse_customer_list
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from training_refresh.adapters.mysql import connect
from training_refresh.errors import BadInputError
from training_refresh.gold_ops.catalog_file import (
    CATALOG_KEY,
    MAX_CATALOG_FILE_BYTES,
    local_document,
)


def _only(document: dict[str, Any], customers: list[int] | None) -> dict[str, Any]:
    """``document`` with the entries of ``customers`` only, and the ones it lacks."""
    if customers is None:
        return document
    wanted = set(customers)
    entries = [e for e in document.get("entries", []) if e.get("customer_number") in wanted]
    found = {e["customer_number"] for e in entries}
    if not found:
        raise BadInputError(
            f"none of the {len(customers)} customer(s) of --customers is in the gold catalog"
        )
    return {
        **document,
        "customers": len(entries),
        "entries": entries,
        "not_in_catalog": sorted(wanted - found),
    }


def _stage_document(
    options: TargetOptions, stack_outputs: StackOutputs | None, environ: Mapping[str, str] | None
) -> dict[str, Any]:
    targets = resolve_targets(
        options,
        workflows=(),
        need_reports_bucket=True,
        environ=environ,
        stack_outputs=stack_outputs or default_stack_outputs(environ),
    )
    bucket = str(targets.reports_bucket)
    uri = f"s3://{bucket}/{CATALOG_KEY}"
    try:
        body = Aws(targets.region, environ).s3.get_object(Bucket=bucket, Key=CATALOG_KEY)
        document = json.loads(body["Body"].read(MAX_CATALOG_FILE_BYTES))
    except ClientError as error:
        if error_code(error) in {"NoSuchKey", "404"}:
            raise BadInputError(
                f"{uri} does not exist: no gold load, removal or undo has published since "
                "the catalog was introduced"
            ) from error
        raise AwsUnavailableError(f"cannot read {uri}: {aws_problem(error)}") from error
    except BotoCoreError as error:
        raise AwsUnavailableError(f"cannot read {uri}: {aws_problem(error)}") from error
    except json.JSONDecodeError as error:
        raise AwsUnavailableError(f"{uri} is not a catalog file: {error}") from error
    if not isinstance(document, dict):
        raise AwsUnavailableError(f"{uri} is not a catalog file")
    return {**document, "source": uri}


def _local_document(databases: LocalDatabases | None) -> dict[str, Any]:
    url = (databases or local_databases()).training
    with connect(url, workflow_session=False) as connection:
        document = local_document(connection)
    return {**document, "source": "training database (IMS_GOLD_CATALOG)"}


def print_catalog(document: Mapping[str, Any], out: TextIO) -> None:
    entries = document.get("entries", [])
    print(
        f"gold catalog ({document.get('source')}): {len(entries)} customer(s), "
        f"gold generation {document.get('generation')}",
        file=out,
    )
    if entries:
        print(
            f"  {'customer':>15}  {'first loaded':<19}  {'last loaded':<19}  {'as of':<10}  "
            "run / file / label",
            file=out,
        )
    for entry in entries:
        first = str(entry.get("first_loaded_at") or "-")[:19].replace("T", " ")
        last = str(entry.get("last_loaded_at") or "-")[:19].replace("T", " ")
        label = entry.get("label") or "-"
        print(
            f"  {entry.get('customer_number'):>15}  {first:<19}  {last:<19}  "
            f"{entry.get('as_of')!s:<10}  {entry.get('run_id')} / {entry.get('scenario_file')}"
            f" / {label}",
            file=out,
        )
    missing = document.get("not_in_catalog") or []
    if missing:
        shown = ", ".join(str(c) for c in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        print(f"  not in the gold catalog: {shown}{more}", file=out)


def gold_list(
    *,
    customers: str | None = None,
    options: TargetOptions | None = None,
    databases: LocalDatabases | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stack_outputs: StackOutputs | None = None,
    environ: Mapping[str, str] | None = None,
) -> ExitCode:
    """``ims-refresh gold list``: 0 when listed, 2 for bad input, 1 when the catalog
    cannot be read. ``options`` set: the deployed stage's file, else the local catalog."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        wanted = list(parse_customer_list(customers)) if customers is not None else None
        if options is not None:
            document = _stage_document(options, stack_outputs, environ)
        else:
            document = _local_document(databases)
        document = _only(document, wanted)
    except (BadInputError, TargetError, SettingsError, AwsUnavailableError) as error:
        return fail(err, error)
    except Exception as error:
        problem = database_problem(error)
        if problem is None:
            raise
        say(err, f"ims-refresh: {problem}")
        return ExitCode.FAILED
    offer(document)
    print_catalog(document, out)
    return ExitCode.SUCCESS
