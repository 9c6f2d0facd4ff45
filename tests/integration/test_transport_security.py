"""Transport security end to end: both silos serve mutual TLS, the `relocate` CLI is a client.

Certificates are generated in the test (a CA, a server certificate for 127.0.0.1/localhost, a
client certificate, and a client certificate of another CA). The silos log at DEBUG level, so the
tests can check that no secret reaches their logs either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.backup.descriptors import Silo
from shared.rpc.channels import make_channel
from shared.rpc.clients import RelocationClient, wait_for_health
from shared.rpc.config import RpcClientConfig
from shared.rpc.errors import Unauthenticated
from shared.rpc.tls import tls_from_env
from tests.integration.conftest import ROOT, PairFactory, SiloPair, run_cli, tls_env, write_export
from tests.support.certificates import TlsSetup, make_tls_setup
from tests.support.records import user, useremail

pytestmark = pytest.mark.integration

# Distinctive secret values: any of them in an output or log is a leak.
HASH = "pbkdf2_sha256$600000$S4ltS4lt$LeakedHashValueMustNotAppear0123456789="
VALIDATION_HASH = "ValidationHashMustNotAppear0123"
WRONG_SECRET = "wrong-rpc-secret-must-not-appear-42"  # noqa: S105  (a test secret)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> TlsSetup:
    return make_tls_setup(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory, certs: TlsSetup) -> Iterator[SiloPair]:
    """Control and region serving mutual TLS only, logging at DEBUG."""
    factory = PairFactory(tmp_path_factory.mktemp("tls-pair"))
    server_env = {**tls_env(certs.server_tls()), "RELOCATE_LOG_LEVEL": "DEBUG"}
    yield factory(server_env=server_env, client_tls=certs.client_tls())
    factory.close()


def _relocate(pair: SiloPair, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI against ``pair`` with the TLS variables of ``env`` only (none: plaintext)."""
    base = {k: v for k, v in pair.env().items() if not k.startswith("RELOCATE_TLS_")}
    return subprocess.run(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *args],
        cwd=pair.tmp,
        env={**base, "PYTHONPATH": str(ROOT), "RELOCATE_RETRY_MAX_SECONDS": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _users_export(tmp: Path, name: str, password: object) -> Path:
    return write_export(
        tmp / f"{name}.json",
        [
            user(1, name, password=password),
            useremail(1, 1, f"{name}@example.com", validation_hash=VALIDATION_HASH),
        ],
    )


def test_import_and_export_over_mutual_tls(tls_pair):
    src = _users_export(tls_pair.tmp, "tls-alice", HASH)
    imported = run_cli(tls_pair, "import", "users", str(src), "--no-prompt")
    assert "sentry.user: 1 in file; inserted 1" in imported.stdout
    run_cli(tls_pair, "export", "users", "out.json", "--filter-usernames", "tls-alice")
    exported = json.loads((tls_pair.tmp / "out.json").read_text())
    assert [r["fields"]["username"] for r in exported if r["model"] == "sentry.user"] == [
        "tls-alice"
    ]


def test_plaintext_cli_against_tls_silos_fails_clearly(tls_pair):
    proc = _relocate(tls_pair, "export", "users", "plain.json", env={})
    assert proc.returncode != 0
    assert "cannot reach the control silo at" in proc.stderr
    assert "this client uses plaintext" in proc.stderr
    assert "RELOCATE_TLS_CERT" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tls_pair.tmp / "plain.json").exists()


def test_client_certificate_of_another_ca_is_refused(tls_pair, certs):
    proc = _relocate(
        tls_pair, "export", "users", "rogue.json", env=tls_env(certs.rogue_client_tls())
    )
    assert proc.returncode != 0
    assert "cannot reach the control silo at" in proc.stderr
    assert "this client uses mutual TLS" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_wrong_rpc_secret_is_refused_over_tls(tls_pair):
    cfg = RpcClientConfig(
        target=tls_pair.addresses[Silo.CONTROL.value],
        secrets=(WRONG_SECRET,),
        tls=tls_pair.client_tls,
    )
    channel = make_channel(cfg)
    try:
        with pytest.raises(Unauthenticated):
            RelocationClient(channel, 30).list_models()
    finally:
        channel.close()


def test_failed_import_never_prints_the_secret_values(tls_pair):
    src = _users_export(tls_pair.tmp, "tls-bob", [HASH])
    findings = tls_pair.tmp / "bob-findings.json"
    proc = run_cli(
        tls_pair,
        "import",
        "users",
        str(src),
        "--no-prompt",
        "--findings-file",
        str(findings),
        check=False,
    )
    assert proc.returncode == 1
    output = proc.stdout + proc.stderr
    assert "sentry.user" in output
    assert "password" in output
    assert "<masked" in output
    written = findings.read_text()
    assert "password" in written
    for text in (output, written):
        assert "LeakedHashValueMustNotAppear" not in text


def test_silo_logs_at_debug_never_contain_secrets(tls_pair):
    """After imports, a refused signature and a failed import: no secret in either silo's log."""
    bad = RpcClientConfig(
        target=tls_pair.addresses[Silo.REGION.value],
        secrets=(WRONG_SECRET,),
        tls=tls_pair.client_tls,
    )
    channel = make_channel(bad)
    try:
        with pytest.raises(Unauthenticated):
            RelocationClient(channel, 30).list_models()
    finally:
        channel.close()
    src = _users_export(tls_pair.tmp, "tls-carol", HASH)
    run_cli(tls_pair, "import", "users", str(src), "--no-prompt")
    logs = {silo: (tls_pair.tmp / f"{silo}.log").read_text() for silo in ("control", "region")}
    # The logs are live (the refusal was logged), at DEBUG level for both silos.
    assert "relocation.rpc.signature_invalid" in logs["region"]
    for silo, text in logs.items():
        for secret in (tls_pair.secret, WRONG_SECRET, "LeakedHashValueMustNotAppear"):
            assert secret not in text, f"{secret!r} in the {silo} log"
        assert VALIDATION_HASH not in text, f"a validation hash in the {silo} log"


