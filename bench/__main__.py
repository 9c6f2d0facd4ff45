"""``python -m bench [--rows N ...] [--baseline-rows N] [--json OUT]``: import and export speed.

For each size (default 10,000 and 100,000 records; ``--rows 1000000`` for the large run) it
writes a deterministic synthetic export (users, emails, user emails, organizations, members,
teams, projects, project keys, project and instance options), then measures on the PostgreSQL
server of ``RELOCATE_TEST_DATABASE_URL`` (default the local trust-auth one), each on fresh
databases:

(a) COPY FROM of the same rows into the same tables (the silos' migrated schemas): the physical
    limit;
(b) a per-row import shaped like Sentry's, a collision SELECT and an ORM save per record, on at
    most ``--baseline-rows`` records (default 10,000) of the same mix;
(c) ``relocate import global --no-prompt`` into empty silos, both running as separate processes;
(d) ``relocate export global`` of the same data, raw COPY TO of the same tables, and PostgreSQL
    writing the same records as Sentry-format JSON itself (the export's anchor).

It prints rows/s of each, the ratios c/a, c/b, d/(COPY TO) and d/(JSON anchor), the peak RSS of
the importer and of each silo process, and the CPU seconds of the relocate process, each silo
and PostgreSQL during (c) and (d) with the machine's utilisation; ``--json OUT`` writes every
figure. Ratios measured in one run on one machine are the point; absolute rates move with the
machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.measurements import (
    Databases,
    cli_startup_seconds,
    copy_in,
    migrated_templates,
    per_row,
    round_trip,
)

DEFAULT_SIZES = (10_000, 100_000)


def write_export(path: Path, rows: int) -> int:
    """Write the synthetic export of about ``rows`` records; return its exact record count."""
    with path.open("wb") as out:
        return synthetic.write(out, synthetic.users_for(rows))


def measure(rows: int, baseline_rows: int, work: Path) -> dict[str, Any]:
    """Every figure of one size."""
    load = os.getloadavg()[0]
    export = work / f"export-{rows}.json"
    count = write_export(export, rows)
    baseline = work / f"baseline-{rows}.json"
    write_export(baseline, min(rows, baseline_rows))
    dbs = Databases()
    try:
        templates = migrated_templates(dbs)
        copy_from, tables = copy_in(export, dbs, templates)
        sentry_like = per_row(baseline, dbs, templates)
        trip = round_trip(export, count, tables, dbs, templates, work)
    finally:
        dbs.drop_all()
    if copy_from.rows != count:
        raise RuntimeError(f"COPY loaded {copy_from.rows} rows of {count}")
    return {
        "rows": count,
        "load_average_1m": load,
        "export_mb": round(export.stat().st_size / 1024 / 1024, 1),
        "cli_startup_seconds": cli_startup_seconds(work),
        "copy_from": copy_from.to_json(),
        "per_row_baseline": sentry_like.to_json(),
        "import": trip.imported.to_json(),
        "export": trip.exported.to_json(),
        "copy_to": trip.copy_out.to_json(),
        "json_anchor": trip.json_anchor.to_json(),
        "cpu": {"import": trip.import_cpu.to_json(), "export": trip.export_cpu.to_json()},
        "ratios": {
            "import_over_copy_from": trip.imported.rows_per_s / copy_from.rows_per_s,
            "import_over_per_row": trip.imported.rows_per_s / sentry_like.rows_per_s,
            "export_over_copy_to": trip.exported.rows_per_s / trip.copy_out.rows_per_s,
            "export_over_json_anchor": trip.exported.rows_per_s / trip.json_anchor.rows_per_s,
        },
        "peak_rss_mb": {
            "importer": trip.importer_peak_rss_mb,
            "exporter": trip.exporter_peak_rss_mb,
            **trip.silo_peak_rss_mb,
        },
    }


def report(run: dict[str, Any]) -> str:
    """One size's figures as a small table."""
    lines = [
        f"{run['rows']:,} records ({run['export_mb']} MB export), "
        f"load average {run['load_average_1m']:.1f} at the start"
    ]
    rows = (
        ("(a) COPY FROM, physical limit", "copy_from"),
        ("(b) per-row SELECT + save, Sentry-like", "per_row_baseline"),
        ("(c) relocate import global", "import"),
        ("(d) relocate export global", "export"),
        ("    COPY TO, raw", "copy_to"),
        ("    PostgreSQL's own JSON (json_build_object)", "json_anchor"),
    )
    for label, key in rows:
        fig = run[key]
        lines.append(
            f"  {label:<40} {fig['rows']:>9,} rows {fig['seconds']:>8.2f} s "
            f"{fig['rows_per_s']:>10,.0f} rows/s"
        )
    ratios = run["ratios"]
    lines.append(
        f"  c/a = {ratios['import_over_copy_from']:.3f}   c/b = {ratios['import_over_per_row']:.2f}"
        f"   d/COPY TO = {ratios['export_over_copy_to']:.3f}"
        f"   d/JSON anchor = {ratios['export_over_json_anchor']:.3f}"
    )
    for step in ("import", "export"):
        cpu = run["cpu"][step]
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in cpu["cpu_seconds"].items())
        lines.append(
            f"  {step} CPU: {parts}; utilisation {100 * cpu['utilisation']:.0f}% of "
            f"{cpu['cores']} cores over {cpu['wall_seconds']:.1f} s"
        )
    lines.append(f"  (c) and (d) include {run['cli_startup_seconds']:.2f} s of CLI start-up")
    rss = run["peak_rss_mb"]
    lines.append(
        f"  peak RSS: importer {rss['importer']:.1f} MB, exporter {rss['exporter']:.1f} MB, "
        f"control {rss['control']:.1f} MB, region {rss['region']:.1f} MB"
    )
    return "\n".join(lines)


def growth(runs: list[dict[str, Any]]) -> dict[str, float] | None:
    """How the import's time and peak memory grew from the smallest size to the largest."""
    if len(runs) < 2:
        return None
    small, large = min(runs, key=lambda r: r["rows"]), max(runs, key=lambda r: r["rows"])
    return {
        "rows": large["rows"] / small["rows"],
        "import_seconds": large["import"]["seconds"] / small["import"]["seconds"],
        **{
            f"{process}_peak_rss": large["peak_rss_mb"][process] / small["peak_rss_mb"][process]
            for process in ("importer", "control", "region")
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every size, print the figures, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        action="append",
        help="records in the synthetic export (repeatable; default: 10000 and 100000)",
    )
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=10_000,
        help="records the per-row baseline imports, at most (default 10000)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = parser.parse_args(argv)
    sizes = sorted(args.rows or DEFAULT_SIZES)
    if any(size < synthetic.RECORDS_PER_ORG for size in sizes) or args.baseline_rows < 1:
        parser.error(f"--rows must be at least {synthetic.RECORDS_PER_ORG}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="relocate-bench-") as tmp:
        for size in sizes:
            work = Path(tmp) / str(size)
            work.mkdir()
            run = measure(size, args.baseline_rows, work)
            print(report(run), flush=True)
            runs.append(run)
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    grew = growth(runs)
    if grew is not None:
        result["growth"] = grew
        print(
            f"{grew['rows']:.1f}x the rows: import time {grew['import_seconds']:.2f}x, "
            f"importer peak RSS {grew['importer_peak_rss']:.2f}x"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
