"""The privacy gate in the gold load: every kept value of a chunk scanned before commit.

The load step builds one ``ConfigGate`` per config (one ``TableScanner`` per table, the
config's running totals). Each chunk's extraction is wrapped by ``ConfigGate.chunk``,
which also submits the chunk's *source identity* statement (``sql/privacy/
source_identity.sql``: names, street line, phone and e-mail addresses of the chunk's
customers, from ims_customer and ims_cus_email) to run beside the extraction on Redshift.

Decisions:

- The rows are scanned as the merge reads them (the batches stay streamed); the kept
  columns are the same before and after the anonymizer. The identity rows are read at the
  first batch, held in an ``IdentityIndex`` for that chunk only and dropped when the
  chunk is checked; they are never written, logged or put in a message.
- ``ScannedChunk.check`` runs last inside the chunk's transaction (the merge's
  ``before_commit``): it adds the chunk's counts to the totals and, on a blocking finding,
  records the totals (``WorkLocations.privacy``, read by the report step) and raises
  ``PiiDetectedError``, so the transaction rolls back and the config publishes nothing.
- A dry run scans every chunk without stopping and raises ``PiiDetectedError`` after its
  last chunk when anything would be blocked: the preview fails that config (exit 1) and
  its report shows every column and customer a real load would block.
- A row's customer: its ``customer_scope`` column, or (IMS_AUTH) the customer of its
  parent row in the same chunk, by ``join_column`` (the parent table is read first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

from training_refresh.adapters.data_api import StartedQuery, Warehouse, customer_in_list
from training_refresh.errors import PiiDetectedError
from training_refresh.gold_load.extract import ChunkExtraction
from training_refresh.gold_load.merge import TableRows
from training_refresh.messages.data_quality import DataQualityCounts
from training_refresh.privacy.identity import CustomerIdentity, IdentityIndex
from training_refresh.privacy.report import ColumnPrivacy, PrivacySection, TablePrivacy
from training_refresh.privacy.scanner import ColumnScan, TableScan, TableScanner
from training_refresh.table_groups import TableGroup, TableSpec

SOURCE_IDENTITY_COLUMNS = (
    "customer_no",
    "first_name",
    "last_name",
    "address_line1",
    "phone_number",
    "email_address",
)

_Record = Callable[[Mapping[str, TableScan]], None]


def source_identity_sql(customers: Sequence[int]) -> str:
    template = (
        resources.files("training_refresh.sql")
        .joinpath("privacy", "source_identity.sql")
        .read_text("utf-8")
    )
    return template.replace("{customer_numbers}", customer_in_list(customers))


def empty_scan(spec: TableSpec) -> TableScan:
    """A table's scan before any chunk: every kept column, nothing scanned."""
    return TableScan(
        columns=tuple(
            ColumnScan(
                column=column,
                values_scanned=0,
                findings={},
                allowed={},
                customers=(),
                customer_count=0,
            )
            for column in spec.kept_columns
        )
    )


def blocked_message(config: str, scans: Mapping[str, TableScan], *, dry_run: bool) -> str:
    """What ``PiiDetectedError`` says: table, column, rules, counts, customers; no value."""
    lines = [
        ColumnPrivacy.kept(column).blocked_line(table)
        for table, scan in scans.items()
        for column in scan.columns
        if column.blocked
    ]
    outcome = "a real load would publish nothing of it" if dry_run else "it publishes nothing"
    return (
        f"config {config}: the privacy gate found personal data in kept columns "
        f"({'; '.join(lines)}); {outcome}"
    )


class ChunkIdentities:
    """The source identity statement of one chunk, submitted at once, read when needed."""

    def __init__(self, warehouse: Warehouse, customers: Sequence[int]) -> None:
        self._started: StartedQuery = warehouse.start(source_identity_sql(customers))

    def index(self) -> IdentityIndex:
        people: dict[int, dict[str, Any]] = {}
        for page in self._started.result():
            positions = [list(page.columns).index(name) for name in SOURCE_IDENTITY_COLUMNS]
            for row in page.rows:
                number, first, last, street, phone, email = (row[p] for p in positions)
                person = people.setdefault(int(number), {"customer_no": int(number), "emails": []})
                if email is not None:
                    person["emails"].append(str(email))
                else:
                    person.update(first_name=first, last_name=last, street_line=street, phone=phone)
        return IdentityIndex(
            CustomerIdentity.model_validate({**person, "emails": tuple(person["emails"])})
            for person in people.values()
        )

    def abandon(self) -> None:
        self._started.abandon()


