"""``relocate export users|organizations|config|global [DEST]``."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from region.cli.crypto_options import ENCRYPT_OPTIONS, encryptor_from
from region.cli.output import Printer, parse_slugs, parse_usernames, reported
from region.cli.settings import load_endpoints
from region.cli.wiring import connect
from shared.backup.crypto import encrypt_export
from shared.backup.exports import run_export
from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.scopes import OperationScope


@contextlib.contextmanager
def _destination(dest: str) -> Iterator[IO[bytes]]:
    """Standard output for ``-``; else a partial file renamed into place only on success."""
    if dest == "-":
        yield sys.stdout.buffer
        return
    target = Path(dest)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as out:
            yield out
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _filters(opts: dict[str, Any]) -> list[Filter]:
    filters = []
    usernames = parse_usernames(opts.get("filter_usernames"), opts.get("filter_usernames_file"))
    if usernames:
        filters.append(Filter(ModelName("sentry.user"), "username", frozenset(usernames)))
    slugs = parse_slugs(opts.get("filter_org_slugs"))
    if slugs:
        filters.append(Filter(ModelName("sentry.organization"), "slug", frozenset(slugs)))
    return filters


def export_command(scope: OperationScope) -> Callable[..., None]:
    """The export subcommand of one scope (its scope-specific options are added by the caller)."""

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
        filters = _filters(opts)
        with reported(printer, findings_file, "Export"):
            encryptor = encryptor_from(opts.get("encrypt_with"), opts.get("encrypt_with_gcp_kms"))
            public_pem = encryptor.public_key_pem() if encryptor is not None else None
            with connect(load_endpoints()) as silos, _destination(dest) as out:
                # Sentry's format encrypts one Fernet token, so the plaintext is built in memory.
                plain = io.BytesIO() if public_pem is not None else None
                report = run_export(
                    plain or out,
                    graph=silos.graph,
                    scope=scope,
                    filters=filters,
                    sources=dict(silos.relocation),
                    indent=indent if plain is None else 0,
                )
                if public_pem is not None and plain is not None:
                    out.write(encrypt_export(plain.getvalue(), public_pem))
            printer.echo(
                f"Exported {sum(report.written.values())} record(s) in {scope.value} "
                f"scope to {dest}"
            )

    command.__doc__ = f"Export in {scope.value} scope to DEST (default: standard output)."
    for option in ENCRYPT_OPTIONS:
        command = option(command)
    return command
