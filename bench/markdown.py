"""``python -m bench.markdown BENCH.json``: the README's Performance tables from a bench run.

The README keeps the figures between ``<!-- bench:begin -->`` and ``<!-- bench:end -->``;
paste this command's output there to replace them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEASUREMENTS = (
    ("(a) COPY FROM, physical limit", "copy_from"),
    ("(b) per-row SELECT + save, Sentry-like", "per_row_baseline"),
    ("(c) `relocate import global`", "import"),
    ("(d) `relocate export global`", "export"),
    ("COPY TO, raw", "copy_to"),
    ("PostgreSQL's own JSON (`json_build_object`), export anchor", "json_anchor"),
)


def _utilisation(run: dict[str, Any], step: str) -> str:
    cpu = run.get("cpu", {}).get(step)
    return f"{100 * cpu['utilisation']:.0f}%" if cpu else "-"


def tables(result: dict[str, Any]) -> str:
    """Rates per measurement and size, then ratios and peak memory per size."""
    runs = sorted(result["runs"], key=lambda r: r["rows"])
    head = " | ".join(f"{r['rows']:,} records" for r in runs)
    loads = sorted({round(r["load_average_1m"], 1) for r in runs if "load_average_1m" in r})
    busy = ""
    if loads:
        busy = f", load average {loads[0]:.1f}" + (f" to {loads[-1]:.1f}" if len(loads) > 1 else "")
    lines = [
        f"Measured {result['date'][:10]} on {result['cpus']} cores{busy} "
        "(`python -m bench --json bench.json`).",
        "",
        f"| rows/s (rows measured) | {head} |",
        "|---|" + "---|" * len(runs),
    ]
    for label, key in MEASUREMENTS:
        if any(key not in r for r in runs):  # figures of an older bench
            continue
        cells = " | ".join(f"{r[key]['rows_per_s']:,.0f} ({r[key]['rows']:,})" for r in runs)
        lines.append(f"| {label} | {cells} |")
    lines += ["", f"| | {head} |", "|---|" + "---|" * len(runs)]
    rows: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
        ("c/a: import over COPY FROM", lambda r: f"{r['ratios']['import_over_copy_from']:.3f}"),
        ("c/b: import over per-row", lambda r: f"{r['ratios']['import_over_per_row']:.2f}"),
        ("d/COPY TO: export over COPY TO", lambda r: f"{r['ratios']['export_over_copy_to']:.3f}"),
        (
            "d/JSON anchor: export over PostgreSQL's JSON",
            lambda r: f"{r['ratios'].get('export_over_json_anchor', 0):.3f}",
        ),
        ("CPU utilisation during import", lambda r: _utilisation(r, "import")),
        ("CPU utilisation during export", lambda r: _utilisation(r, "export")),
        ("import time", lambda r: f"{r['import']['seconds']:.1f} s"),
        ("CLI start-up in (c) and (d)", lambda r: f"{r['cli_startup_seconds']:.1f} s"),
        ("importer peak RSS", lambda r: f"{r['peak_rss_mb']['importer']:.0f} MB"),
        ("exporter peak RSS", lambda r: f"{r['peak_rss_mb']['exporter']:.0f} MB"),
        (
            "control / region peak RSS",
            lambda r: f"{r['peak_rss_mb']['control']:.0f} / {r['peak_rss_mb']['region']:.0f} MB",
        ),
    )
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the tables of one bench JSON file."""
    parser = argparse.ArgumentParser(prog="python -m bench.markdown")
    parser.add_argument("json", type=Path, help="a file written by python -m bench --json")
    args = parser.parse_args(argv)
    sys.stdout.write(tables(json.loads(args.json.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
