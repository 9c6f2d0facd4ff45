"""``relocate relocations list|show``: the region's records of imports, over gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from region.cli.output import Printer, reported
from region.cli.settings import SiloEndpoints, load_endpoints
from region.cli.wiring import region_channel
from shared.backup.relocation_records import RelocationRecord
from shared.rpc.clients import RegionImportClient

_REGION = click.option(
    "--region",
    default=None,
    metavar="NAME",
    help="The region whose imports to show (default: the first configured).",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@contextmanager
def region_client(endpoints: SiloEndpoints) -> Iterator[RegionImportClient]:
    """A client of the region alone: the records live there, control need not be up."""
    with region_channel(endpoints) as channel:
        yield RegionImportClient(channel, endpoints.deadline_s)


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
        "flags": record.flags,
        "progress": record.progress.as_json(),
        "created": _time(record.created),
        "updated": _time(record.updated),
        "finished": _time(record.finished),
    }


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
def list_command(as_json: bool, region: str | None) -> None:
    """List imports, most recently started first."""
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Listing relocations"),
        region_client(load_endpoints(region=region)) as client,
    ):
        records = client.list_relocations()
    if as_json:
        click.echo(json.dumps([record_json(r) for r in records], indent=2))
        return
    header = ("UUID", "SCOPE", "STATUS", "STEP", "PROGRESS", "STARTED", "UPDATED")
    rows = [
        (
            r.uuid,
            r.scope.value,
            r.status.value,
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
