"""The gold-load workflow's messages: plan, per-config progress, the publication, the run
report, the outcome.

The state machine (``statemachines/gold_load.asl.json``) keeps the plan under
``$.planned.plan``, each config's last result (or its recorded failure) in
``$.config_results``, the publication under ``$.published.result``, and a failed plan or
publication under ``$.plan_error`` / ``$.publish_error``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, JsonValue

from training_refresh.messages.common import (
    CaughtError,
    ErrorDetail,
    ExecutionInfo,
    Lenient,
    Message,
)
from training_refresh.messages.data_quality import DataQualityCounts, DataQualitySection
from training_refresh.privacy.report import PrivacySection
from training_refresh.privacy.scanner import TableScan

GoldLoadStatus = Literal["succeeded", "failed", "bad_input"]


class GoldLoadRequest(Lenient):
    """The execution input as an operator gave it; the plan step validates every field."""

    scenarios: JsonValue = None
    """``s3://bucket/key`` of the scenario file."""
    as_of: JsonValue = None
    tables: JsonValue = None
    """Table config names (a list or a comma-separated string); None: every enabled one."""
    dry_run: JsonValue = False
    scenario_name: JsonValue = None
    """The scenario file as the operator named it (a local path that a command uploaded);
    None: the ``scenarios`` URI. Kept in the gold catalog."""


class PlanGoldLoadEvent(Message):
    request: GoldLoadRequest
    execution: ExecutionInfo


class GoldLoadPlan(Message):
    """What the plan decided; the customers themselves are in S3 (``customers_key``)."""

    step: Literal["plan-gold-load"] = "plan-gold-load"
    run_id: str
    as_of: str
    scenario_file: str
    scenario_name: str = ""
    """The scenario file as the operator named it (the catalog's ``scenario_file``)."""
    configs: list[str]
    customers_key: str
    chunk_size: int
    chunk_count: int
    customers_requested: int
    customers_found: int
    customers_missing: int
    missing_sample: list[int]
    dry_run: bool
    lease_wait_seconds: float
    gold_generation: int = 0
    """The published gold generation the run's build tables are copied from."""
    leftovers_dropped: list[str] = Field(default_factory=list)
    """Tables of killed gold-changing runs the plan dropped."""
    notices: list[str] = Field(default_factory=list)
    """Schema drift: source columns the configs do not extract (``source_schema``)."""
    started_at: str


class TableCounts(Message):
    """Running totals of one table of a config."""

    rows_read: int = 0
    rows_written: int = 0
    rows_replaced: int = 0
    data_quality: DataQualityCounts = Field(default_factory=DataQualityCounts)
    """What the source looked like (design §3.2): rows collapsed, resolved, rejected..."""

    def plus(
        self, read: int, written: int, replaced: int, quality: DataQualityCounts | None = None
    ) -> TableCounts:
        return TableCounts(
            rows_read=self.rows_read + read,
            rows_written=self.rows_written + written,
            rows_replaced=self.rows_replaced + replaced,
            data_quality=self.data_quality.plus(quality) if quality else self.data_quality,
        )


class ConfigTask(Message):
    """One call of the load step: the Map's item, or the step's own previous result (the
    state machine calls it again until ``done``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    config: str
    run_id: str
    as_of: str
    chunk_size: int
    next_chunk: int = 0
    dry_run: bool = False
    tables: dict[str, TableCounts] = Field(default_factory=dict)
    duration_seconds: float = 0.0
    privacy: dict[str, TableScan] = Field(default_factory=dict)
    """Running totals of the privacy gate's scan, per training table."""


