"""Column treatments: what the privacy gate does with every extracted column (design §4.6).

Each table of ``table_configs.json`` has ``treatments``, one entry per column of
``columns``:

- ``{"masked": "<anonymizer>"}``: the table's anonymizer replaces the column's values;
  the name is the column anonymizer of ``anonymize.COLUMN_ANONYMIZERS`` that does it
  (``fictional_email``...), so a misspelt or non-existent anonymizer is refused, and so is
  a column the anonymizer replaces but the config calls kept (or the reverse).
- ``{"kept": "<reason>"}``: the source value goes to MySQL as it is, for the reason given
  ("business code, no personal data"). Every text value of a kept column is scanned
  before commit (``privacy/``); ``"allow": {"<rule>": "<reason>"}`` names detector rules
  whose findings are expected in that column and do not block (a city that is also a
  surname).

Decisions: a column without a treatment, a treatment of a column not in ``columns``, an
empty or blank reason, an unknown rule and an allowance on a masked column are all
configuration errors when the file loads, named by their place
(``configs.4.tables.0.treatments.city``). A table without an anonymizer has only kept
columns. The allowances go to the scanner as ``ColumnAllowance``.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from training_refresh.anonymize import COLUMN_ANONYMIZERS, KEPT_BY_ANONYMIZER
from training_refresh.privacy.detectors import Rule
from training_refresh.privacy.scanner import ColumnAllowance

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A reason a person wrote: not empty, not blank."""


class ColumnTreatment(BaseModel):
    """One column's entry of ``treatments``: exactly one of ``masked`` and ``kept``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    masked: str | None = Field(default=None, min_length=1)
    """The column anonymizer that replaces the values."""
    kept: Reason | None = None
    """Why the source value may be kept."""
    allow: dict[Rule, Reason] = Field(default_factory=dict)
    """Rules expected in this kept column, each with its reason."""

    @model_validator(mode="after")
    def _one_treatment(self) -> Self:
        if (self.masked is None) == (self.kept is None):
            raise ValueError('declare exactly one of {"masked": anonymizer} or {"kept": reason}')
        if self.allow and self.kept is None:
            raise ValueError("allowances belong to kept columns (a masked column is not scanned)")
        return self

    @property
    def is_kept(self) -> bool:
        return self.kept is not None


def treatment_problems(
    training_table: str,
    anonymizer: str | None,
    columns: tuple[str, ...],
    treatments: dict[str, ColumnTreatment],
) -> list[str]:
    """What is wrong with a table's treatments (empty when nothing is), one text each."""
    problems = [
        f"{column}: no treatment; declare {{'masked': anonymizer}} or {{'kept': reason}}"
        for column in columns
        if column not in treatments
    ]
    problems += [
        f"{column}: treatment of a column that is not in columns"
        for column in treatments
        if column not in columns
    ]
    replaced = COLUMN_ANONYMIZERS.get(anonymizer or "", {})
    for column, treatment in treatments.items():
        if column not in columns:
            continue
        expected = replaced.get(column)
        if treatment.masked is not None and treatment.masked != expected:
            problems.append(
                f"{column}: {_mask_problem(training_table, anonymizer, treatment.masked, expected)}"
            )
        elif treatment.is_kept and expected is not None:
            problems.append(
                f"{column}: kept, but the {anonymizer} anonymizer replaces it; "
                f"declare {{'masked': {expected!r}}}"
            )
        elif anonymizer and treatment.is_kept and column not in KEPT_BY_ANONYMIZER[anonymizer]:
            problems.append(
                f"{column}: kept, but the {anonymizer} anonymizer does not know it; "
                "classify it in anonymize.py first"
            )
    return problems


def _mask_problem(table: str, anonymizer: str | None, named: str, expected: str | None) -> str:
    if anonymizer is None:
        return f"masked by {named!r}, but {table} has no anonymizer"
    if expected is not None:
        return f"the {anonymizer} anonymizer masks it with {expected!r}, not {named!r}"
    known = ", ".join(sorted(COLUMN_ANONYMIZERS[anonymizer].values()))
    return f"the {anonymizer} anonymizer has no {named!r} for it (it has: {known})"


def masked_columns(treatments: dict[str, ColumnTreatment]) -> dict[str, str]:
    """Masked column -> its anonymizer."""
    return {c: t.masked for c, t in treatments.items() if t.masked is not None}


def kept_columns(columns: tuple[str, ...], treatments: dict[str, ColumnTreatment]) -> list[str]:
    """The kept columns, in column order: the ones the privacy gate scans."""
    return [column for column in columns if treatments[column].is_kept]


def allowances(treatments: dict[str, ColumnTreatment]) -> list[ColumnAllowance]:
    return [
        ColumnAllowance(column=column, rule=rule, reason=reason)
        for column, treatment in treatments.items()
        for rule, reason in treatment.allow.items()
    ]
