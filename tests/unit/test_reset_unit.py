"""The reset's table selection, naming, report status and ASL wiring, without databases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fakes.object_store import MemoryObjectStore

from training_refresh import errors
from training_refresh.errors import BadInputError, UnknownTableError
from training_refresh.messages.common import requested_names
from training_refresh.messages.reset import ResetReportEvent
from training_refresh.registry import HANDLERS, WORKFLOWS
from training_refresh.reset.report import build_reset_report
from training_refresh.reset.tables import (
    FILL_SUFFIX,
    NEW_SUFFIX,
    OLD_SUFFIX,
    ResetTables,
    select_tables,
    work_table_name,
)
from training_refresh.table_groups import load_table_groups, parse_table_groups

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"
CONFIGS = load_table_groups()


def test_no_names_means_every_table_of_every_enabled_config_in_config_order() -> None:
    assert [s.training_table for s in select_tables(CONFIGS, None)] == [
        "IMS_CUS_EMAIL",
        "IMS_MASON_CRN",
        "IMS_MASON_PREFERENCES",
        "IMS_ORDER",
        "IMS_AUTH",
        "IMS_CUSTOMER",
    ]


def test_named_tables_are_matched_exactly_once_each_in_config_order() -> None:
    chosen = select_tables(CONFIGS, ["IMS_CUSTOMER", "IMS_ORDER", "IMS_CUSTOMER"])
    assert [s.training_table for s in chosen] == ["IMS_ORDER", "IMS_CUSTOMER"]


@pytest.mark.parametrize(
    "name", ["ims_order", " IMS_ORDER", "IMS_ORDER`", "IMS_ORDER;", "IMS_ORDER_GOLD", "", "X"]
)
def test_anything_but_an_exact_configured_name_is_unknown(name: str) -> None:
    with pytest.raises(UnknownTableError, match="not a configured training table"):
        select_tables(CONFIGS, [name])
    assert issubclass(UnknownTableError, BadInputError)


def test_an_empty_list_or_a_disabled_config_table_is_rejected() -> None:
    with pytest.raises(UnknownTableError, match="no training table named"):
        select_tables(CONFIGS, [])
    document = json.loads((Path(errors.__file__).parent / "table_configs.json").read_text("utf-8"))
    document["configs"][4]["enabled"] = False  # customer
    partly_disabled = parse_table_groups(json.dumps(document))
    with pytest.raises(UnknownTableError, match="disabled"):
        select_tables(partly_disabled, ["IMS_CUSTOMER"])
    assert "IMS_CUSTOMER" not in [s.training_table for s in select_tables(partly_disabled, None)]


def test_the_tables_of_a_request_may_be_a_list_or_a_comma_separated_string() -> None:
    assert requested_names(None, "training table") is None
    assert requested_names("IMS_ORDER, IMS_AUTH,", "training table") == ["IMS_ORDER", "IMS_AUTH"]
    assert requested_names(["IMS_ORDER"], "training table") == ["IMS_ORDER"]
    with pytest.raises(BadInputError):
        requested_names([1], "training table")
    with pytest.raises(BadInputError):
        requested_names({"IMS_ORDER": True}, "training table")


def test_work_table_names_are_deterministic_and_fit_mysql() -> None:
    names = ResetTables.of(CONFIGS.table("IMS_MASON_PREFERENCES"))
    assert names.work_tables == (
        "IMS_MASON_PREFERENCES__RESET_FILL",
        "IMS_MASON_PREFERENCES__RESET_NEW",
        "IMS_MASON_PREFERENCES__RESET_OLD",
    )
    longest = "T" * 59  # the longest training table name the configuration accepts
    for suffix in (FILL_SUFFIX, NEW_SUFFIX, OLD_SUFFIX):
        name = work_table_name(longest, suffix)
        assert len(name) <= 64
        assert name.endswith(suffix)
        assert name == work_table_name(longest, suffix)
    assert work_table_name(longest, NEW_SUFFIX) != work_table_name("T" * 58 + "U", NEW_SUFFIX)


# --- ASL wiring ----------------------------------------------------------------------------


def _asl() -> dict[str, Any]:
    return json.loads((STATEMACHINES / WORKFLOWS["reset"]).read_text("utf-8"))


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_placeholder_of_the_reset_asl_has_a_handler() -> None:
    text = (STATEMACHINES / WORKFLOWS["reset"]).read_text("utf-8")
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    assert placeholders == {
        "PrepareResetFunctionArn",
        "CopyResetTableFunctionArn",
        "SwapResetTablesFunctionArn",
        "WriteResetReportFunctionArn",
        "RestoreCustomersFunctionArn",
        "WriteRestoreReportFunctionArn",
    }
    assert placeholders <= set(HANDLERS)


def test_every_error_name_the_reset_asl_matches_is_a_domain_error_or_a_service_error() -> None:
    names = {
        name
        for node in _walk(_asl())
        for rule in (node.get("Retry", []) + node.get("Catch", []))
        for name in rule["ErrorEquals"]
    }
    for name in names:
        if name == "States.ALL" or name.startswith(("Lambda.", "Sandbox.")):
            continue  # AWS's names (Sandbox.Timedout: a timed-out invocation)
        assert issubclass(getattr(errors, name), errors.TrainingRefreshError), name


def test_the_swap_only_follows_a_choice_on_the_copies() -> None:
    states = _asl()["States"]
    into_swap = [
        name
        for name, state in states.items()
        if state.get("Next") == "Swap all training tables at once"
        or any(
            c.get("Next") == "Swap all training tables at once" for c in state.get("Choices", [])
        )
    ]
    assert into_swap == ["Did every copy succeed?"]
    assert states["Bad input"]["ErrorPath"] == "$.error_name"


# --- report status ---------------------------------------------------------------------------


def _report(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    store = MemoryObjectStore()
    event = {
        "execution": {"name": "reset-1", "start_time": "2026-01-01T00:00:00+00:00"},
        "state": state,
    }
    outcome = build_reset_report(
        ResetReportEvent.model_validate(event),
        store=store,
        work_bucket="work",
        connect_mysql=None,
    )
    report = json.loads(store.objects[("work", "reports/reset/reset-1.json")])
    return outcome.model_dump(mode="json"), report


def _failure(name: str, message: str) -> dict[str, str]:
    return {"Error": name, "Cause": json.dumps({"errorMessage": message, "errorType": name})}


PLAN = {
    "plan": {
        "step": "prepare-reset",
        "run_id": "reset-1",
        "tables": ["IMS_ORDER", "IMS_AUTH"],
        "started_at": "2026-01-01T00:00:00.100+00:00",
        "waited_for_gold_loads_seconds": 0.0,
        "waited_for_gold_loads": [],
        "superseded_resets": [],
        "leftovers_dropped": [],
    }
}


def copied(table: str, rows: int) -> dict[str, Any]:
    return {"step": "copy-reset-table", "table": table, "status": "copied", "rows": rows,
            "duration_seconds": 0.1}  # fmt: skip


def swapped(attempts: int) -> dict[str, Any]:
    result = {"step": "swap-reset-tables", "status": "swapped", "tables": ["IMS_ORDER", "IMS_AUTH"],
              "attempts": attempts, "duration_seconds": 0.2, "old_tables_dropped": [],
              "warnings": []}  # fmt: skip
    return {"result": result}


def test_a_report_of_a_swapped_run_succeeds_with_rows_per_table() -> None:
    outcome, report = _report(
        {
            "prepared": PLAN,
            "copies": [copied("IMS_ORDER", 5), copied("IMS_AUTH", 0)],
            "swapped": swapped(attempts=2),
        }
    )
    assert outcome["status"] == "succeeded"
    assert outcome["error_name"] is None
    assert report["rows_copied"] == 5
    assert [t["status"] for t in report["tables"]] == ["swapped", "swapped"]
    assert report["warnings"] == ["the gold copy of IMS_AUTH is empty, so IMS_AUTH is empty now"]


def test_a_report_of_bad_input_names_the_error() -> None:
    outcome, report = _report({"prepare_error": _failure("UnknownTableError", "not a table")})
    assert outcome["status"] == "bad_input"
    assert outcome["error_name"] == "UnknownTableError"
    assert report["errors"][0]["message"] == "not a table"


def test_a_report_of_a_failed_copy_or_swap_fails_naming_it() -> None:
    outcome, report = _report(
        {
            "prepared": PLAN,
            "copies": [
                copied("IMS_ORDER", 5),
                {"table": "IMS_AUTH", "status": "failed", "error": _failure("X", "boom")},
            ],
            "copy_check": {"any_failed": True},
        }
    )
    assert outcome["status"] == "failed"
    assert outcome["failed_tables"] == ["IMS_AUTH"]
    assert "IMS_AUTH: X: boom" in outcome["summary"]
    assert report["rows_copied"] == 0
    outcome, _ = _report({"prepared": PLAN, "swap_error": _failure("SwapBlockedError", "trainees")})
    assert (outcome["status"], outcome["error_name"]) == ("failed", "SwapBlockedError")
