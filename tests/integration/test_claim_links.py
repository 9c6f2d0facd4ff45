"""Letting imported users in (both silos as processes, PostgreSQL): an Organization import leaves
its users unclaimed; `relocate users claim-links` writes their links, `relocate users claim`
redeems one, once, within its lifetime; links never reach a terminal unasked or a log."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import stat
import subprocess
import sys
from urllib.parse import urlsplit

import grpc
import psycopg2
import pytest

from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2 as pb
from shared.rpc.gen.relocate.control.v1 import user_claim_service_pb2_grpc as pb_grpc
from tests.integration.conftest import ROOT, run_cli, write_export
from tests.support.records import email, member, org, user, useremail

pytestmark = pytest.mark.integration

PASSWORD = "a new passphrase for alice"  # noqa: S105 - a test password
BASE_URL = "https://sentry.example.com"
ORG_EXPORT = [
    user(
        1, "alice", is_staff=False, is_superuser=False, is_managed=False, email="alice@example.com"
    ),
    user(2, "bob", is_staff=False, is_superuser=False, is_managed=False),
    email(1, "alice@example.com"),
    email(2, "bob@example.com"),
    useremail(1, 1, "alice@example.com"),
    useremail(2, 2, "bob@example.com"),
    org(1, "acme"),
    member(1, 1, 1, role="owner"),
    member(2, 1, 2),
]
# Django's own check_password in a child process (this process never configures Django).
CHECKER_SCRIPT = (
    "import json, sys; from django.conf import settings; settings.configure(); "
    "from django.contrib.auth.hashers import check_password; "
    "data = json.load(sys.stdin); print(check_password(data['password'], data['encoded']))"
)


@pytest.fixture
def pair(silo_pair_factory):
    return silo_pair_factory(server_env={"RELOCATE_LOG_LEVEL": "DEBUG"})


def _import(pair, tmp_path):
    src = write_export(tmp_path / "orgs.json", ORG_EXPORT)
    proc = run_cli(pair, "import", "organizations", str(src), "--no-prompt")
    return proc.stdout.split("import uuid ")[1].split(")")[0]


def _links(path):
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    return {row["username"]: row for row in rows}


def _hash_of(row):
    user_id, claim_hash = urlsplit(row["claim_url"]).path.strip("/").split("/")[-2:]
    return int(user_id), claim_hash


def _stored(pair, username):
    return pair.query(
        "control",
        "SELECT id, password, is_unclaimed, is_password_expired FROM auth_user WHERE username = %s",
        (username,),
    )[0]


def _check_password(password, encoded):
    proc = subprocess.run(
        [sys.executable, "-c", CHECKER_SCRIPT],
        input=json.dumps({"password": password, "encoded": encoded}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return proc.stdout.strip() == "True"


def _claim(pair, tmp_path, username, claim_hash, password=PASSWORD, check=True):
    password_file = tmp_path / "password.txt"
    password_file.write_text(password + "\n")
    return run_cli(
        pair,
        "users",
        "claim",
        username,
        claim_hash,
        "--password-file",
        str(password_file),
        check=check,
    )


def test_an_imported_user_claims_the_account_once_with_the_link(pair, tmp_path):
    uuid = _import(pair, tmp_path)
    assert _stored(pair, "alice")[2] is True
    out = tmp_path / "links.csv"

    written = run_cli(
        pair, "users", "claim-links", "--import", uuid, "--base-url", BASE_URL, "--out", str(out)
    )

    assert "Wrote 2 claim link(s)" in written.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().splitlines()[0] == "username,email,claim_url,expires_at"
    links = _links(out)
    assert {(r["username"], r["email"]) for r in links.values()} == {
        ("alice", "alice@example.com"),
        ("bob", "bob@example.com"),
    }
    user_id, claim_hash = _hash_of(links["alice"])
    assert links["alice"]["claim_url"] == (
        f"{BASE_URL}/account/relocation/confirm/{user_id}/{claim_hash}/"
    )
    assert user_id == _stored(pair, "alice")[0]
    stored_hashes = pair.query("control", "SELECT hash FROM sentry_lostpasswordhash")
    assert len(stored_hashes) == 2
    assert all(claim_hash not in h for (h,) in stored_hashes)

    claimed = _claim(pair, tmp_path, "alice", claim_hash)

    assert f"Claimed user alice (id {user_id})" in claimed.stdout
    _, encoded, is_unclaimed, is_password_expired = _stored(pair, "alice")
    assert _check_password(PASSWORD, encoded)
    assert not _check_password(PASSWORD + "x", encoded)
    assert (is_unclaimed, is_password_expired) == (False, False)
    assert _stored(pair, "bob")[2] is True

    again = _claim(pair, tmp_path, "alice", claim_hash, "yet another passphrase", check=False)

    assert again.returncode == 1
    assert "[CLAIM_HASH_INVALID]" in again.stderr
    assert claim_hash not in again.stderr + again.stdout
    assert _check_password(PASSWORD, _stored(pair, "alice")[1])
    logs = (pair.tmp / "control.log").read_text() + (pair.tmp / "region.log").read_text()
    assert claim_hash not in logs
    assert PASSWORD not in logs


def test_an_expired_link_fails_and_a_new_one_works(pair, tmp_path):
    uuid = _import(pair, tmp_path)
    out = tmp_path / "links.csv"
    run_cli(pair, "users", "claim-links", "--import", uuid, "--out", str(out))
    _, claim_hash = _hash_of(_links(out)["bob"])
    conn = psycopg2.connect(pair.databases["control"])
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE sentry_lostpasswordhash SET date_added = now() - interval '61 minutes'"
            )
    finally:
        conn.close()

    expired = _claim(pair, tmp_path, "bob", claim_hash, check=False)

    assert expired.returncode == 1
    assert "[CLAIM_HASH_EXPIRED]" in expired.stderr
    assert "expired at" in expired.stderr
    assert _stored(pair, "bob")[2] is True
    run_cli(pair, "users", "claim-links", "--import", uuid, "--out", str(out))
    _, fresh = _hash_of(_links(out)["bob"])
    _claim(pair, tmp_path, "bob", fresh)
    assert _stored(pair, "bob")[2] is False


def test_claim_links_refuse_a_terminal_without_out_or_yes(pair, tmp_path):
    uuid = _import(pair, tmp_path)
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from region.cli.main import cli; cli()",
                "users",
                "claim-links",
                "--import",
                uuid,
            ],
            cwd=pair.tmp,
            env={**pair.env(), "PYTHONPATH": str(ROOT)},
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(secondary)
        os.close(primary)

    assert proc.returncode == 2
    assert "refusing to print claim links (secrets) to a terminal" in proc.stderr
    assert pair.count("control", "sentry_lostpasswordhash") == 0

    piped = run_cli(pair, "users", "claim-links", "--import", uuid, "--yes")
    assert "Wrote 2 claim link(s)" in piped.stderr
    assert set(_links_text(piped.stdout)) == {"alice", "bob"}


def test_claim_links_of_an_unknown_import_fail_clearly(pair, tmp_path):
    proc = run_cli(pair, "users", "claim-links", "--import", "no-such-import", "--yes", check=False)
    assert proc.returncode == 1
    assert "[UNKNOWN_IMPORT]" in proc.stderr
    assert "no-such-import" in proc.stderr


def _links_text(text):
    return {row["username"]: row for row in csv.DictReader(io.StringIO(text))}


def test_an_unwritable_out_file_fails_before_any_link_is_minted(pair, tmp_path):
    uuid = _import(pair, tmp_path)
    out = tmp_path / "missing-directory" / "links.csv"
    proc = run_cli(pair, "users", "claim-links", "--import", uuid, "--out", str(out), check=False)
    assert proc.returncode == 1
    assert "links.csv" in proc.stderr
    assert "bug" not in proc.stderr
    assert pair.count("control", "sentry_lostpasswordhash") == 0


def test_claim_calls_without_the_rpc_secret_are_unauthenticated(pair, tmp_path):
    uuid = _import(pair, tmp_path)
    with grpc.insecure_channel(pair.addresses["control"]) as channel:
        stub = pb_grpc.UserClaimServiceStub(channel)
        calls = (
            lambda: stub.CreateClaimLinks(pb.CreateClaimLinksRequest(import_uuid=uuid), timeout=30),
            lambda: stub.ClaimUser(
                pb.ClaimUserRequest(username="alice", hash="x", password=PASSWORD), timeout=30
            ),
        )
        for call in calls:
            with pytest.raises(grpc.RpcError) as raised:
                call()
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert pair.count("control", "sentry_lostpasswordhash") == 0