def test_silo_refuses_to_start_with_partial_tls_settings(tmp_path, certs):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")},
        "RELOCATE_RPC_SECRETS": "s3cret-partial",
        "RELOCATE_REGION_DATABASE_URL": f"sqlite:///{tmp_path / 'region.sqlite3'}",
        "RELOCATE_TLS_CERT": str(certs.server.cert),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "region.server", "--bind", "127.0.0.1:0", "--no-migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "missing --tls-key/RELOCATE_TLS_KEY, --tls-ca/RELOCATE_TLS_CA" in proc.stderr


def test_serve_takes_tls_flags(tmp_path, certs):
    """`relocate serve region --tls-cert/--tls-key/--tls-ca`: TLS only, plaintext refused."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")},
        "RELOCATE_RPC_SECRETS": "s3cret-flags",
        "RELOCATE_REGION_DATABASE_URL": f"sqlite:///{tmp_path / 'region.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    tls = certs.server_tls()
    port_file = tmp_path / "region.port"
    flags = ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key), "--tls-ca", str(tls.ca)]
    serve = ["serve", "region", "--bind", "127.0.0.1:0", "--port-file", str(port_file), *flags]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from region.cli.main import cli; cli()", *serve],
        cwd=tmp_path,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while not port_file.exists():
            assert proc.poll() is None, "the region exited while starting"
            assert time.monotonic() < deadline, "the region did not start"
            time.sleep(0.1)
        target = f"127.0.0.1:{int(port_file.read_text())}"
        secure = make_channel(
            RpcClientConfig(target=target, secrets=("s3cret-flags",), tls=certs.client_tls())
        )
        plain = make_channel(RpcClientConfig(target=target, secrets=("s3cret-flags",)))
        try:
            wait_for_health(secure, 30)
            assert RelocationClient(secure, 30).list_models()[0] == "region"
            with pytest.raises(TimeoutError):
                wait_for_health(plain, 2)
        finally:
            secure.close()
            plain.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _region_env(tmp_path: Path, secret: str, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("RELOCATE_")},
        "RELOCATE_RPC_SECRETS": secret,
        "RELOCATE_REGION_DATABASE_URL": f"sqlite:///{tmp_path / 'region.sqlite3'}",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("change-me-dev-only-secret", "an example value from the documentation"),
        ("short-but-not-an-example", "is 24 bytes"),
    ],
)
def test_a_silo_reachable_from_other_hosts_refuses_a_weak_secret(tmp_path, secret, says):
    proc = subprocess.run(
        [sys.executable, "-m", "region.server", "--bind", "0.0.0.0:0", "--no-migrate"],
        cwd=tmp_path,
        env=_region_env(tmp_path, secret),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert says in proc.stderr
    assert "refusing to serve" in proc.stderr
    assert secret not in proc.stderr


def _serve_until_port(
    cmd: list[str], tmp_path: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[str], int]:
    port_file = tmp_path / "silo.port"
    proc = subprocess.Popen(
        [*cmd, "--port-file", str(port_file)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not port_file.exists():
        assert proc.poll() is None, "the silo exited while starting"
        assert time.monotonic() < deadline, "the silo did not start"
        time.sleep(0.1)
    return proc, int(port_file.read_text())


def test_a_silo_serving_plaintext_to_other_hosts_warns_once_at_start(tmp_path):
    strong = "x" * 40
    proc, _ = _serve_until_port(
        [sys.executable, "-m", "region.server", "--bind", "0.0.0.0:0", "--no-migrate"],
        tmp_path,
        _region_env(tmp_path, strong),
    )
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert err.count("WARNING: serving without TLS on 0.0.0.0:0") == 1
    assert "RELOCATE_TLS_DIR" in err


def test_dev_certs_and_one_variable_give_mutual_tls_between_real_silos(tmp_path):
    certs = tmp_path / "certs"
    made = subprocess.run(
        [
            *(sys.executable, "-c", "from region.cli.main import cli; cli()"),
            *("dev", "certs", str(certs), "--name", "control", "--name", "region"),
            *("--name", "client"),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert oct((certs / "control.key").stat().st_mode & 0o777) == "0o600"
    factory = PairFactory(tmp_path / "pair")
    try:
        # Each silo finds its own certificate by its name (control, region) in the directory.
        pair = factory(
            server_env={"RELOCATE_TLS_DIR": str(certs)},
            client_tls=tls_from_env({"RELOCATE_TLS_DIR": str(certs)}),
        )
        src = _users_export(tmp_path, "tls-dir-user", "pbkdf2_sha256$1$a$b=")
        # The CLI takes the same one variable (its certificate is `client`).
        proc = _relocate(
            pair,
            "import",
            "users",
            str(src),
            "--no-prompt",
            env={"RELOCATE_TLS_DIR": str(certs)},
        )
        assert proc.returncode == 0, proc.stderr
        plaintext = _relocate(pair, "export", "users", str(tmp_path / "out.json"), env={})
        assert plaintext.returncode != 0
    finally:
        factory.close()
