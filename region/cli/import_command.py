"""``relocate import users|organizations|config|global SRC``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from region.cli.crypto_options import decrypt_options, decryptor_from, open_plaintext
from region.cli.output import Printer, parse_slugs, parse_usernames, reported, write_report
from region.cli.progress import progress_display
from region.cli.relocation_record import admitted_rows, recorded_import
from region.cli.resume import ImportOptions, explicit_options, resume_options, source_sha256
from region.cli.settings import load_endpoints
from region.cli.skipped import skipped_lines
from region.cli.undo_command import write_backup
from region.cli.wiring import connect
from shared.backup.filters import Filter
from shared.backup.import_filters import org_slug_filters, username_filters
from shared.backup.imports import (
    DEFAULT_BATCH_SIZE,
    ImportReport,
    ImportRun,
    check_global_clear,
    plan_import,
    run_import,
)
from shared.backup.progress import ProgressFanout
from shared.backup.scopes import OperationScope
from shared.backup.streaming import ExportContents, read_export

WIPE_QUESTION = (
    "Proceeding with this operation will irrecoverably delete all existing low-volume data - "
    "are you sure want to continue?"
)


def _filters(contents: ExportContents, opts: dict[str, Any]) -> list[Filter]:
    usernames = parse_usernames(opts.get("filter_usernames"), opts.get("filter_usernames_file"))
    slugs = parse_slugs(opts.get("filter_org_slugs"))
    filters: list[Filter] = []
    if usernames:
        filters += username_filters(contents, usernames)
    if slugs:
        filters += org_slug_filters(contents, slugs)
    return filters


def print_report(printer: Printer, report: ImportReport, *, dry_run: bool) -> None:
    """Per-model counts, and in a dry run every collision the run would resolve."""
    printer.echo("Plan (dry run, nothing written):" if dry_run else "Imported:")
    for model, counts in report.counts.items():
        parts = ", ".join(f"{k} {v}" for k, v in counts.as_dict().items() if k != "in_file" and v)
        printer.echo(f"  {model}: {counts.in_file} in file; {parts or 'nothing written'}")
    if dry_run:
        for finding in report.findings:
            if finding.kind.value == "CollisionResolved":
                printer.echo(f"  collision: {finding.model} #{finding.ordinal}: {finding.reason}")
    printer.echo(f"{report.batches} batch(es), {report.replayed_batches} replayed.")
    if lines := skipped_lines(report):
        printer.echo("Skipped (see the findings file for each record):")
        for line in lines:
            printer.echo(line)


def import_command(scope: OperationScope) -> Callable[..., None]:
    """The import subcommand of one scope (its scope-specific options are added by the caller)."""

    @click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--findings-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write findings (skips, collisions, the error) as JSON; [] for a clean run.",
    )
    @click.option(
        "--report-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write per-model counts (in file, inserted, existing, overwritten, skipped by "
        "rule) and timings as JSON.",
    )
    @click.option("--no-prompt", is_flag=True, help="Answer yes to every confirmation.")
    @click.option("--silent", is_flag=True, help="Print nothing but errors and confirmations.")
    @click.option("--dry-run", is_flag=True, help="Decide and report everything; write nothing.")
    @click.option("--strict", is_flag=True, help="Unknown models and fields are errors.")
    @click.option("--import-uuid", default=None, help="Resume or replay an earlier import run.")
    @click.option(
        "--resume",
        default=None,
        metavar="UUID",
        help="Continue a failed or interrupted import (same file and scope; options reused).",
    )
    @click.option(
        "--batch-size",
        default=DEFAULT_BATCH_SIZE,
        show_default=True,
        type=click.IntRange(1, 10000),
    )
    def command(
        src: Path,
        findings_file: Path | None,
        report_file: Path | None,
        no_prompt: bool,
        silent: bool,
        dry_run: bool,
        strict: bool,
        import_uuid: str | None,
        resume: str | None,
        batch_size: int,
        **opts: Any,
    ) -> None:
        printer = Printer(silent=silent, no_prompt=no_prompt)
        if resume and import_uuid:
            raise click.UsageError("--resume and --import-uuid are mutually exclusive")
        if resume and dry_run:
            raise click.UsageError("--resume and --dry-run are mutually exclusive")
        options = ImportOptions.from_cli(batch_size=batch_size, strict=strict, opts=opts)
        explicit = explicit_options()
        started = time.perf_counter()
        with reported(printer, findings_file, "Import") as findings:
            sha256 = source_sha256(src)
            endpoints = load_endpoints(region=opts.get("region"))
            decryptor = decryptor_from(opts.get("decrypt_with"), opts.get("decrypt_with_gcp_kms"))
            with connect(endpoints) as silos:
                if resume:
                    options = resume_options(
                        silos.region.get_relocation(uuid=resume),
                        uuid=resume,
                        scope=scope,
                        sha256=sha256,
                        requested=options,
                        explicit=explicit,
                    )
                opts = {**opts, **options.filter_opts()}
                flags = options.flags(resume or import_uuid or uuid.uuid4().hex, dry_run=dry_run)
                recording = recorded_import(
                    None if dry_run else silos.region,
                    uuid=flags.import_uuid,
                    scope=scope,
                    options=options,
                    sha256=sha256,
                )
                with recording as recorder:
                    with open_plaintext(src, decryptor) as stream:
                        contents = read_export(stream, str(src), lambda m: m in silos.graph)
                    with contents, progress_display(silent=silent) as display:
                        warnings = plan_import(contents, silos.graph, strict=options.strict)
                        targets = silos.import_targets(endpoints.region_name)
                        if scope is OperationScope.GLOBAL:
                            check_global_clear(targets, flags.import_uuid)
                        if (
                            scope is OperationScope.GLOBAL
                            and not dry_run
                            and not printer.confirm(WIPE_QUESTION)
                        ):
                            recorder.fail("cancelled at the confirmation prompt")
                            printer.echo("Import cancelled.")
                            return
                        backup_to = opts.get("backup_to")
                        if isinstance(backup_to, Path) and not dry_run:
                            written = write_backup(silos, backup_to)
                            printer.echo(f"Backed up {written} record(s) to {backup_to}")
                        recorder.set_total(admitted_rows(contents, silos.graph, scope))
                        printer.echo(
                            f"{'Resuming' if resume else 'Importing'} {contents.total} "
                            f"record(s) from {src} in {scope.value} scope "
                            f"(import uuid {flags.import_uuid})"
                        )
                        run = ImportRun(scope, flags, _filters(contents, opts), options.batch_size)
                        report = run_import(
                            contents,
                            graph=silos.graph,
                            run=run,
                            warnings=warnings,
                            targets=targets,
                            progress=ProgressFanout([display, recorder]),
                        )
            findings.extend(report.findings)
            print_report(printer, report, dry_run=dry_run)
            write_report(
                report_file,
                {
                    "import_uuid": flags.import_uuid,
                    "scope": scope.value,
                    "source": str(src),
                    "dry_run": dry_run,
                    "seconds": round(time.perf_counter() - started, 3),
                    **report.summary(),
                },
            )

    command.__doc__ = (
        f"Import an export file (plain JSON or encrypted tarball) in {scope.value} scope."
    )
    for option in decrypt_options():
        command = option(command)
    return command