class ConfigProgress(ConfigTask):
    """The load step's result: the task advanced to ``next_chunk``, with running totals."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: Literal["load-config"] = "load-config"
    done: bool
    status: Literal["loaded", "loading"]


class ConfigFailure(Message):
    """What the ``Record config failure`` state keeps of a config whose load failed: the
    chunks and running totals the failing call started from, and the error."""

    config: str
    status: Literal["failed"]
    next_chunk: int = 0
    tables: dict[str, TableCounts] = Field(default_factory=dict)
    privacy: dict[str, TableScan] = Field(default_factory=dict)
    """The privacy scan totals the failing call started from (a blocked config's own are
    in S3: ``WorkLocations.privacy``)."""
    error: CaughtError


ConfigResult = Annotated[ConfigProgress | ConfigFailure, Field(discriminator="status")]


class FailedCallTotals(Message):
    """What a config's failing load call had done when its error left it (a work file of
    the run, ``gold_load.config_failure``): a failed call's result is lost, Step Functions
    keeps only the error."""

    error: ErrorDetail
    """The error as the report step will see it (name, message), to tell this call's file
    from one an earlier attempt left."""
    chunks_loaded: int
    tables: dict[str, TableCounts]
    """Running totals over the chunks loaded before the failing one."""
    failing_chunk_rows_read: dict[str, int] = Field(default_factory=dict)
    """Rows of the failing chunk read per table before it failed (a table it did not reach
    is not listed); they were rolled back with the chunk."""


class PlannedStep(Message):
    plan: GoldLoadPlan


class GoldLoadPublished(Message):
    """The publish step's result: which configs' build tables went live in one RENAME."""

    step: Literal["publish-gold-load"] = "publish-gold-load"
    published: bool
    """False for a preview, or when no config loaded (then nothing changed)."""
    configs_published: list[str] = Field(default_factory=list)
    configs_not_published: list[str] = Field(default_factory=list)
    """Configs whose load failed: their build tables were dropped, their gold copies kept."""
    tables_published: list[str] = Field(default_factory=list)
    generation: int | None = None
    """The gold generation now published (None when nothing was)."""
    previous_generation: int | None = None
    rename_attempts: int = 0
    locked_seconds: float = 0.0
    """How long the publishing RENAME held its locks: the instant readers waited."""
    dropped: list[str] = Field(default_factory=list)
    """Build tables of failed configs, and versions no kept state refers to any more."""
    catalog_entries: int = 0
    """Customers this load entered (or updated) in the gold catalog."""
    warnings: list[str] = Field(default_factory=list)

    def progress_line(self) -> str:
        if not self.published:
            return "published: nothing, the gold copies are unchanged"
        return (
            f"published: gold generation {self.generation}, "
            f"{len(self.tables_published)} table(s) in one RENAME"
        )


class PublishedStep(Message):
    result: GoldLoadPublished


class GoldLoadState(Lenient):
    """The whole state after the Map: the execution input's fields beside the steps'."""

    scenarios: JsonValue = None
    as_of: JsonValue = None
    tables: JsonValue = None
    planned: PlannedStep | None = None
    plan_error: CaughtError | None = None
    config_results: list[ConfigResult] = Field(default_factory=list)
    published: PublishedStep | None = None
    publish_error: CaughtError | None = None


class PublishGoldLoadEvent(Message):
    execution: ExecutionInfo
    state: GoldLoadState


class GoldLoadReportEvent(Message):
    execution: ExecutionInfo
    state: GoldLoadState


# --- the run report (JSON in S3) ---------------------------------------------------------


class CustomerCounts(Lenient):
    requested: int = 0
    found: int = 0
    missing: int = 0
    missing_sample: list[int] = Field(default_factory=list)
    """The first 100 missing customers (``missing_customers`` has them all)."""
    missing_customers: list[int] | None = None
    """Every missing customer, ascending, when at most ``MISSING_LISTED`` are missing
    (None in reports of earlier versions)."""
    missing_file: str | None = None
    """When more are missing: the URI (locally, the path) of a file listing them all."""


PREVIEWED = "previewed"
"""A preview's config that was counted in full (a real load's is ``loaded``)."""


TableStatus = Literal["failed", "read", "not read"]


class TableReport(TableCounts):
    """One table of a config in the run report: its totals and, in a failed config, what
    became of it in the failing chunk."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: TableStatus | None = Field(default=None, exclude_if=lambda status: status is None)
    """A failed config's tables only: ``failed`` (the table its error names), ``read`` (the
    failing chunk read its rows, then rolled back) or ``not read`` (not reached)."""
    failing_chunk_rows_read: int | None = Field(default=None, exclude_if=lambda rows: rows is None)
    """A failed config's tables only: rows of the failing chunk read before it failed."""
    error: ErrorDetail | None = Field(default=None, exclude_if=lambda error: error is None)
    """The failed table only: the config's error (name, redacted message)."""


