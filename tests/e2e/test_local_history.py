"""``runs --local`` and ``status RUN_ID`` (issue 14 item 6): the local runs, read from the
reports in the report folder, shown with the views ``runs`` and ``status`` show of AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import warehouse_customers, write_scenario

from ims_refresh import cli
from ims_refresh.exit_codes import ExitCode
from ims_refresh.gold_load_command import run_gold_load
from ims_refresh.reset_command import run_reset
from ims_refresh.settings import LocalDatabases
from ims_refresh.synthetic_warehouse import DEMO_AS_OF

VIEW_KEYS = {
    "execution",
    "input",
    "summary",
    "progress",
    "progress_lines",
    "report_uri",
    "report_problem",
    "report",
    "follow",
}
"""The keys of ``aws.views.execution_view`` (tests/e2e/test_start_commands.py reads them)."""


def main_json(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = cli.main(["--json", *arguments])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def two_local_runs(databases: LocalDatabases, tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A gold load and then a reset on this machine, their reports in one folder (plus a file
    that is not a report)."""
    reports = tmp_path / "reports"
    customers = warehouse_customers(databases.warehouse_url, 20)
    scenario = write_scenario(tmp_path / "s.csv", customers)
    loaded = run_gold_load(
        scenarios=scenario,
        as_of=DEMO_AS_OF.isoformat(),
        tables=None,
        report_dir=reports,
        timeout=300,
        databases=databases,
    )
    assert loaded == ExitCode.SUCCESS
    assert run_reset(tables=None, report_dir=reports, timeout=300, databases=databases) == 0
    (reports / "notes.json").write_text('{"not": "a report"}', "utf-8")
    saved = [json.loads(path.read_text("utf-8")) for path in sorted(reports.glob("*-*.json"))]
    return reports, saved


def test_runs_local_lists_the_local_runs_newest_first(
    two_local_runs: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    reports, saved = two_local_runs
    gold_load = next(r for r in saved if r["workflow"] == "gold-load")
    reset = next(r for r in saved if r["workflow"] == "reset")
    # When the local runs are listed as JSON
    code, document = main_json(capsys, "--report-dir", str(reports), "runs", "--local")
    # Then both runs are there, newest first, in the views of AWS executions
    assert code == 0
    views = document["runs"]
    assert [v["execution"]["name"] for v in views] == [reset["run_id"], gold_load["run_id"]]
    assert all(set(view) == VIEW_KEYS for view in views)
    first = views[1]
    assert first["execution"]["status"] == "SUCCEEDED"
    assert first["execution"]["workflow"] == "gold-load"
    assert first["execution"]["arn"] is None
    assert first["report"] == gold_load
    assert first["report_uri"] == str(reports / f"{gold_load['run_id']}.json")
    assert first["input"]["as_of"] == DEMO_AS_OF.isoformat()
    assert first["summary"].startswith("gold load succeeded: 20 of 20 customers found")
    # And --workflow and --last choose among them
    code, document = main_json(
        capsys, "--report-dir", str(reports), "runs", "--local", "--workflow", "gold-load"
    )
    assert [v["execution"]["name"] for v in document["runs"]] == [gold_load["run_id"]]
    code, document = main_json(
        capsys, "--report-dir", str(reports), "runs", "--local", "--last", "1"
    )
    assert [v["execution"]["name"] for v in document["runs"]] == [reset["run_id"]]
    # And the listing for people has a few lines per run, the report's path among them
    capsys.readouterr()
    assert cli.main(["--report-dir", str(reports), "runs", "--local"]) == 0
    text = capsys.readouterr().out
    assert "gold-load  SUCCEEDED" in text
    assert f"report: {reports / (reset['run_id'] + '.json')}" in text


def test_status_of_a_local_run_id_shows_its_report(
    two_local_runs: tuple[Path, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    reports, saved = two_local_runs
    reset = next(r for r in saved if r["workflow"] == "reset")
    # When the status of the reset's run id is asked (no --local needed: its report is here)
    capsys.readouterr()
    assert cli.main(["--report-dir", str(reports), "status", reset["run_id"]]) == 0
    text = capsys.readouterr().out
    # Then it shows the execution header and the reset's summary, as for AWS
    assert text.startswith(f"reset {reset['run_id']}: SUCCEEDED")
    assert "execution: a local run on this machine" in text
    assert f"reset succeeded - run {reset['run_id']}" in text
    code, view = main_json(capsys, "--report-dir", str(reports), "status", reset["run_id"])
    assert code == 0
    assert set(view) == VIEW_KEYS
    assert view["report"] == reset


def test_status_local_of_an_unknown_run_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = main_json(
        capsys, "--report-dir", str(tmp_path), "status", "gold-load-1", "--local"
    )
    assert code == ExitCode.BAD_INPUT
    assert document["error"]["message"] == (
        f"ims-refresh: bad input: no local run 'gold-load-1' in {tmp_path}"
    )
    capsys.readouterr()
    assert cli.main(["--report-dir", str(tmp_path / "none"), "runs", "--local"]) == 0
    assert capsys.readouterr().out == f"no local runs in {tmp_path / 'none'}\n"
