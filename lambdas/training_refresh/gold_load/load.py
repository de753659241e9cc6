"""The gold load's second step: load one table group ("config"), chunk by chunk.

One invocation loads chunks from ``next_chunk`` on while its remaining time allows and
returns its progress; the state machine calls it again until ``done``. While one chunk is
merged, the next chunk's statements already run on Redshift (``extract``). Chunks are
merged into the config's build tables (``build``), which the publish step swaps in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from training_refresh.adapters.data_api import Warehouse
from training_refresh.adapters.mysql import Connection
from training_refresh.adapters.object_store import ObjectStore, get_json, put_json
from training_refresh.errors import TrainingRefreshError
from training_refresh.gold_load.build import prepare_builds
from training_refresh.gold_load.config_failure import record_failure
from training_refresh.gold_load.extract import ChunkExtraction
from training_refresh.gold_load.failure_place import TableInHand, failing_at
from training_refresh.gold_load.merge import MergeCounts, TableRows, replace_customers
from training_refresh.gold_load.privacy_gate import ConfigGate, ScannedChunk
from training_refresh.gold_load.work import WorkLocations, chunked
from training_refresh.hooks import CHUNK_LOADED, OnStep, ignore_step
from training_refresh.lease import DEFAULT_GOLD_LOAD_TIMES, LeaseTimes, renew_gold_load_lease
from training_refresh.messages.data_quality import DataQualityCounts
from training_refresh.messages.gold_load import ConfigProgress, ConfigTask, TableCounts
from training_refresh.table_groups import TableGroup, TableGroupSet


def load_config(
    task: ConfigTask,
    *,
    store: ObjectStore,
    work_bucket: str,
    warehouse: Warehouse,
    connect_mysql: Callable[[], Connection],
    table_groups: TableGroupSet,
    has_time_for: Callable[[float], bool],
    lease_times: LeaseTimes = DEFAULT_GOLD_LOAD_TIMES,
    on_step: OnStep = ignore_step,
) -> ConfigProgress:
    """Load chunks of one group, starting at ``next_chunk``, while time allows.

    Returns the task with ``next_chunk`` advanced and running totals; ``done`` says
    whether every chunk is loaded (the state machine calls again until it is).
    """
    work = WorkLocations(work_bucket, task.run_id)
    customers = get_json(store, work.customers)["customers"]
    group = table_groups.group(task.config)
    gate = ConfigGate(
        group,
        task.privacy,
        dry_run=task.dry_run,
        record=lambda totals: put_json(
            store,
            work.privacy(task.config),
            {table: scan.model_dump(mode="json") for table, scan in totals.items()},
        ),
    )
    load = _GroupLoad(
        task,
        group,
        chunked(customers, task.chunk_size),
        warehouse,
        has_time_for,
        gate=gate,
        on_step=on_step,
    )
    try:
        if task.dry_run:  # a preview writes nothing, so it never connects
            load.run(_Preview())
        else:
            with closing(connect_mysql()) as connection:
                renew_gold_load_lease(connection, task.run_id, lease_times, on_step=on_step)
                fresh = task.next_chunk == 0
                into = prepare_builds(connection, load.group, task.run_id, fresh=fresh)
                load.run(_Merge(connection, task.run_id, into, lease_times, on_step))
    except TrainingRefreshError as error:
        record_failure(
            store,
            work,
            task.config,
            error,
            chunks_loaded=load.next_chunk,
            tables=load.tables,
            failing_chunk_rows_read=load.chunk_rows_read,
        )
        raise
    done = load.next_chunk >= len(load.chunks)
    if done and task.dry_run:
        gate.finish()  # a preview that would be blocked fails like the real load would
    return ConfigProgress(
        **task.model_dump(exclude={"next_chunk", "tables", "duration_seconds", "privacy"}),
        next_chunk=load.next_chunk,
        done=done,
        status="loaded" if done else "loading",
        tables=load.tables,
        privacy=gate.totals,
        duration_seconds=round(load.elapsed, 3),
    )


class _Preview:
    """A preview extracts (and so counts) every row but writes none."""

    def __call__(
        self,
        group: TableGroup,
        chunk: Sequence[int],
        tables: list[TableRows],
        before_commit: Callable[[], None],
        in_hand: TableInHand,
    ) -> MergeCounts:
        for table in tables:
            for _batch in table.batches:
                pass
        before_commit()
        return MergeCounts()


@dataclass(frozen=True)
class _Merge:
    """Writes a chunk into the build tables ``into`` names, renewing the run's lease first."""

    connection: Connection
    run_id: str
    into: Mapping[str, str]
    lease_times: LeaseTimes
    on_step: OnStep

    def __call__(
        self,
        group: TableGroup,
        chunk: Sequence[int],
        tables: list[TableRows],
        before_commit: Callable[[], None],
        in_hand: TableInHand,
    ) -> MergeCounts:
        renew_gold_load_lease(self.connection, self.run_id, self.lease_times, on_step=self.on_step)
        self.on_step(f"merge-chunk:{group.name}")

        def checked_then_written() -> None:
            before_commit()  # the privacy gate: a blocked chunk rolls back here
            self.on_step(f"merge-chunk-written:{group.name}")

        return replace_customers(
            self.connection,
            chunk,
            tables,
            self.into,
            config=group.name,
            before_commit=checked_then_written,
            in_hand=in_hand,
        )