class ConfigReport(Lenient):
    config: str | None = None
    status: str = "failed"
    """``loaded``, ``previewed`` (a dry run: counted, nothing written) or ``failed``; a
    failed config's ``tables`` and ``chunks_loaded`` are where its failing call failed
    (where it started when the call left no ``FailedCallTotals``: a Lambda timed out)."""
    tables: dict[str, TableReport] = Field(default_factory=dict)
    chunks_loaded: int = 0
    duration_seconds: float = 0.0
    published: bool | None = None
    """Whether the config's gold copies were published (None: a preview, or a report of
    an earlier version)."""
    error: ErrorDetail | None = Field(default=None, exclude_if=lambda error: error is None)
    failed_chunk: int | None = Field(default=None, exclude_if=lambda chunk: chunk is None)
    """A failed config: the number (from 1) of the chunk that failed, when the error says
    (``gold_load.failure_place``; not for a Lambda that timed out or crashed)."""
    failed_table: str | None = Field(default=None, exclude_if=lambda table: table is None)
    """A failed config: the training table whose statement or rows failed, when one was."""


class GoldLoadError(ErrorDetail):
    config: str | None = None
    """The config that failed; None for the plan or the publication."""
    step: str | None = Field(default=None, exclude_if=lambda step: step is None)
    """``publish`` for an error of the publication (then nothing was published), ``plan``
    for a plan that failed on something other than its input (the warehouse, the training
    database); None for bad input."""


class GoldLoadPublication(Lenient):
    """The report's ``publication`` section: what went live, and how long readers waited."""

    published: bool = False
    generation: int | None = None
    previous_generation: int | None = None
    configs_published: list[str] = Field(default_factory=list)
    configs_not_published: list[str] = Field(default_factory=list)
    tables_published: list[str] = Field(default_factory=list)
    catalog_entries: int = 0
    """Customers this load entered or updated in the gold catalog (``gold list``)."""
    rename_attempts: int = 0
    locked_seconds: float = 0.0
    leftovers_dropped: list[str] = Field(default_factory=list)
    """Tables of killed gold-changing runs that the plan dropped."""
    dropped: list[str] = Field(default_factory=list)
    """This run's tables dropped: failed configs' builds, version tables no kept state
    refers to, every build when nothing was published."""


class GoldLoadReport(Lenient):
    """The gold load's run report. Lenient: the CLI also reads reports of earlier versions
    and the short stand-in it makes when a run ended before its report step."""

    workflow: str = "gold-load"
    run_id: str
    status: str
    dry_run: bool = False
    as_of: JsonValue = None
    scenario_file: JsonValue = None
    requested_tables: JsonValue = None
    """``--tables`` as given (None: every enabled config)."""
    training_database: str | None = None
    """``host:port/database`` the run wrote (None when its settings could not be read)."""
    chunk_count: int = 0
    customers: CustomerCounts = Field(default_factory=CustomerCounts)
    configs: list[ConfigReport] = Field(default_factory=list)
    errors: list[GoldLoadError] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    publication: GoldLoadPublication | None = None
    """None in a preview's report, an earlier version's, or a CLI stand-in."""
    notices: list[str] = Field(default_factory=list)
    """Schema drift the plan saw: source columns the configs do not extract."""
    privacy: PrivacySection = Field(default_factory=PrivacySection)
    """The privacy gate, per table and column (empty in reports of earlier versions)."""
    data_quality: DataQualitySection = Field(default_factory=DataQualitySection)
    """What the source looked like, per table (design §3.2; empty in earlier versions)."""
    lease_wait_seconds: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float = 0.0
    note: str | None = Field(default=None, exclude_if=lambda note: note is None)
    """Why this is not the report step's own report (CLI stand-ins only)."""

    @property
    def failed_configs(self) -> list[str]:
        """Configs that failed to load, or loaded but were not published."""
        return [
            str(c.config)
            for c in self.configs
            if c.status not in {"loaded", PREVIEWED} or c.published is False
        ]


class GoldLoadOutcome(Message):
    """The report step's result: what the state machine's last Choice reads."""

    step: Literal["write-gold-load-report"] = "write-gold-load-report"
    status: GoldLoadStatus
    report: str
    """``s3://`` URI of the run report."""
    failed_configs: list[str]
    error_name: str | None
    summary: str
