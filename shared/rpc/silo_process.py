"""The common composition root of a silo process: Django, migrations, gRPC server, port file.

``python -m region.server`` and ``python -m control.server`` call ``run()`` with their own settings
module and servicer factory. Configuration comes from the command line and environment variables:
RELOCATE_RPC_SECRETS (comma-separated; the first signs, all verify) and the silo's database URL.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc

from shared.rpc.config import RpcServerConfig
from shared.rpc.django_support import DjangoConnectionInterceptor
from shared.rpc.server import build_server, serve_until_signalled

logger = logging.getLogger(__name__)

Registration = Callable[[grpc.Server], None]


def _parse(silo: str, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {silo}.server")
    parser.add_argument(
        "--bind",
        default=os.environ.get("RELOCATE_BIND", "127.0.0.1:0"),
        help="host:port to listen on; port 0 lets the OS choose",
    )
    parser.add_argument(
        "--port-file",
        type=Path,
        default=None,
        help="write the bound port here once the server is serving",
    )
    parser.add_argument(
        "--no-migrate", action="store_true", help="do not apply database migrations on start"
    )
    return parser.parse_args(argv)


def _ensure_sqlite_directory() -> None:
    """Create a SQLite database file's directory (the embedded default is in ./.relocate)."""
    from django.db import connection  # noqa: PLC0415

    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)


def run(
    silo: str,
    settings_module: str,
    servicers: Callable[[], tuple[list[Registration], list[str]]],
    argv: Sequence[str] | None = None,
) -> int:
    """Set up Django, migrate, serve until SIGTERM/SIGINT; return the exit status."""
    args = _parse(silo, argv)
    logging.basicConfig(
        level=os.environ.get("RELOCATE_LOG_LEVEL", "INFO"),
        format=f"%(asctime)s {silo} %(levelname)s %(name)s %(message)s",
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django  # noqa: PLC0415  (settings must be chosen first)
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    _ensure_sqlite_directory()
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    secrets = tuple(s for s in os.environ.get("RELOCATE_RPC_SECRETS", "").split(",") if s)
    if not secrets:
        print(f"{silo}: RELOCATE_RPC_SECRETS is empty; refusing to serve", file=sys.stderr)
        return 2
    registrations, names = servicers()
    cfg = RpcServerConfig(bind=args.bind, secrets=secrets)
    server, port = build_server(
        cfg, registrations, names, extra_interceptors=[DjangoConnectionInterceptor()]
    )
    server.start()
    if args.port_file is not None:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    logger.info("relocation.server.serving", extra={"silo": silo, "port": port})
    serve_until_signalled(server, cfg.grace_s)
    return 0
