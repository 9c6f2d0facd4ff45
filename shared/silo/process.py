"""The common composition root of a silo process: Django, migrations, gRPC server, port file.

``python -m region.server`` and ``python -m control.server`` call ``run()`` with their own settings
module and servicer factory. Configuration comes from the command line and environment variables:
RELOCATE_RPC_SECRETS (comma-separated; the first signs, all verify), the silo's database URL,
RELOCATE_RPC_MAX_MESSAGE_BYTES, and for mutual TLS RELOCATE_TLS_CERT, RELOCATE_TLS_KEY and
RELOCATE_TLS_CA (or the --tls-cert, --tls-key and --tls-ca flags). Log records pass through a
filter masking the RPC secrets, Django's secret key, the database password and secret fields.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc

from shared.backup.errors import ConfigurationError
from shared.backup.redaction import install_redaction
from shared.rpc.config import RpcServerConfig, max_message_bytes_from_env
from shared.rpc.server import build_server, serve_until_signalled
from shared.rpc.tls import (
    TLS_CA_ENV,
    TLS_CERT_ENV,
    TLS_DIR_ENV,
    TLS_KEY_ENV,
    TLS_NAME_ENV,
    tls_config,
    tls_paths_from_env,
)
from shared.silo.django_support import DjangoConnectionInterceptor
from shared.silo.exposure import exposure_problem, plaintext_warning

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
    defaults = tls_paths_from_env(os.environ, silo)
    for flag, env, what, default in (
        ("--tls-cert", TLS_CERT_ENV, "PEM certificate of this server", defaults[0]),
        ("--tls-key", TLS_KEY_ENV, "PEM private key of --tls-cert", defaults[1]),
        (
            "--tls-ca",
            TLS_CA_ENV,
            "PEM CA that must have signed every client's certificate",
            defaults[2],
        ),
    ):
        parser.add_argument(
            flag,
            type=Path,
            default=default,
            help=f"mutual TLS: {what} (default ${env}, or the {TLS_NAME_ENV} files of "
            f"${TLS_DIR_ENV}; set all three or none)",
        )
    return parser.parse_args(argv)


def _server_config(args: argparse.Namespace, secrets: tuple[str, ...]) -> RpcServerConfig:
    """The server's transport settings from the flags and the environment."""
    tls = tls_config(
        args.tls_cert,
        args.tls_key,
        args.tls_ca,
        names=("--tls-cert/" + TLS_CERT_ENV, "--tls-key/" + TLS_KEY_ENV, "--tls-ca/" + TLS_CA_ENV),
    )
    return RpcServerConfig(
        bind=args.bind,
        secrets=secrets,
        max_message_bytes=max_message_bytes_from_env(os.environ),
        tls=tls,
    )


def _log_secrets(rpc_secrets: tuple[str, ...]) -> list[str]:
    """The secret strings a silo's logs must never show."""
    from django.conf import settings  # noqa: PLC0415  (after django.setup())

    database_password = settings.DATABASES["default"].get("PASSWORD")
    return [*rpc_secrets, settings.SECRET_KEY, *([database_password] if database_password else [])]


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
    install_redaction(logging.getLogger(), _log_secrets(secrets))
    if not secrets:
        print(f"{silo}: RELOCATE_RPC_SECRETS is empty; refusing to serve", file=sys.stderr)
        return 2
    registrations, names = servicers()
    try:
        cfg = _server_config(args, secrets)
        problem = exposure_problem(cfg.bind, secrets)
        if problem is not None:
            raise ConfigurationError(problem)
        server, port = build_server(
            cfg, registrations, names, extra_interceptors=[DjangoConnectionInterceptor()]
        )
    except (ConfigurationError, ValueError) as exc:
        print(f"{silo}: {exc}; refusing to serve", file=sys.stderr)
        return 2
    server.start()
    warning = plaintext_warning(cfg.bind, tls=cfg.tls is not None)
    if warning is not None:
        logger.warning(warning)
        print(f"{silo}: WARNING: {warning}", file=sys.stderr)
    if args.port_file is not None:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)
    logger.info(
        "relocation.server.serving",
        extra={"silo": silo, "port": port, "tls": cfg.tls is not None},
    )
    serve_until_signalled(server, cfg.grace_s)
    return 0