class ConfigGate:
    """The privacy gate of one config's load: scanners per table and running totals."""

    def __init__(
        self,
        group: TableGroup,
        totals: Mapping[str, TableScan],
        *,
        dry_run: bool,
        record: _Record,
    ) -> None:
        self.group = group
        self.dry_run = dry_run
        self._record = record
        self.scanners = {
            spec.training_table: TableScanner(spec.columns, spec.kept_columns, spec.allowances)
            for spec in group.tables
        }
        self.totals: dict[str, TableScan] = {
            spec.training_table: totals.get(spec.training_table) or empty_scan(spec)
            for spec in group.tables
        }

    @property
    def blocked(self) -> bool:
        return any(scan.blocked for scan in self.totals.values())

    def chunk(
        self, warehouse: Warehouse, extraction: ChunkExtraction, customers: Sequence[int]
    ) -> ScannedChunk:
        """``extraction`` with the chunk's identity statement submitted beside it."""
        try:
            identities = ChunkIdentities(warehouse, customers)
        except BaseException:
            extraction.abandon()
            raise
        return ScannedChunk(self, extraction, identities)

    def add(self, scans: Mapping[str, TableScan]) -> None:
        """Add a chunk's scans; on a blocking finding of a real load, record and raise."""
        self.totals = {
            table: total.merged(scans[table]) if table in scans else total
            for table, total in self.totals.items()
        }
        blocked = any(scan.blocked for scan in scans.values())
        if blocked and not self.dry_run:
            self.raise_blocked()

    def finish(self) -> None:
        """After a dry run's last chunk: fail the config if anything would be blocked."""
        if self.blocked:
            self.raise_blocked()

    def raise_blocked(self) -> None:
        self._record(self.totals)
        raise PiiDetectedError(blocked_message(self.group.name, self.totals, dry_run=self.dry_run))


class ScannedChunk:
    """One chunk's extraction whose rows are scanned as the merge reads them."""

    def __init__(
        self, gate: ConfigGate, extraction: ChunkExtraction, identities: ChunkIdentities
    ) -> None:
        self._gate = gate
        self._extraction = extraction
        self._identities = identities
        self._index: IdentityIndex | None = None
        self._parents: dict[str, dict[object, object]] = {}
        self._scans: dict[str, TableScan] = {}

    @property
    def quality(self) -> dict[str, DataQualityCounts]:
        """The extraction's data-quality counts so far (``ChunkExtraction.quality``)."""
        return self._extraction.quality

    def table_rows(self, counter: dict[str, int]) -> list[TableRows]:
        """The extraction's rows (``ChunkExtraction.table_rows``), scanned as they pass."""
        return [
            TableRows(table.spec, self._scanned(table.spec, table.batches))
            for table in self._extraction.table_rows(counter)
        ]

    def check(self) -> None:
        """Before commit: add the chunk's counts to the totals, raise if it is blocked."""
        self._index = None  # the source identities are held for the chunk only
        self._parents.clear()
        scans, self._scans = self._scans, {}
        self._gate.add(scans)

    def abandon(self) -> None:
        self._index = None
        self._extraction.abandon()
        self._identities.abandon()

    def _scanned(
        self, spec: TableSpec, batches: Iterable[Sequence[Sequence[Any]]]
    ) -> Iterator[Sequence[Sequence[Any]]]:
        for batch in batches:
            self._scan(spec, batch)
            yield batch

    def _identity_index(self) -> IdentityIndex:
        if self._index is None:
            self._index = self._identities.index()
        return self._index

    def _scan(self, spec: TableSpec, batch: Sequence[Sequence[Any]]) -> None:
        table = spec.training_table
        self._remember_parents(spec, batch)
        scan = self._gate.scanners[table].scan(
            batch, self._customers(spec, batch), self._identity_index()
        )
        earlier = self._scans.get(table)
        self._scans[table] = earlier.merged(scan) if earlier else scan

    def _customers(self, spec: TableSpec, batch: Sequence[Sequence[Any]]) -> list[int | None]:
        scope = spec.customer_scope
        if scope.through_table is None or scope.join_column is None:
            position = spec.columns.index(scope.column)
            return [_number(row[position]) for row in batch]
        parents = self._parents.get(scope.through_table, {})
        position = spec.columns.index(scope.join_column)
        return [_number(parents.get(row[position])) for row in batch]

    def _remember_parents(self, spec: TableSpec, batch: Sequence[Sequence[Any]]) -> None:
        for child in self._gate.group.tables:
            scope = child.customer_scope
            if scope.through_table != spec.training_table or scope.join_column is None:
                continue
            key = spec.columns.index(scope.join_column)
            customer = spec.columns.index(scope.column)
            self._parents.setdefault(spec.training_table, {}).update(
                (row[key], row[customer]) for row in batch
            )


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def privacy_section(groups: Iterable[TableGroup], scans: Mapping[str, TableScan]) -> PrivacySection:
    """The report's ``privacy`` section for the tables of ``groups``: every column with its
    treatment, the kept ones with their scan totals (nothing scanned when absent)."""
    tables = []
    for group in groups:
        for spec in group.tables:
            scan = scans.get(spec.training_table) or empty_scan(spec)
            kept = {column.column: column for column in scan.columns}
            masked = spec.masked_columns
            tables.append(
                TablePrivacy.of(
                    spec.training_table,
                    [
                        ColumnPrivacy.masked(column, masked[column])
                        if column in masked
                        else ColumnPrivacy.kept(kept[column])
                        for column in spec.columns
                    ],
                )
            )
    return PrivacySection(tables=tuple(tables))
