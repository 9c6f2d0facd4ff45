"""``relocate export users|organizations|config|global [DEST]``."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from region.cli.crypto_options import ENCRYPT_FORMAT, ENCRYPT_OPTIONS, encryptor_from
from region.cli.events import INCLUDE_EVENTS, without_events
from region.cli.output import Printer, parse_slugs, parse_usernames, reported
from region.cli.private_files import private_binary
from region.cli.progress import progress_display
from region.cli.settings import load_endpoints
from region.cli.wiring import connect
from shared.backup.crypto import encrypt_export
from shared.backup.exports import run_export
from shared.backup.filters import Filter
from shared.backup.model_names import ModelName
from shared.backup.scopes import OperationScope
from shared.backup.stream_crypto import EncryptingWriter


@contextlib.contextmanager
def _destination(dest: str) -> Iterator[IO[bytes]]:
    """Standard output for ``-``; else a private file (0600) renamed into place only on
    success (``private_files``)."""
    if dest == "-":
        yield sys.stdout.buffer
        return
    with private_binary(Path(dest)) as out:
        yield out


@contextlib.contextmanager
def _encrypted(out: IO[bytes], public_pem: bytes | None, fmt: str) -> Iterator[IO[bytes]]:
    """Where the export's plaintext goes: ``out`` itself, or an encryptor in front of it.

    Sentry's format encrypts one Fernet token, so its plaintext is built in memory first; the
    stream format encrypts chunk by chunk as the export is written.
    """
    if public_pem is None:
        yield out
    elif fmt == "stream":
        writer = EncryptingWriter(out, public_pem)
        yield writer  # type: ignore[misc]
        writer.close()
    else:
        plain = io.BytesIO()
        yield plain
        out.write(encrypt_export(plain.getvalue(), public_pem))


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
    @INCLUDE_EVENTS
    def command(
        dest: str,
        findings_file: Path | None,
        indent: int,
        no_prompt: bool,
        silent: bool,
        include_events: bool,
        **opts: Any,
    ) -> None:
        printer = Printer(silent=silent or dest == "-", no_prompt=no_prompt)
        filters = _filters(opts)
        with reported(printer, findings_file, "Export"):
            encryptor = encryptor_from(opts.get("encrypt_with"), opts.get("encrypt_with_gcp_kms"))
            public_pem = encryptor.public_key_pem() if encryptor is not None else None
            fmt = opts.get("encrypt_format", "sentry")
            with (
                connect(load_endpoints(region=opts.get("region"))) as silos,
                _destination(dest) as out,
                _encrypted(out, public_pem, fmt) as sink,
                progress_display(silent=silent) as progress,
            ):
                report = run_export(
                    sink,
                    graph=silos.graph if include_events else without_events(silos.graph),
                    scope=scope,
                    filters=filters,
                    sources=dict(silos.relocation),
                    indent=indent if public_pem is None else 0,
                    progress=progress,
                )
            printer.echo(
                f"Exported {sum(report.written.values())} record(s) in {scope.value} "
                f"scope to {dest}"
            )

    command.__doc__ = f"Export in {scope.value} scope to DEST (default: standard output)."
    for option in (*ENCRYPT_OPTIONS, ENCRYPT_FORMAT):
        command = option(command)
    return command
