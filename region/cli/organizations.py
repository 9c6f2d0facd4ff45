"""``relocate organizations unhide --import UUID``: the unhide step after an import."""

from __future__ import annotations

import click

from region.cli.output import Printer, reported
from region.cli.post_steps import StepRunner, unhide
from region.cli.settings import load_endpoints
from region.cli.wiring import region_client
from shared.backup.relocation_records import PostStepName


@click.group(name="organizations")
def organizations_group() -> None:
    """Organizations an import created."""


@organizations_group.command(name="unhide")
@click.option("--import", "import_uuid", required=True, metavar="UUID", help="The import.")
@click.option("--region", default=None, metavar="NAME", help="The region the import wrote to.")
def unhide_command(import_uuid: str, region: str | None) -> None:
    """Make the organizations an import created hidden (--hide-organizations) visible, and record
    the step on the relocation. Idempotent.

    \b
    Example:
      relocate organizations unhide --import 0f3c...
    """
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Unhiding"),
        region_client(load_endpoints(region=region)) as client,
    ):
        StepRunner(client, import_uuid, click.echo).run(PostStepName.UNHIDE, unhide(client))
