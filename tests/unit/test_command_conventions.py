"""Every command of the command table keeps the CLI's conventions (docs/runbook.md, "The
commands"): global options before or after it, help text on every option with its default,
examples at the end of its --help. A command added to ``cli.COMMANDS`` is held to them too.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ims_refresh.cli import build_parser
from ims_refresh.table_names import resolve_tables
from training_refresh.errors import UnknownTableError
from training_refresh.table_groups import load_table_groups

GLOBAL_OPTIONS = ("--json", "--debug", "--log-level", "--report-dir")


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction]:  # type: ignore[type-arg]
    return [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in _subparsers(parser):
        for name, child in action.choices.items():
            yield (*path, name), child
            yield from _commands(child, (*path, name))


COMMANDS = list(_commands(build_parser()))
IDS = [" ".join(path) for path, _ in COMMANDS]


def test_the_command_table_is_walked() -> None:
    names = {path[0] for path, _ in COMMANDS}
    assert {"start", "status", "runs", "run", "demo", "seed-warehouse"} <= names
    assert ("run", "gold-load") in {path for path, _ in COMMANDS}


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=IDS)
def test_every_command_takes_the_global_options_and_ends_its_help_with_examples(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    options = {option for action in parser._actions for option in action.option_strings}
    assert set(GLOBAL_OPTIONS) <= options, f"{' '.join(path)}: use options.add_command"
    text = parser.format_help()
    assert "examples:" in text, f"{' '.join(path)}: give add_command examples"
    examples = text.rsplit("examples:", 1)[1].strip().splitlines()
    assert examples, path
    assert all(line.strip().startswith(f"ims-refresh {path[0]}") for line in examples), examples


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=IDS)
def test_every_option_has_help_and_shows_its_default(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{' '.join(path)} {action.option_strings[0]}: no help text"
        shown = formatter._expand_help(action) if action.help else ""
        has_default = action.default not in (None, False, argparse.SUPPRESS)
        if has_default:
            assert "default" in shown, f"{action.option_strings[0]} hides its default: {shown}"


def test_version_and_global_options_after_the_command() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--version"])
    assert exit_.value.code == 0
    after = parser.parse_args(["run", "reset", "--log-level", "info", "--json"])
    before = parser.parse_args(["--log-level", "INFO", "--json", "run", "reset"])
    assert after.log_level == before.log_level == "INFO"
    assert after.json and before.json
    assert parser.parse_args(["run", "reset"]).log_level == "WARNING"


# ----------------------------------------------------------------------------- --tables


def test_tables_take_config_and_table_names_in_any_case() -> None:
    assert resolve_tables(" ORDER_AUTH , ims_customer", "reset") == [
        "IMS_ORDER",
        "IMS_AUTH",
        "IMS_CUSTOMER",
    ]
    assert resolve_tables("ims_order,Customer,cus_email,IMS_AUTH", "gold-load") == [
        "order_auth",
        "customer",
        "cus_email",
    ]
    assert resolve_tables(None, "reset") is None
    assert resolve_tables("IMS_AUTH,ims_auth", "reset") == ["IMS_AUTH"]


@pytest.mark.parametrize("text", ["IMS_ORD", "ims_order;drop", "`IMS_ORDER`", "order", ",", ""])
def test_tables_match_whole_names_only(text: str) -> None:
    with pytest.raises(UnknownTableError):
        resolve_tables(text, "reset")


def test_no_config_name_equals_a_table_name_in_any_case() -> None:
    groups = load_table_groups()
    configs = {group.name.casefold() for group in groups.groups}
    tables = {spec.training_table.casefold() for spec in groups.all_tables()}
    assert not configs & tables
