"""The ``relocate`` command line: import, export, serve and dev."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from region.cli import dev
from region.cli.settings import DEFAULT_DATA_DIR, load_endpoints
from region.cli.wiring import connect
from shared.backup.errors import RelocationError
from shared.backup.exports import run_export
from shared.backup.filters import Filter
from shared.backup.findings import Finding, FindingKind
from shared.backup.flags import ImportFlags
from shared.backup.import_filters import org_slug_filters, username_filters
from shared.backup.imports import ImportReport, run_import
from shared.backup.model_names import ModelName
from shared.backup.scopes import OperationScope
from shared.backup.streaming import read_export
from shared.rpc.errors import RpcError

SCOPES = {
    "users": OperationScope.USER,
    "organizations": OperationScope.ORGANIZATION,
    "config": OperationScope.CONFIG,
    "global": OperationScope.GLOBAL,
}


class Printer:
    """Sentry's printer matrix: --silent hides output; --no-prompt will answer confirmations.

    TODO(#3): the Global-scope wipe brings the confirmation prompt that --no-prompt answers.
    """

    def __init__(self, *, silent: bool, no_prompt: bool) -> None:
        self.silent = silent
        self.no_prompt = no_prompt

    def echo(self, message: str, *, err: bool = False) -> None:
        """Print unless silent (errors always print)."""
        if err or not self.silent:
            click.echo(message, err=err)


def _usernames(csv: str | None, file: IO[str] | None) -> list[str] | None:
    if csv is not None and file is not None:
        raise click.UsageError(
            "--filter-usernames and --filter-usernames-file are mutually exclusive"
        )
    text = file.read().replace("\n", ",") if file is not None else csv
    if not text:
        return None
    return [u.strip() for u in text.split(",") if u.strip()]


def _write_findings(path: Path | None, findings: list[dict[str, Any]]) -> None:
    if path is not None:
        path.write_text(json.dumps(findings, indent=2, sort_keys=True) + "\n")


def _error_finding(exc: RelocationError | RpcError) -> Finding:
    meta = exc.metadata
    ordinal = meta.get("ordinal")
    return Finding(
        kind=FindingKind.IMPORT_ERROR,
        model=meta.get("model", ""),
        ordinal=int(ordinal) if ordinal and ordinal.isdigit() else 0,
        reason=exc.message,
        field=meta.get("field"),
        finding="RpcImportError" if isinstance(exc, RpcError) else type(exc).__name__,
    )


@contextlib.contextmanager
def _reported(printer: Printer, findings_file: Path | None, what: str) -> Iterator[list[Finding]]:
    """Write the findings file on success and failure; turn known errors into a clean exit."""
    findings: list[Finding] = []
    try:
        yield findings
    except (RelocationError, RpcError) as exc:
        findings.append(_error_finding(exc))
        _write_findings(findings_file, [f.to_json() for f in findings])
        reason = f" [{exc.reason}]" if isinstance(exc, RpcError) and exc.reason else ""
        printer.echo(f"{what} failed{reason}: {exc.message}", err=True)
        raise SystemExit(1) from None
    _write_findings(findings_file, [f.to_json() for f in findings])


def _print_report(printer: Printer, report: ImportReport) -> None:
    for model, counts in report.counts.items():
        written = ", ".join(f"{k.value.lower()} {v}" for k, v in sorted(counts.written.items()))
        skipped = ", ".join(f"{k.value} {v}" for k, v in sorted(counts.skipped.items()))
        printer.echo(
            f"  {model}: {counts.in_file} in file; {written or 'none written'}"
            + (f"; skipped {skipped}" if skipped else "")
        )
    printer.echo(f"Imported in {report.batches} batch(es) ({report.replayed_batches} replayed).")


@click.group()
def cli() -> None:
    """Move users, organizations and configuration between deployments (Sentry's format)."""


def _import_command(scope_name: str) -> Callable[..., None]:
    scope = SCOPES[scope_name]

    @click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--findings-file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--no-prompt", is_flag=True, help="Answer yes to every confirmation.")
    @click.option("--silent", is_flag=True, help="Print nothing but errors and confirmations.")
    @click.option("--import-uuid", default=None, help="Resume or replay an earlier import run.")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000))
    def command(
        src: Path,
        findings_file: Path | None,
        no_prompt: bool,
        silent: bool,
        import_uuid: str | None,
        batch_size: int,
        **opts: Any,
    ) -> None:
        printer = Printer(silent=silent, no_prompt=no_prompt)
        usernames = _usernames(opts.get("filter_usernames"), opts.get("filter_usernames_file"))
        slugs = [s.strip() for s in (opts.get("filter_org_slugs") or "").split(",") if s.strip()]
        flags = ImportFlags(
            import_uuid=import_uuid or uuid.uuid4().hex,
            merge_users=bool(opts.get("merge_users")),
            overwrite_configs=bool(opts.get("overwrite_configs")),
        )
        with _reported(printer, findings_file, "Import") as findings:
            endpoints = load_endpoints()
            with connect(endpoints) as silos:
                with src.open("rb") as stream:
                    contents = read_export(stream, str(src), lambda m: m in silos.graph)
                filters: list[Filter] = []
                if usernames:
                    filters += username_filters(contents, usernames)
                if slugs:
                    filters += org_slug_filters(contents, slugs)
                printer.echo(
                    f"Importing {contents.total} record(s) from {src} "
                    f"in {scope.value} scope (import uuid {flags.import_uuid})"
                )
                report = run_import(
                    contents,
                    graph=silos.graph,
                    scope=scope,
                    flags=flags,
                    filters=filters,
                    targets=silos.import_targets(endpoints.region_name),
                    batch_size=batch_size,
                )
            findings.extend(report.findings)
            _print_report(printer, report)

    command.__doc__ = f"Import an export in {scope.value} scope."
    if scope_name in ("users", "config"):
        command = click.option(
            "--filter-usernames", default=None, help="Comma-separated usernames to import."
        )(command)
        command = click.option(
            "--filter-usernames-file",
            type=click.File("r"),
            default=None,
            help="File of usernames (comma or newline separated).",
        )(command)
    if scope_name == "organizations":
        command = click.option(
            "--filter-org-slugs", default=None, help="Comma-separated organization slugs to import."
        )(command)
    if scope_name != "global":
        command = click.option(
            "--merge-users", is_flag=True, help="Reuse existing users with the same username."
        )(command)
    if scope_name == "config":
        command = click.option(
            "--overwrite-configs", is_flag=True, help="Overwrite colliding options and roles."
        )(command)
    return command


