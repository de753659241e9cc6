"""A gold load whose warehouse sessions are terminated (a Redshift node restart, a failover).

The local Data API runs each statement on a PostgreSQL session of its own. At a chosen step
of the run the test locks the customer master, so the next statement that reads it waits;
a thread then ends that statement's session with ``pg_terminate_backend`` and releases the
lock. The statement FAILED with ``WarehouseConnectionLostError``, which the ASL retries.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import (
    table_checksums,
    terminate_local_data_api_sessions,
    warehouse_customers,
    write_scenario,
)

from ims_refresh.gold_load_command import run_gold_load
from ims_refresh.settings import LocalDatabases, MySqlUrl
from ims_refresh.synthetic_warehouse import DEMO_AS_OF
from training_refresh.adapters.mysql import connect
from training_refresh.env_names import EnvName
from training_refresh.table_groups import load_table_groups

AS_OF = DEMO_AS_OF.isoformat()
GOLD_TABLES = [spec.gold_table for spec in load_table_groups().all_tables()]


class SessionKiller:
    """An ``on_step`` hook that, the first time the run passes ``at_step``, locks the
    customer master and has a thread terminate the local Data API session that waits for
    it, then release the lock."""

    def __init__(self, warehouse_url: str, at_step: str) -> None:
        self.warehouse_url = warehouse_url
        self.at_step = at_step
        self.terminated = 0
        self._lock = threading.Lock()
        self._fired = False
        self._thread: threading.Thread | None = None

    def __call__(self, step: str) -> None:
        with self._lock:
            if step != self.at_step or self._fired:
                return
            self._fired = True
        locker = psycopg.connect(self.warehouse_url)
        locker.execute("LOCK TABLE oframe_prd_s.ims_customer IN ACCESS EXCLUSIVE MODE")
        self._thread = threading.Thread(target=self._terminate_then_unlock, args=(locker,))
        self._thread.start()

    def _terminate_then_unlock(self, locker: psycopg.Connection[Any]) -> None:
        try:
            self.terminated = terminate_local_data_api_sessions(
                self.warehouse_url, waiting_for_lock=True
            )
        finally:
            locker.rollback()
            locker.close()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def gold_load(
    tmp_path: Path,
    name: str,
    customers: list[int],
    training: MySqlUrl,
    warehouse_url: str,
    on_step: Any = None,
) -> tuple[int, dict[str, Any]]:
    scenario = write_scenario(tmp_path / f"{name}.csv", customers)
    report_dir = tmp_path / name
    arguments: dict[str, Any] = {"on_step": on_step} if on_step else {}
    code = run_gold_load(
        scenarios=scenario,
        as_of=AS_OF,
        tables=None,
        report_dir=report_dir,
        timeout=600,
        databases=LocalDatabases(training=training, warehouse_url=warehouse_url),
        **arguments,
    )
    report = json.loads(next(report_dir.glob("gold-load-*.json")).read_text("utf-8"))
    return int(code), report


@pytest.fixture
def training_db_2() -> Iterator[MySqlUrl]:
    url = MySqlUrl.parse(f"mysql://root@127.0.0.1:3306/ims_test_{uuid.uuid4().hex[:10]}")
    yield url
    with connect(url.without_database(), workflow_session=False) as server, server.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS `{url.database}`")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EnvName.CUSTOMERS_PER_CHUNK, "10")


@pytest.mark.parametrize("at_step", ["merge-chunk:customer", "check-customers"])
def test_a_terminated_warehouse_session_is_retried_and_the_result_equals_an_uninterrupted_run(
    databases: LocalDatabases,
    training_db_2: MySqlUrl,
    tmp_path: Path,
    small_chunks: None,
    capsys: pytest.CaptureFixture[str],
    at_step: str,
) -> None:
    # Given 40 customers, loaded in 4 chunks of 10
    customers = warehouse_customers(databases.warehouse_url, 40)
    # And a run whose warehouse session is terminated while it loads the customer config's
    # chunks, or while the plan checks which customers exist
    killer = SessionKiller(databases.warehouse_url, at_step)
    code, report = gold_load(
        tmp_path, "killed", customers, databases.training, databases.warehouse_url, killer
    )
    killer.join()
    out = capsys.readouterr()
    # Then a statement really lost its session, and the run still succeeded
    assert killer.terminated >= 1
    assert code == 0, out.out[-2000:]
    assert report["status"] == "succeeded" and report["errors"] == []
    assert report["customers"]["requested"] == 40 and report["customers"]["found"] == 40
    # And its gold copies equal those of an uninterrupted run
    code, _ = gold_load(tmp_path, "clean", customers, training_db_2, databases.warehouse_url)
    assert code == 0
    assert table_checksums(databases.training, GOLD_TABLES) == table_checksums(
        training_db_2, GOLD_TABLES
    )
