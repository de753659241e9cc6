"""The figures of a bench run: targets, paired ratios, the results document and its table."""

from __future__ import annotations

import statistics
from typing import Any

from bench.publication_phase import summarize_publication

TARGETS: dict[str, tuple[str, float]] = {
    "gold_load_ratio_to_limit": ("<=", 2.0),
    "reset_ratio_to_insert_select": ("<=", 1.15),
    "reset_speedup_vs_client_copy": (">=", 5.0),
    "peak_rss_mb_10k": ("<=", 512.0),
    "rss_growth_1k_to_10k": ("<=", 1.5),
    "gold_load_ratio_to_limit_over_full_gold": ("<=", 2.0),
    "gold_publish_locked_seconds_max": ("<=", 1.0),
    "restore_10_customers_transaction_seconds": ("<=", 1.0),
    "restore_full_table_scans": ("<=", 0.0),
    "reset_publish_ratio_to_insert_select": ("<=", 0.2),
    "reset_publish_growth_3x": ("<=", 1.3),
}
PUBLICATION_KEYS = ("gold_load_ratio_to_limit_over_full_gold", "gold_publish_locked_seconds_max")


def best(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return float(min(run[key] for run in runs))


def paired_ratios(
    numerators: list[dict[str, Any]], denominators: list[dict[str, Any]]
) -> list[float]:
    """Each repeat's ratio of two runs made back to back (zip stops at the shorter list)."""
    return [
        round(top["seconds"] / bottom["seconds"], 3)
        for top, bottom in zip(numerators, denominators, strict=False)
    ]


def summarize(
    gold: dict[int, dict[str, list[dict[str, Any]]]],
    reset: dict[str, list[dict[str, Any]]],
    meta: dict[str, Any],
    publication: dict[str, Any],
) -> dict[str, Any]:
    small, large = min(gold), max(gold)
    gold_sizes = {}
    for size, runs in sorted(gold.items()):
        product, limit = best(runs["product"]), best(runs["limit"])
        per_repeat = paired_ratios(runs["product"], runs["limit"])
        rows = runs["product"][0]["rows"]
        gold_sizes[str(size)] = {
            "rows": rows,
            "rows_per_table": runs["product"][0]["rows_per_table"],
            "product_seconds_best": round(product, 3),
            "product_seconds_all": [round(r["seconds"], 3) for r in runs["product"]],
            "product_rows_per_second": round(rows / product),
            "limit_seconds_best": round(limit, 3),
            "limit_seconds_all": [round(r["seconds"], 3) for r in runs["limit"]],
            "limit_fetch_seconds_best": round(best(runs["limit"], "fetch_seconds"), 3),
            "limit_load_seconds_best": round(best(runs["limit"], "load_seconds"), 3),
            "limit_method": runs["limit"][0]["method"],
            "limit_rows_per_second": round(rows / limit),
            "ratio_to_limit": round(statistics.median(per_repeat), 3),
            "ratio_to_limit_per_repeat": per_repeat,
            "ratio_to_limit_best_of_each": round(product / limit, 3),
            "peak_rss_mb_all": [round(r["peak_rss_mb"], 1) for r in runs["product"]],
            "baseline_rss_mb_all": [round(r["baseline_rss_mb"], 1) for r in runs["product"]],
        }
    peak_small = max(r["peak_rss_mb"] for r in gold[small]["product"])
    peak_large = max(r["peak_rss_mb"] for r in gold[large]["product"])
    state_machine, client = best(reset["state_machine"]), best(reset["client"])
    bare_serial, bare_parallel = (
        best(reset["insert_select_serial"]),
        best(reset["insert_select_parallel"]),
    )
    # The strict reading: the faster way the server can do the same copies.
    bare = min(bare_serial, bare_parallel)
    bare_used = "parallel" if bare_parallel <= bare_serial else "serial"
    reset_rows = reset["state_machine"][0]["rows"]
    paired = paired_ratios(reset["state_machine"], reset[f"insert_select_{bare_used}"])
    client_paired = paired_ratios(reset["client"], reset["state_machine"])
    results: dict[str, Any] = {
        "gold_load_ratio_to_limit": gold_sizes[str(large)]["ratio_to_limit"],
        "reset_ratio_to_insert_select": round(statistics.median(paired), 3),
        "reset_speedup_vs_client_copy": round(statistics.median(client_paired), 2),
        "peak_rss_mb_10k": round(peak_large, 1),
        "rss_growth_1k_to_10k": round(peak_large / peak_small, 3),
    }
    results["gold_load"] = gold_sizes
    update_publication(results, publication)  # its keys, and every target
    results["reset"] = {
        "rows": reset_rows,
        "state_machine_seconds_best": round(state_machine, 3),
        "state_machine_seconds_all": [round(r["seconds"], 3) for r in reset["state_machine"]],
        "ratio_to_insert_select_per_repeat": paired,
        "ratio_to_insert_select_best_of_each": round(state_machine / bare, 3),
        "speedup_vs_client_copy_per_repeat": client_paired,
        "speedup_vs_client_copy_best_of_each": round(client / state_machine, 2),
        "state_machine_rows_per_second": round(reset_rows / state_machine),
        "insert_select_seconds_best": round(bare, 3),
        "insert_select_used": bare_used,
        "insert_select_serial_seconds_all": [
            round(r["seconds"], 3) for r in reset["insert_select_serial"]
        ],
        "insert_select_parallel_seconds_all": [
            round(r["seconds"], 3) for r in reset["insert_select_parallel"]
        ],
        "client_copy_seconds_best": round(client, 3),
        "client_copy_seconds_all": [round(r["seconds"], 3) for r in reset["client"]],
        "client_copy_rows_per_second": round(reset_rows / client),
        "copy_seconds_per_table_last_run": reset["state_machine"][-1]["copy_seconds"],
        "swap_seconds_last_run": reset["state_machine"][-1]["swap_seconds"],
        "local_runtime_startup_seconds": round(reset["runtime_startup"][0]["seconds"], 3),
    }
    results["memory"] = {
        "peak_rss_mb_1k": round(peak_small, 1),
        "peak_rss_mb_10k": round(peak_large, 1),
        "baseline_rss_mb": round(
            statistics.median(
                r["baseline_rss_mb"] for runs in gold.values() for r in runs["product"]
            ),
            1,
        ),
        "what_it_covers": (
            "ru_maxrss of a fresh process that imports the product, starts the local "
            "runtime (moto: Step Functions, S3, Secrets Manager), executes the gold-load "
            "state machine with every Lambda handler and the local Data API in process; "
            "largest of the repeats"
        ),
    }
    results["run"] = meta
    return results


def update_publication(results: dict[str, Any], publication: dict[str, Any]) -> None:
    """Set the publication phase's keys (``publication_phase``) and the targets of every
    key present, in ``TARGETS`` order; every other key stays as it is."""
    section = summarize_publication(publication, results["gold_load"])
    largest = section["sizes"][str(max(int(size) for size in section["sizes"]))]
    figures = {
        "gold_load_ratio_to_limit_over_full_gold": largest["ratio_to_limit"],
        "gold_publish_locked_seconds_max": max(
            size["publish_locked_seconds_max"] for size in section["sizes"].values()
        ),
    }
    update_section(results, figures, "gold_publication", section)


def update_section(
    results: dict[str, Any], figures: dict[str, float], name: str, section: dict[str, Any]
) -> None:
    """Set a phase's headline ``figures`` and its section ``name``, and the targets of
    every headline key present, in ``TARGETS`` order; every other key stays as it is."""
    headline = {key: value for key, value in results.items() if key in TARGETS}
    rest = {key: value for key, value in results.items() if key not in TARGETS}
    rest.pop("targets", None)
    rest.pop(name, None)
    headline.update(figures)
    ordered = {key: headline[key] for key in TARGETS if key in headline}
    ordered["targets"] = {
        key: {
            "target": f"{op} {bound:g}",
            "value": ordered[key],
            "met": _met(ordered[key], op, bound),
        }
        for key, (op, bound) in TARGETS.items()
        if key in ordered
    }
    ordered.update(rest)
    ordered[name] = section
    results.clear()
    results.update(ordered)


def _met(value: float, op: str, bound: float) -> bool:
    return value <= bound if op == "<=" else value >= bound


def print_table(results: dict[str, Any]) -> None:
    lines = ["", f"{'measure':<44}{'value':>14}  target      met"]
    for key, target in results["targets"].items():
        lines.append(
            f"{key:<44}{target['value']:>14}  {target['target']:<10}  "
            f"{'yes' if target['met'] else 'NO'}"
        )
    lines.append("")
    for size, g in results["gold_load"].items():
        lines.append(
            f"gold load {int(size):>6,} customers {g['rows']:>10,} rows: product "
            f"{g['product_seconds_best']:7.2f} s ({g['product_rows_per_second']:>7,} rows/s), "
            f"limit {g['limit_seconds_best']:6.2f} s ({g['limit_rows_per_second']:>7,} rows/s), "
            f"ratio {g['ratio_to_limit']:.2f} (median of repeats)"
        )
    r = results["reset"]
    lines.append(
        f"reset {r['rows']:>10,} rows: state machine {r['state_machine_seconds_best']:.2f} s, "
        f"INSERT...SELECT {r['insert_select_seconds_best']:.2f} s, "
        f"client copy {r['client_copy_seconds_best']:.2f} s (best of each); ratios per repeat "
        f"{', '.join(f'{x:.2f}' for x in r['ratio_to_insert_select_per_repeat'])}"
    )
    p = results.get("gold_publication")
    for size, g in (p or {}).get("sizes", {}).items():
        lines.append(
            f"gold load {int(size):>6,} new customers over {p['gold_rows_total']:,} gold rows: "
            f"{g['product_seconds_best']:7.2f} s (+{g['extra_seconds_vs_empty_gold']:.2f} s "
            f"vs empty gold), ratio {g['ratio_to_limit']:.2f}, publish instant "
            f"{g['publish_locked_seconds_max']:.3f} s (largest)"
        )
    if p:
        lines.append(f"build copy of the gold set: {p['build_copy_seconds_best']:.2f} s (best)")
    restore = results.get("restore")
    if restore:
        lines.append(
            f"restore of {restore['customers']} customers over {restore['training_rows']:,} "
            f"training rows: transaction {restore['transaction_seconds_best']:.3f} s, local run "
            f"{restore['local_run_seconds_best']:.2f} s (best), full scans: "
            f"{len(restore['full_scans'])}"
        )
    growth = results.get("reset_staged_growth")
    if growth:
        small, large = growth["1x"], growth["3x"]
        lines.append(
            f"staged publish: {small['publish_seconds_median']:.3f} s at {small['rows']:,} rows, "
            f"{large['publish_seconds_median']:.3f} s at {large['rows']:,} rows "
            f"(x{growth['rows_ratio']:.2f} rows; medians)"
        )
    m = results["memory"]
    lines.append(
        f"peak RSS: 1k {m['peak_rss_mb_1k']:.0f} MB, 10k {m['peak_rss_mb_10k']:.0f} MB "
        f"(process after imports: {m['baseline_rss_mb']:.0f} MB)"
    )
    print("\n".join(lines))
