"""One gold load in a fresh process, so its peak RSS is its own (run by bench/run.py).

Runs ``gold_load_command.run_gold_load`` - the same path as ``ims-refresh run gold-load``:
moto executes the gold-load ASL, the Lambda handlers run in this process, their Data API
calls are answered from PostgreSQL and they write MariaDB through pymysql. Prints one
JSON line last: wall seconds of ``run_gold_load``, the run report and peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", type=Path, required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--training-url", required=True)
    parser.add_argument("--warehouse-url", required=True)
    parser.add_argument("--report-dir", type=Path, required=True)
    arguments = parser.parse_args()

    # Imports count towards the baseline, not towards the load.
    from ims_refresh.gold_load_command import run_gold_load  # noqa: PLC0415
    from ims_refresh.settings import LocalDatabases, MySqlUrl  # noqa: PLC0415

    databases = LocalDatabases(
        training=MySqlUrl.parse(arguments.training_url), warehouse_url=arguments.warehouse_url
    )
    baseline_kib = _status_kib("VmRSS")
    summary = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(summary):
        code = run_gold_load(
            scenarios=arguments.scenario,
            as_of=arguments.as_of,
            tables=None,
            report_dir=arguments.report_dir,
            timeout=3600.0,
            databases=databases,
        )
    seconds = time.perf_counter() - started
    report_line = [x for x in summary.getvalue().splitlines() if x.startswith("report: ")]
    report = json.loads(Path(report_line[-1][len("report: ") :]).read_text()) if report_line else {}
    print(summary.getvalue(), file=sys.stderr)
    print(
        json.dumps(
            {
                "exit_code": int(code),
                "seconds": seconds,
                "report": report,
                "baseline_rss_mb": baseline_kib / 1024,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "vm_hwm_mb": _status_kib("VmHWM") / 1024,
            }
        )
    )
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
