"""``bench/chart.png``: the gold load, the reset and the memory figures side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - only needed here

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (gold_ax, publication_ax, reset_ax, memory_ax) = plt.subplots(
        1, 4, figsize=(17, 4.4), gridspec_kw={"width_ratios": [1.2, 1.3, 1.2, 0.8]}
    )
    _publication_panel(publication_ax, results.get("gold_publication"))
    sizes = list(results["gold_load"])
    x = range(len(sizes))
    product = [results["gold_load"][s]["product_seconds_best"] for s in sizes]
    limit = [results["gold_load"][s]["limit_seconds_best"] for s in sizes]
    width = 0.38
    gold_ax.bar([i - width / 2 for i in x], product, width, label="gold load (state machine)")
    gold_ax.bar([i + width / 2 for i in x], limit, width, label="limit: cursor + LOAD DATA")
    for i, s in enumerate(sizes):
        g = results["gold_load"][s]
        gold_ax.annotate(
            f"x{g['ratio_to_limit']:.2f}", (i - width / 2, product[i]), ha="center", va="bottom"
        )
    gold_ax.set_xticks(
        list(x), [f"{int(s):,} customers\n{results['gold_load'][s]['rows']:,} rows" for s in sizes]
    )
    gold_ax.set_ylabel("seconds (best of runs)")
    gold_ax.set_title("Gold load vs physical limit")
    gold_ax.legend(fontsize=8)

    r = results["reset"]
    labels = [
        "reset\n(state machine)",
        f"bare INSERT…\nSELECT\n({r['insert_select_used']})",
        "client\ncopy\n(pymysql)",
    ]
    values = [
        r["state_machine_seconds_best"],
        r["insert_select_seconds_best"],
        r["client_copy_seconds_best"],
    ]
    colors = ["tab:blue", "tab:orange", "tab:gray"]
    _staged_bars(
        results.get("reset_staged"), results.get("reset_staged_growth"), labels, values, colors
    )
    bars = reset_ax.bar(labels, values, color=colors)
    reset_ax.bar_label(bars, fmt="%.2f s", fontsize=8)
    reset_ax.tick_params(axis="x", labelsize=7)
    reset_ax.set_title(f"Reset of {r['rows']:,} gold rows")
    reset_ax.set_ylabel("seconds (best of runs)")

    m = results["memory"]
    bars = memory_ax.bar(["1,000", "10,000"], [m["peak_rss_mb_1k"], m["peak_rss_mb_10k"]])
    memory_ax.bar_label(bars, fmt="%.0f MB")
    memory_ax.axhline(512, color="tab:red", linestyle="--", linewidth=1)
    memory_ax.text(0.5, 520, "target 512 MB", ha="center", color="tab:red", fontsize=8)
    memory_ax.set_ylim(0, 600)
    memory_ax.set_title("Peak RSS of the gold-load process")
    memory_ax.set_xlabel("customers")
    figure.suptitle(
        f"IMS training refresh benchmarks ({results['run']['date']}, seconds best of "
        f"{results['run']['repeats']}, ratios median of repeats, {results['run']['cpus']} CPUs,"
        " shared machine)",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _staged_bars(
    staged: dict[str, Any] | None,
    growth: dict[str, Any] | None,
    labels: list[str],
    values: list[float],
    colors: list[str],
) -> None:
    """The staged path (issue 17) beside the copy path: its publish and its whole reset,
    and its publish on the gold set three times as large (``growth``)."""
    if not staged:
        return
    labels[1:1] = ["staged:\npublish", "staged:\nreset"]
    values[1:1] = [min(staged["publish_seconds_all"]), min(staged["staged_reset_seconds_all"])]
    colors[1:1] = ["tab:green", "tab:olive"]
    if growth:
        large = growth["3x"]
        labels.insert(2, f"staged:\npublish at\n{large['rows'] / 1e6:.1f} M rows")
        values.insert(2, min(large["publish_seconds_all"]))
        colors.insert(2, "tab:cyan")


def _publication_panel(axis: Any, publication: dict[str, Any] | None) -> None:
    """Loads of new customers over the full gold set: the load, the same load into empty
    gold copies and the limit; the publish instant written above each load."""
    if not publication:
        axis.set_axis_off()
        return
    sizes = list(publication["sizes"])
    width = 0.27
    figures = [publication["sizes"][s] for s in sizes]
    series = [
        ("over the gold set", [g["product_seconds_best"] for g in figures], "tab:blue"),
        ("into empty gold", [g["empty_gold_product_seconds_best"] for g in figures], "tab:cyan"),
        ("limit", [g["limit_seconds_best"] for g in figures], "tab:orange"),
    ]
    for offset, (label, values, color) in zip((-width, 0.0, width), series, strict=True):
        axis.bar([i + offset for i in range(len(sizes))], values, width, label=label, color=color)
    for i, g in enumerate(figures):
        axis.annotate(
            f"x{g['ratio_to_limit']:.2f}\nRENAME {g['publish_locked_seconds_max'] * 1000:.0f} ms",
            (i - width, g["product_seconds_best"]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axis.set_xticks(list(range(len(sizes))), [f"{int(s):,} new customers" for s in sizes])
    axis.set_ylabel("seconds (best of runs)")
    axis.set_title(f"Atomic publication over {publication['gold_rows_total']:,} gold rows")
    axis.legend(fontsize=8)