_Write = Callable[
    [TableGroup, Sequence[int], list[TableRows], Callable[[], None], TableInHand], MergeCounts
]


def _held(tables: list[TableRows], in_hand: TableInHand) -> list[TableRows]:
    """``tables`` whose rows, as they are read, say which table the merge has in hand."""

    def batches(table: TableRows) -> Iterator[Sequence[Sequence[Any]]]:
        in_hand.table = table.spec.training_table
        yield from table.batches
        in_hand.table = None

    return [TableRows(table.spec, batches(table)) for table in tables]


class _GroupLoad:
    """One invocation's work on one group; starts from the task's running totals."""

    def __init__(
        self,
        task: ConfigTask,
        group: TableGroup,
        chunks: list[Sequence[int]],
        warehouse: Warehouse,
        has_time_for: Callable[[float], bool],
        *,
        gate: ConfigGate,
        on_step: OnStep,
    ) -> None:
        self.group = group
        self.gate = gate
        self.on_step = on_step
        self.chunks = chunks
        self.as_of = task.as_of
        self.warehouse = warehouse
        self.has_time_for = has_time_for
        self.next_chunk = task.next_chunk
        self.tables = {
            spec.training_table: task.tables.get(spec.training_table, TableCounts())
            for spec in group.tables
        }
        self.elapsed = task.duration_seconds
        self.slowest_chunk = 0.0
        self.extractions: list[ScannedChunk] = []
        self.chunk_rows_read: dict[str, int] = {}
        """Rows of the chunk being loaded read so far, per table (a failed chunk's stay)."""

    def run(self, write: _Write) -> None:
        try:
            while self.next_chunk < len(self.chunks) and (
                self.next_chunk == 0 or self.has_time_for(self.slowest_chunk)
            ):
                self._load_chunk(write)
        finally:
            for extraction in self.extractions:  # a failed chunk, or one there was no time for
                extraction.abandon()

    def _extraction(self, index: int) -> ScannedChunk:
        chunk = self.chunks[index]
        with failing_at(index, len(self.chunks)):
            extraction = ChunkExtraction(self.warehouse, self.group.tables, chunk, self.as_of)
            return self.gate.chunk(self.warehouse, extraction, chunk)

    def _load_chunk(self, write: _Write) -> None:
        started = time.monotonic()
        index = self.next_chunk
        read: dict[str, int] = {}
        self.chunk_rows_read = read
        if not self.extractions:
            self.extractions.append(self._extraction(index))
        if index + 1 < len(self.chunks) and self.has_time_for(2 * self.slowest_chunk):
            # Redshift runs the next chunk's statements while this chunk is merged.
            self.extractions.append(self._extraction(index + 1))
        in_hand = TableInHand()
        scanned = self.extractions[0]
        with failing_at(index, len(self.chunks), in_hand):
            self.on_step(f"extract-chunk:{self.group.name}")
            rows = _held(scanned.table_rows(read), in_hand)
            merged = write(self.group, self.chunks[index], rows, scanned.check, in_hand)
        quality = scanned.quality
        for spec in self.group.tables:
            table = spec.training_table
            owners = DataQualityCounts(rows_changed_owner=merged.rows_changed_owner.get(table, 0))
            self.tables[table] = self.tables[table].plus(
                read.get(table, 0),
                merged.rows_written.get(table, 0),
                merged.rows_deleted.get(table, 0),
                quality.get(table, DataQualityCounts()).plus(owners),
            )
        self.extractions.pop(0)
        self.next_chunk += 1
        counted = merged.rows_written if merged.rows_written else read
        self.on_step(f"{CHUNK_LOADED}{self.group.name}:{sum(counted.values())}")
        seconds = time.monotonic() - started
        self.slowest_chunk = max(self.slowest_chunk, seconds)
        self.elapsed += seconds
