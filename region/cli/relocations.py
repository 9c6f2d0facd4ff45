"""``relocate relocations list|show|finish|validate|cancel``: the region's records of imports and
the steps after an import, over gRPC."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from region.cli.crypto_options import decrypt_options
from region.cli.output import Printer, reported
from region.cli.post_steps import (
    StepRunner,
    ValidationSource,
    unhide,
    validation,
)
from region.cli.settings import load_endpoints
from region.cli.users import DEFAULT_BASE_URL, claim_client, claim_links_step
from region.cli.wiring import connect, region_client
from shared.backup.relocation_records import PostStepName, PostStepStatus, RelocationRecord
from shared.backup.scopes import OperationScope
from shared.rpc.clients import RegionImportClient

_REGION = click.option(
    "--region",
    default=None,
    metavar="NAME",
    help="The region whose imports to show (default: the first configured).",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def record_json(record: RelocationRecord) -> dict[str, object]:
    """Every field of a record as JSON values (times in ISO 8601, UTC)."""
    return {
        "uuid": record.uuid,
        "scope": record.scope.value,
        "status": record.status.value,
        "step": record.step.value,
        "reason": record.failure_reason,
        "source_sha256": record.source_sha256,
        "tool_version": record.tool_version,
        "flags": record.flags,
        "progress": record.progress.as_json(),
        "created": _time(record.created),
        "updated": _time(record.updated),
        "finished": _time(record.finished),
        "steps": [{"name": name, **state} for name, state in steps_of(record).items()],
        "undone": undone(record),
    }


def undone(record: RelocationRecord) -> bool:
    """Whether ``relocate import undo`` removed what the import wrote."""
    step = record.post_step(PostStepName.UNDO)
    return step is not None and step.status is PostStepStatus.SUCCESS


def _status_text(record: RelocationRecord) -> str:
    """The status column of ``relocations list``: an undone import says so."""
    step = record.post_step(PostStepName.UNDO)
    if step is None:
        return record.status.value
    return "UNDONE" if undone(record) else f"{record.status.value} (undo {step.status.value})"


def steps_of(record: RelocationRecord) -> dict[str, dict[str, object]]:
    """Every step of the relocation in order: the import itself, then the steps after it
    (``PENDING`` until first run)."""
    steps: dict[str, dict[str, object]] = {
        "import": {"status": record.status.value, "attempts": None, "detail": record.step.value}
    }
    for name in PostStepName:
        step = record.post_step(name)
        if step is None and name is PostStepName.UNDO:
            continue  # shown once an undo was asked for
        steps[name.value] = (
            {"status": "PENDING", "attempts": 0, "detail": ""}
            if step is None
            else {"status": step.status.value, "attempts": step.attempts, "detail": step.detail}
        )
    return steps


def _progress_text(record: RelocationRecord) -> str:
    done, total = record.progress.rows_done, record.progress.rows_total
    if not total:
        return f"{done}"
    return f"{done}/{total} ({100 * done // total}%)"


def _short_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


@click.group(name="relocations")
def relocations_group() -> None:
    """Show the records of imports (status, step, progress, failure reason)."""


@relocations_group.command(name="list")
@_JSON
@_REGION
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Show at most this many imports.",
)
def list_command(as_json: bool, region: str | None, limit: int) -> None:
    """List imports, most recently started first."""
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Listing relocations"),
        region_client(load_endpoints(region=region)) as client,
    ):
        records = client.list_relocations(limit=limit)
    if as_json:
        click.echo(json.dumps([record_json(r) for r in records], indent=2))
        return
    header = ("UUID", "SCOPE", "STATUS", "STEP", "PROGRESS", "STARTED", "UPDATED")
    rows = [
        (
            r.uuid,
            r.scope.value,
            _status_text(r),
            r.step.value,
            _progress_text(r),
            _short_time(r.created),
            _short_time(r.updated),
        )
        for r in records
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@relocations_group.command(name="show")
@click.argument("uuid")
@_JSON
@_REGION
def show_command(uuid: str, as_json: bool, region: str | None) -> None:
    """Show every field of one import, with its failure reason."""
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Showing relocation"),
        region_client(load_endpoints(region=region)) as client,
    ):
        record = client.get_relocation(uuid=uuid)
    if record is None:
        click.echo(f"No relocation {uuid} is recorded in this region.", err=True)
        raise SystemExit(1)
    if as_json:
        click.echo(json.dumps(record_json(record), indent=2))
        return
    fields = record_json(record)
    fields["progress"] = _progress_text(record)
    fields["flags"] = json.dumps(record.flags, sort_keys=True)
    for key, value in fields.items():
        click.echo(f"{key + ':':<15}{'-' if value in (None, '') else value}")
    for model in record.progress.models:
        click.echo(f"  {model.model}: {model.rows_done}/{model.rows_total}")
    click.echo("steps:")
    for name, state in steps_of(record).items():
        detail = f" ({state['detail']})" if state["detail"] else ""
        attempts = f", attempt {state['attempts']}" if state["attempts"] else ""
        click.echo(f"  {name}: {state['status']}{attempts}{detail}")


_SOURCE = click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The export file the import read (checked by its SHA-256).",
)
_FINDINGS = click.option(
    "--findings-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the validation's differences as JSON.",
)


def _runner(client: RegionImportClient, uuid: str) -> StepRunner:
    return StepRunner(client, uuid, click.echo)


@relocations_group.command(name="validate")
@click.argument("uuid")
@_SOURCE
@_FINDINGS
@_REGION
@decrypt_options()[0]
@decrypt_options()[1]
def validate_command(
    uuid: str, source: Path, findings_file: Path | None, region: str | None, **keys: Any
) -> None:
    """Export what import UUID wrote and compare it with its source file; record the outcome.

    \b
    Example:
      relocate relocations validate 0f3c... --source export.json
    """
    printer = Printer(silent=False, no_prompt=True)
    origin = ValidationSource(
        source, keys.get("decrypt_with"), keys.get("decrypt_with_gcp_kms"), findings_file
    )
    with reported(printer, None, "Validation"), connect(load_endpoints(region=region)) as silos:
        _runner(silos.region, uuid).run(PostStepName.VALIDATION, validation(silos, origin))


@relocations_group.command(name="finish")
@click.argument("uuid")
@_SOURCE
@_FINDINGS
@click.option("--base-url", default=None, help="Where claim links point (the new instance).")
@click.option(
    "--claim-links-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where claim links are written (mode 0600).",
)
@_REGION
@decrypt_options()[0]
@decrypt_options()[1]
def finish_command(
    uuid: str,
    source: Path,
    findings_file: Path | None,
    base_url: str | None,
    claim_links_out: Path | None,
    region: str | None,
    **keys: Any,
) -> None:
    """Run the steps after import UUID that are not done yet: unhide, claim links, validation.

    A step that succeeded is not run again; a failed one is retried; one that fails three times
    abandons the relocation.

    \b
    Example:
      relocate relocations finish 0f3c... --source export.json --claim-links-out links.csv
    """
    printer = Printer(silent=False, no_prompt=True)
    origin = ValidationSource(
        source, keys.get("decrypt_with"), keys.get("decrypt_with_gcp_kms"), findings_file
    )
    endpoints = load_endpoints(region=region)
    with (
        reported(printer, None, "Finishing"),
        connect(endpoints) as silos,
        claim_client(endpoints) as claims,
    ):
        runner = _runner(silos.region, uuid)
        _check_claim_links_out(runner.record(), claim_links_out)
        runner.run(PostStepName.UNHIDE, unhide(silos.region))
        links = claim_links_step(claims, base_url or DEFAULT_BASE_URL, claim_links_out)
        runner.run(PostStepName.CLAIM_LINKS, links)
        runner.run(PostStepName.VALIDATION, validation(silos, origin))
    click.echo(f"Relocation {uuid}: every step is done.")


def _check_claim_links_out(record: RelocationRecord, out: Path | None) -> None:
    """Claim links are secrets: refuse before any step runs if they would have nowhere to go."""
    step = record.post_step(PostStepName.CLAIM_LINKS)
    done = step is not None and step.status in (PostStepStatus.SUCCESS, PostStepStatus.SKIPPED)
    if out is None and not done and record.scope is not OperationScope.GLOBAL:
        raise click.UsageError(
            f"the {record.scope.value} import left its users unclaimed: pass --claim-links-out "
            "FILE (created 0600) for their claim links"
        )


@relocations_group.command(name="cancel")
@click.argument("uuid")
@click.option("--reason", default="cancelled by the operator", show_default=True)
@_REGION
def cancel_command(uuid: str, reason: str, region: str | None) -> None:
    """Abandon relocation UUID: nothing resumes or retries it afterwards.

    \b
    Example:
      relocate relocations cancel 0f3c... --reason "wrong file"
    """
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Cancelling"),
        region_client(load_endpoints(region=region)) as client,
    ):
        if client.get_relocation(uuid=uuid) is None:
            click.echo(f"No relocation {uuid} is recorded in this region.", err=True)
            raise SystemExit(1)
        record = _runner(client, uuid).abandon(reason)
    click.echo(f"Relocation {uuid} is {record.status.value}: {record.failure_reason}")
