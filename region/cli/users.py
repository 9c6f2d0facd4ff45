"""``relocate users claim-links`` and ``relocate users claim``: letting imported users in.

Outside Global scope an import leaves the users it creates unclaimed, with a password nobody
knows. ``claim-links`` asks control to mint a claim hash for each of them and writes one CSV line
per user for the operator's own mailer; ``claim`` redeems one hash with a new password (for tests
and scripts; a web front end would call the same RPC).

The CSV (RFC 4180, with a header line) has the columns ``username,email,claim_url,expires_at``;
``expires_at`` is ISO 8601 in UTC. The claim URL is ``<base url>/account/relocation/confirm/
<user id>/<hash>/``, the path of Sentry's claim page.
"""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import click

from region.cli.output import Printer, reported
from region.cli.post_steps import StepNotNeeded, StepRunner
from region.cli.private_files import private_text
from region.cli.settings import SiloEndpoints, load_endpoints
from region.cli.wiring import region_client
from shared.backup.claims import check_base_url
from shared.backup.errors import ConfigurationError
from shared.backup.relocation_records import PostStepName, RelocationRecord
from shared.backup.scopes import OperationScope
from shared.rpc.channels import make_channel
from shared.rpc.clients import UserClaimClient

# Where claim links point unless --base-url says otherwise: a self-hosted Sentry's default URL.
DEFAULT_BASE_URL = "http://localhost:9000"
CSV_COLUMNS = ("username", "email", "claim_url", "expires_at")


@contextlib.contextmanager
def claim_client(endpoints: SiloEndpoints) -> Iterator[UserClaimClient]:
    """A client of control's UserClaimService (the region need not be up)."""
    channel = make_channel(endpoints.client_config(endpoints.control))
    try:
        yield UserClaimClient(channel, endpoints.deadline_s)
    finally:
        channel.close()


def write_claim_links(
    client: UserClaimClient, import_uuid: str, base_url: str, out: IO[str]
) -> int:
    """Mint claim links for the import's unclaimed users and write them to ``out`` as CSV
    (header included); return how many users got a link.

    Minting voids each user's earlier links. ``out`` receives secrets: open it with
    ``private_text`` or make sure it is not a terminal.
    """
    try:
        base = check_base_url(base_url)
    except ValueError as exc:
        raise ConfigurationError(f"--base-url: {exc}") from None
    links = client.create_claim_links(import_uuid=import_uuid)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for link in links:
        expires = link.expires_at.isoformat(timespec="seconds")
        writer.writerow((link.username, link.email, link.url(base), expires))
    out.flush()
    return len(links)


def write_claim_links_file(
    client: UserClaimClient, import_uuid: str, base_url: str, path: Path
) -> int:
    """``write_claim_links`` into ``path`` (created 0600, complete or absent)."""
    with private_text(path) as out:
        return write_claim_links(client, import_uuid, base_url, out)


def claim_links_step(
    claims: UserClaimClient, base_url: str, out: Path | None
) -> Callable[[RelocationRecord], str]:
    """The claim-links step of a relocation: links for the users its import left unclaimed,
    written to ``out`` (0600) or standard output. A Global import keeps passwords: not needed."""

    def action(record: RelocationRecord) -> str:
        if record.scope is OperationScope.GLOBAL:
            raise StepNotNeeded("a Global import keeps its users' passwords; nobody to claim")
        return _write_links(claims, record.uuid, base_url, out)

    return action


def _write_links(claims: UserClaimClient, import_uuid: str, base_url: str, out: Path | None) -> str:
    """Write the links to ``out`` (0600) or standard output; say how many and where."""
    if out is None:
        count = write_claim_links(claims, import_uuid, base_url, sys.stdout)
    else:
        try:
            count = write_claim_links_file(claims, import_uuid, base_url, out)
        except OSError as exc:
            raise click.FileError(str(out), hint=exc.strerror or str(exc)) from None
    where = str(out) if out is not None else "standard output"
    return f"Wrote {count} claim link(s) of import {import_uuid} to {where}, valid for one hour"


@click.group(name="users")
def users_group() -> None:
    """Users an import created: claim links and claiming."""


@users_group.command(name="claim-links")
@click.option("--import", "import_uuid", required=True, metavar="UUID", help="The import.")
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    metavar="URL",
    help="The new instance's URL, which the claim links point at.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the links to FILE (created 0600) instead of standard output.",
)
@click.option("--yes", is_flag=True, help="Print the links even when output is a terminal.")
@click.option("--region", default=None, metavar="NAME", help="The region configuration to use.")
def claim_links_command(
    import_uuid: str, base_url: str, out: Path | None, yes: bool, region: str | None
) -> None:
    """Write a claim link for each user import UUID left unclaimed, one CSV line per user
    (username, email, claim_url, expires_at), for your own mailer.

    Each run mints new links and voids the earlier ones; a link works once, for one hour
    (Sentry's lifetime). The links are secrets: printing them to a terminal needs --yes.

    \b
    Example:
      relocate users claim-links --import 0f3c... --base-url https://sentry.example.com \\
        --out links.csv
    """
    try:
        check_base_url(base_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    if out is None and not yes and sys.stdout.isatty():
        raise click.UsageError(
            "refusing to print claim links (secrets) to a terminal: pass --out FILE (created "
            "0600) or --yes"
        )
    printer = Printer(silent=False, no_prompt=True)
    endpoints = load_endpoints(region=region)
    with (
        reported(printer, None, "Writing claim links"),
        claim_client(endpoints) as client,
        region_client(endpoints) as records,
    ):
        if records.get_relocation(uuid=import_uuid) is None:
            # Imported elsewhere (no relocation record here): write the links, record nothing.
            detail = _write_links(client, import_uuid, base_url, out)
        else:
            runner = StepRunner(records, import_uuid, lambda line: click.echo(line, err=True))
            action = claim_links_step(client, base_url, out)
            detail = runner.run(PostStepName.CLAIM_LINKS, action, rerun=True).detail
    click.echo(f"{detail}.", err=out is None)


@users_group.command(name="claim")
@click.argument("username")
@click.argument("claim_hash", metavar="HASH")
@click.option(
    "--password-file",
    type=click.File("r", encoding="utf-8"),
    required=True,
    help="File holding the new password (one trailing newline is ignored); - reads stdin.",
)
@click.option("--region", default=None, metavar="NAME", help="The region configuration to use.")
def claim_command(
    username: str, claim_hash: str, password_file: IO[str], region: str | None
) -> None:
    """Claim user USERNAME with the HASH of its claim link: set the password from
    --password-file and mark the user claimed. The hash then stops working.

    \b
    Example:
      relocate users claim alice Xy12... --password-file new-password.txt
    """
    password = password_file.read().removesuffix("\n").removesuffix("\r")
    printer = Printer(silent=False, no_prompt=True)
    with (
        reported(printer, None, "Claiming"),
        claim_client(load_endpoints(region=region)) as client,
    ):
        user_id = client.claim_user(username=username, claim_hash=claim_hash, password=password)
    click.echo(f"Claimed user {username} (id {user_id}); it can log in with the new password.")
