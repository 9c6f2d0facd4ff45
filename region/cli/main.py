"""The ``relocate`` command line: import, export, serve and dev."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from region.certificates import DEV_NAMES, write_dev_certificates
from region.cli import dev
from region.cli.backup import backup_group
from region.cli.events import events_group
from region.cli.examples import add_examples
from region.cli.export_command import export_command
from region.cli.import_command import import_command
from region.cli.memory import limit_malloc_arenas
from region.cli.organizations import organizations_group
from region.cli.relocations import relocations_group
from region.cli.settings import DEFAULT_DATA_DIR
from region.cli.undo_command import undo_command
from region.cli.users import users_group
from region.cli.version import tool_version
from shared.backup.errors import RelocationError
from shared.backup.scopes import OperationScope

SCOPES = {
    "users": OperationScope.USER,
    "organizations": OperationScope.ORGANIZATION,
    "config": OperationScope.CONFIG,
    "global": OperationScope.GLOBAL,
}

_USERNAMES = (
    click.option("--filter-usernames", default=None, help="Comma-separated usernames."),
    click.option(
        "--filter-usernames-file",
        type=click.File("r"),
        default=None,
        help="File of usernames, separated by commas or whitespace.",
    ),
)
_ORG_SLUGS = (
    click.option("--filter-org-slugs", default=None, help="Comma-separated organization slugs."),
)
_HIDE = (
    click.option(
        "--hide-organizations",
        is_flag=True,
        help="Imported organizations stay hidden, pending approval.",
    ),
)
_MERGE = (
    click.option(
        "--merge-users",
        is_flag=True,
        help="Reuse existing users with the same username instead of suffixing.",
    ),
)
_OVERWRITE = (
    click.option(
        "--overwrite-configs",
        is_flag=True,
        help="Overwrite colliding options, relays and roles instead of keeping them.",
    ),
)
_REGION = (
    click.option(
        "--region",
        default=None,
        metavar="NAME",
        help="The region to import into or export from (default: the first configured).",
    ),
)
# Sentry's flags per scope: which options each import and export subcommand takes.
IMPORT_OPTIONS = {
    "users": (*_USERNAMES, *_MERGE, *_REGION),
    "organizations": (*_ORG_SLUGS, *_MERGE, *_HIDE, *_REGION),
    "config": (*_USERNAMES, *_MERGE, *_OVERWRITE, *_REGION),
    "global": (
        click.option(
            "--backup-to",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Before clearing, export both silos (Global scope) to FILE: the way back, since "
            "a Global import cannot be undone.",
        ),
        *_REGION,
    ),
}
EXPORT_OPTIONS = {
    "users": (*_USERNAMES, *_REGION),
    "organizations": (*_ORG_SLUGS, *_REGION),
    "config": _REGION,
    "global": _REGION,
}


def _with(options: tuple[Callable[[Any], Any], ...], command: Callable[..., None]) -> Any:
    for option in options:
        command = option(command)
    return command


@click.group()
@click.version_option(version=tool_version(), prog_name="relocate", message="%(prog)s %(version)s")
def cli() -> None:
    """Move users, organizations and configuration between deployments (Sentry's format)."""
    limit_malloc_arenas()


@cli.group(name="import")
def import_group() -> None:
    """Import an export file into the silos."""


@cli.group(name="export")
def export_group() -> None:
    """Export the silos' data to a file."""


for _name, _scope in SCOPES.items():
    import_group.command(name=_name)(_with(IMPORT_OPTIONS[_name], import_command(_scope)))
    export_group.command(name=_name)(_with(EXPORT_OPTIONS[_name], export_command(_scope)))
import_group.add_command(undo_command)

cli.add_command(backup_group)
cli.add_command(relocations_group)
cli.add_command(organizations_group)
cli.add_command(events_group)
cli.add_command(users_group)


# The silo's own flags (--bind, --tls-cert, ...) pass through to `python -m <silo>.server`.
@cli.command(context_settings={"ignore_unknown_options": True})
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
@click.option(
    "--regions",
    default=None,
    metavar="NAMES",
    help="Comma-separated region names: one region process each (default: one region).",
)
def dev_up(
    data_dir: Path | None, background: bool, postgres: str | None, regions: str | None
) -> None:
    """Start control and the regions and wait until all are healthy."""
    directory = data_dir or DEFAULT_DATA_DIR
    names = [r.strip() for r in (regions or "").split(",") if r.strip()] or [dev.DEFAULT_REGION]
    if len(set(names)) != len(names):
        raise click.UsageError("--regions names must be distinct")
    try:
        silos = dev.start(directory, postgres, names)
    except RelocationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        ", ".join(f"{name} on {address}" for name, address in silos.addresses.items())
        + f" (state in {directory})"
    )
    if background:
        return
    click.echo("Press Ctrl-C to stop.")
    try:
        while dev.alive(silos.pids):
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
        click.echo("Stopped the silos.")
    else:
        click.echo(f"No silos recorded in {directory}.")


@dev_group.command(name="certs")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="NAME",
    help="A certificate to issue (repeatable; default: control, region-us, region-de, client).",
)
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
def dev_certs(directory: Path, names: tuple[str, ...], days: int) -> None:
    """Write a CA and a certificate per silo and client for mutual TLS.

    Each certificate serves and calls as its name (and as localhost / 127.0.0.1). A process
    finds its files with RELOCATE_TLS_DIR=DIRECTORY and RELOCATE_TLS_NAME=NAME; the
    docker-compose topology needs only RELOCATE_TLS_DIR.

    \b
    Example:
      relocate dev certs ./certs
      RELOCATE_TLS_DIR=/certs RELOCATE_RPC_SECRETS=$(openssl rand -hex 32) docker-compose up -d
    """
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty; choose a new directory")
    written = write_dev_certificates(directory, names or DEV_NAMES, days=days)
    click.echo(
        f"Wrote {len(written)} file(s) to {directory}: " + ", ".join(p.name for p in written)
    )


add_examples(cli)

if __name__ == "__main__":
    cli()
