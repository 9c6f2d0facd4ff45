"""What the CLI prints and writes: Sentry's printer matrix and the findings file."""

from __future__ import annotations

import contextlib
import json
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from region.cli.private_files import write_private
from shared.backup.errors import RelocationError
from shared.backup.findings import Finding, FindingKind
from shared.backup.redaction import redact_text
from shared.rpc.errors import ERROR_TABLE, RpcError


class Printer:
    """Sentry's printer matrix: --silent hides output (not prompts); --no-prompt answers yes."""

    def __init__(self, *, silent: bool, no_prompt: bool) -> None:
        self.silent = silent
        self.no_prompt = no_prompt

    def echo(self, message: str, *, err: bool = False) -> None:
        """Print unless silent (errors always print)."""
        if err or not self.silent:
            click.echo(message, err=err)

    def confirm(self, question: str) -> bool:
        """Ask, unless --no-prompt answers yes; with no terminal to ask, the answer is no."""
        if self.no_prompt:
            return True
        try:
            return click.confirm(question, default=False)
        except click.Abort:
            return False


def parse_usernames(csv: str | None, file: IO[str] | None) -> list[str] | None:
    """The username allow-list from --filter-usernames or --filter-usernames-file, if any."""
    if csv is not None and file is not None:
        raise click.UsageError(
            "--filter-usernames and --filter-usernames-file are mutually exclusive"
        )
    text = file.read() if file is not None else csv
    names = [u for u in re.split(r"[\s,]+", text or "") if u]
    return names or None


def parse_slugs(csv: str | None) -> list[str] | None:
    """The organization slug allow-list from --filter-org-slugs, if any."""
    slugs = [s for s in re.split(r"[\s,]+", csv or "") if s]
    return slugs or None


def write_report(path: Path | None, report: dict[str, Any]) -> None:
    """Write the report file (``--report-file``): JSON, keys sorted."""
    if path is not None:
        write_private(path, json.dumps(report, indent=2, sort_keys=True) + "\n")


def write_findings(path: Path | None, findings: list[Finding]) -> None:
    """Write the findings file: a JSON array, keys sorted."""
    if path is not None:
        data: list[dict[str, Any]] = [f.to_json() for f in findings]
        write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


# Reasons whose Sentry import-error kind is not their CamelCase name.
_SENTRY_ERROR_KINDS = {
    "INTEGRITY_CONFLICT": "IntegrityError",
    "DATABASE_FAILURE": "DatabaseError",
    "INTERNAL": "Unknown",
}


def error_kind(exc: RelocationError | RpcError) -> str:
    """A failure's specific kind for findings files, the same whether the error was raised here
    or by a silo: its reason (``shared.rpc.errors.ERROR_TABLE``) in Sentry's spelling where Sentry
    has one (``IntegrityError``, ``DatabaseError``), else in CamelCase (``InstanceInvalid``,
    ``UnknownModel``, ``BrokenReference``)."""
    if isinstance(exc, RpcError):
        reason = str(exc.reason or exc.code.name)
    else:
        entry = ERROR_TABLE.get(type(exc))
        reason = str(entry[1]) if entry else type(exc).__name__.removesuffix("Error")
    if reason in _SENTRY_ERROR_KINDS:
        return _SENTRY_ERROR_KINDS[reason]
    if "_" not in reason and not reason.isupper():
        return reason
    return "".join(part.title() for part in reason.split("_"))


def _error_finding(exc: RelocationError | RpcError) -> Finding:
    meta = exc.metadata
    ordinal = meta.get("ordinal")
    pk = meta.get("pk")
    return Finding(
        kind=FindingKind.IMPORT_ERROR,
        model=meta.get("model", ""),
        ordinal=int(ordinal) if ordinal and ordinal.isdigit() else 0,
        left_pk=int(pk) if pk and pk.lstrip("-").isdigit() else None,
        reason=redact_text(exc.message),
        field=meta.get("field"),
        finding="RpcImportError" if isinstance(exc, RpcError) else type(exc).__name__,
        error_kind=error_kind(exc),
    )


@contextlib.contextmanager
def reported(printer: Printer, findings_file: Path | None, what: str) -> Iterator[list[Finding]]:
    """Write the findings file on success and on failure; turn known errors into exit 1."""
    findings: list[Finding] = []
    try:
        yield findings
    except (RelocationError, RpcError) as exc:
        findings.append(_error_finding(exc))
        write_findings(findings_file, findings)
        reason = f" [{exc.reason}]" if isinstance(exc, RpcError) and exc.reason else ""
        printer.echo(f"{what} failed{reason}: {redact_text(exc.message)}", err=True)
        raise SystemExit(1) from None
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:  # a bug still gets a findings entry and one clear line
        message = f"unexpected {type(exc).__name__}: {redact_text(str(exc))}"
        findings.append(
            Finding(
                kind=FindingKind.IMPORT_ERROR,
                model="",
                reason=message,
                finding="UnexpectedError",
                error_kind="UnexpectedError",
            )
        )
        write_findings(findings_file, findings)
        traceback.print_exc()
        printer.echo(f"{what} failed ({message}); this is a bug, please report it", err=True)
        raise SystemExit(1) from None
    write_findings(findings_file, findings)