def _export_command(scope_name: str) -> Callable[..., None]:
    scope = SCOPES[scope_name]

    @click.argument("dest", default="-", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--findings-file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--indent", default=2, show_default=True, type=click.IntRange(0, 8))
    @click.option("--no-prompt", is_flag=True, help="Answer yes to every confirmation.")
    @click.option("--silent", is_flag=True, help="Print nothing but errors.")
    def command(
        dest: str,
        findings_file: Path | None,
        indent: int,
        no_prompt: bool,
        silent: bool,
        **opts: Any,
    ) -> None:
        printer = Printer(silent=silent or dest == "-", no_prompt=no_prompt)
        filters: list[Filter] = []
        usernames = _usernames(opts.get("filter_usernames"), opts.get("filter_usernames_file"))
        if usernames:
            filters.append(Filter(ModelName("sentry.user"), "username", frozenset(usernames)))
        slugs = [s.strip() for s in (opts.get("filter_org_slugs") or "").split(",") if s.strip()]
        if slugs:
            filters.append(Filter(ModelName("sentry.organization"), "slug", frozenset(slugs)))
        with _reported(printer, findings_file, "Export"):
            with connect(load_endpoints()) as silos:
                target = Path(dest)
                tmp = target.with_name(f".{target.name}.partial") if dest != "-" else None
                with (
                    tmp.open("wb") if tmp is not None else contextlib.nullcontext(sys.stdout.buffer)
                ) as out:
                    sources = dict(silos.relocation)
                    report = run_export(
                        out,
                        graph=silos.graph,
                        scope=scope,
                        filters=filters,
                        sources=sources,
                        indent=indent,
                    )
                if tmp is not None:
                    tmp.replace(target)
            printer.echo(
                f"Exported {sum(report.written.values())} record(s) "
                f"in {scope.value} scope to {dest}"
            )

    command.__doc__ = f"Export in {scope.value} scope to DEST (default: standard output)."
    if scope_name == "users":
        command = click.option("--filter-usernames", default=None)(command)
        command = click.option("--filter-usernames-file", type=click.File("r"), default=None)(
            command
        )
    if scope_name == "organizations":
        command = click.option("--filter-org-slugs", default=None)(command)
    return command


@cli.group(name="import")
def import_group() -> None:
    """Import an export file into the silos."""


@cli.group(name="export")
def export_group() -> None:
    """Export the silos' data to a file."""


for _name in SCOPES:
    import_group.command(name=_name)(_import_command(_name))
    export_group.command(name=_name)(_export_command(_name))


@cli.command()
@click.argument("silo", type=click.Choice(["control", "region"]))
@click.argument("server_args", nargs=-1, type=click.UNPROCESSED)
def serve(silo: str, server_args: tuple[str, ...]) -> None:
    """Run one silo's gRPC server in the foreground (configured by environment variables)."""
    os.execv(sys.executable, [sys.executable, "-m", f"{silo}.server", *server_args])  # noqa: S606


@cli.group(name="dev")
def dev_group() -> None:
    """Run both silos locally."""


@dev_group.command(name="up")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where state, logs and SQLite databases live (default ./.relocate).",
)
@click.option("--background", is_flag=True, help="Return once both silos are healthy.")
@click.option(
    "--postgres",
    default=None,
    metavar="URL",
    help="Use this PostgreSQL server (one database per silo, created if missing).",
)
def dev_up(data_dir: Path | None, background: bool, postgres: str | None) -> None:
    """Start both silos and wait until both are healthy."""
    directory = data_dir or DEFAULT_DATA_DIR
    try:
        silos = dev.start(directory, postgres)
    except RelocationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"control on {silos.addresses['control']}, region on {silos.addresses['region']} "
        f"(state in {directory})"
    )
    if background:
        return
    click.echo("Press Ctrl-C to stop.")
    try:
        while dev._alive(silos.pids):
            import time  # noqa: PLC0415

            time.sleep(1)
    except KeyboardInterrupt:
        pass
    dev.stop(directory)


@dev_group.command(name="down")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def dev_down(data_dir: Path | None) -> None:
    """Stop the silos 'dev up' started."""
    directory = data_dir or DEFAULT_DATA_DIR
    if dev.stop(directory):
        click.echo("Stopped both silos.")
    else:
        click.echo(f"No silos recorded in {directory}.")
