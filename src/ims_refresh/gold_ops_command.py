"""``ims-refresh run gold-undo|gold-remove`` and ``ims-refresh gold history`` on the local
databases.

``run gold-undo`` and ``run gold-remove`` execute their state machines on the local
runtime, like every ``run`` command (a removal's scenario file is checked here first,
then uploaded to the local S3). ``gold history`` reads the manifest of the kept gold states
(``IMS_GOLD_STATE``) and lists them newest first, saying which one is live and which one
the next undo would bring back.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ims_refresh.checks import read_scenario_file
from ims_refresh.exit_codes import ExitCode
from ims_refresh.local.runtime import LocalRuntime
from ims_refresh.local_execution import execute_locally
from ims_refresh.output import offer
from ims_refresh.run_report import print_gold_remove_summary, print_gold_undo_summary
from ims_refresh.settings import LocalDatabases, SettingsError, local_databases
from training_refresh.adapters.mysql import MySqlSettings, connect
from training_refresh.errors import BadInputError
from training_refresh.gold_state.manifest import GoldManifest, GoldState
from training_refresh.gold_state.store import read_manifest
from training_refresh.hooks import OnStep, ignore_step
from training_refresh.scenarios import parse_scenario_file


def run_gold_undo(
    *,
    report_dir: Path,
    timeout: float,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    """Execute the gold-undo state machine locally; exit code per docs/design.md §6."""
    return execute_locally(
        "gold-undo",
        lambda _runtime: {},
        databases=databases or local_databases(),
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_gold_undo_summary,
        on_step=on_step,
    )


def run_gold_remove(
    *,
    scenarios: Path,
    report_dir: Path,
    timeout: float,
    databases: LocalDatabases | None = None,
    on_step: OnStep = ignore_step,
) -> ExitCode:
    """Check the scenario file, then execute the gold-remove state machine locally."""
    try:
        parse_scenario_file(read_scenario_file(scenarios), source=str(scenarios))
        databases = databases or local_databases()
    except (BadInputError, SettingsError) as error:
        print(f"ims-refresh: bad input: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT

    given = {"scenario_file": str(scenarios)}

    def payload(runtime: LocalRuntime) -> dict[str, Any]:
        given["scenario_upload"] = runtime.upload_scenario_file(scenarios)
        return {"scenarios": given["scenario_upload"]}

    return execute_locally(
        "gold-remove",
        payload,
        databases=databases,
        report_dir=report_dir,
        timeout=timeout,
        print_summary=print_gold_remove_summary,
        on_step=on_step,
        report_fields=given,
    )


def read_history(url: MySqlSettings) -> GoldManifest:
    with connect(url, workflow_session=False) as connection, connection.cursor() as cursor:
        return read_manifest(cursor)


def _what_changed(state: GoldState) -> str:
    summary = state.summary
    if state.workflow == "initial":
        return "the gold copies before the first gold-changing run"
    if state.workflow == "gold-undo":
        back = f"run {state.content_run_id}" if state.content_run_id else "before any run"
        return f"undo: brought back the state after {back}"
    parts = []
    if summary.customers_loaded:
        parts.append(f"{summary.customers_loaded} customer(s) loaded")
    if summary.customers_removed:
        parts.append(f"{summary.customers_removed} customer(s) removed")
    if summary.scenario_file:
        parts.append(f"file {summary.scenario_file}")
    if summary.as_of:
        parts.append(f"as of {summary.as_of}")
    return ", ".join(parts) or "changed " + ", ".join(summary.tables_changed)


def history_document(manifest: GoldManifest) -> dict[str, Any]:
    chain = manifest.undo_chain()
    next_undo = chain[1].generation if len(chain) > 1 else None
    states = []
    for state in reversed(manifest.states):
        states.append(
            {
                "generation": state.generation,
                "workflow": state.workflow,
                "run_id": state.run_id,
                "published_at": state.published_at.isoformat() if state.published_at else None,
                "live": state.generation == manifest.current.generation,
                "next_undo_restores": state.generation == next_undo,
                "content_run_id": state.content_run_id,
                "what_changed": _what_changed(state),
                "summary": state.summary.model_dump(mode="json"),
            }
        )
    return {"current_generation": manifest.current.generation, "states": states}


def print_history(document: Mapping[str, Any], out: TextIO) -> None:
    live = document["current_generation"]
    print(f"kept gold states (newest first), live: generation {live}", file=out)
    for state in document["states"]:
        mark = "live" if state["live"] else ("undo" if state["next_undo_restores"] else "")
        when = (state["published_at"] or "-")[:19].replace("T", " ")
        run = state["run_id"] or "-"
        print(
            f"  {mark:<4} {state['generation']:>4}  {when:<19}  {state['workflow']:<11} "
            f"{run}: {state['what_changed']}",
            file=out,
        )
    if not any(state["next_undo_restores"] for state in document["states"]):
        print("  nothing to undo", file=out)
    else:
        print("  'undo' marks the state the next `ims-refresh run gold-undo` brings back", file=out)


def gold_history(databases: LocalDatabases | None = None, out: TextIO | None = None) -> ExitCode:
    document = history_document(read_history((databases or local_databases()).training))
    offer(document)
    print_history(document, out or sys.stdout)
    return ExitCode.SUCCESS
