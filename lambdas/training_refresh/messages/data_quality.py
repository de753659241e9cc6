"""What the source looked like: the data-quality counts of design §3.2, per table.

The extraction SQL (``sql/extract``) collapses and resolves rows that share a key and
breaks ties by documented total orders; the merge counts the rows whose key moved to
another customer. These counts travel with each table's running totals (``TableCounts``)
and form the run report's ``data_quality`` section. They are counts only: no value.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from training_refresh.messages.common import Lenient, Message


class DataQualityCounts(Message):
    """One table's data-quality counts (running totals over the chunks loaded)."""

    duplicates_collapsed: int = 0
    """Source rows identical to another row of their key: counted once, the copies dropped."""
    duplicates_resolved: int = 0
    """Keys whose source rows differed (snapshot tables): the one with the greatest
    last-update timestamp was kept."""
    ties_broken: int = 0
    """Keys whose differing rows (or CDC changes) shared the greatest timestamp: the
    documented total order chose (CDC: D over U over I, then the business columns)."""
    rows_changed_owner: int = 0
    """Rows that replaced a gold row with the same key held by another customer."""
    rows_rejected: int = 0
    """CDC changes refused (operation not I/U/D, NULL operation or NULL timestamp): the
    config failed and published nothing."""

    def plus(self, other: DataQualityCounts) -> DataQualityCounts:
        return DataQualityCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in _FIELDS}
        )

    def nonzero(self) -> dict[str, int]:
        """The counts that are not zero, by name (what the CLI summary prints)."""
        return {name: value for name in _FIELDS if (value := getattr(self, name))}


_FIELDS = tuple(DataQualityCounts.model_fields)


class TableDataQuality(Lenient):
    table: str = ""
    duplicates_collapsed: int = 0
    duplicates_resolved: int = 0
    ties_broken: int = 0
    rows_changed_owner: int = 0
    rows_rejected: int = 0


class DataQualitySection(Lenient):
    """The run report's ``data_quality`` section: every table of every config of the run."""

    tables: list[TableDataQuality] = Field(default_factory=list)

    @classmethod
    def of(cls, tables: Iterable[tuple[str, DataQualityCounts]]) -> DataQualitySection:
        return cls(
            tables=[
                TableDataQuality(table=table, **counts.model_dump()) for table, counts in tables
            ]
        )

    def nonzero_lines(self) -> list[str]:
        """``IMS_ORDER: 2 duplicates collapsed, 1 rows changed owner`` for each table with
        a count that is not zero."""
        lines = []
        for table in self.tables:
            counts = DataQualityCounts(**table.model_dump(exclude={"table"})).nonzero()
            if counts:
                text = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
                lines.append(f"{table.table}: {text}")
        return lines
