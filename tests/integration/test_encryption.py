"""Encrypted exports: Sentry's tarball, local keys, a fake Cloud KMS, and backup encrypt/decrypt."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.integration.conftest import PairFactory, run_cli, write_export
from tests.support import fake_kms
from tests.support.instance import generate

pytestmark = pytest.mark.integration


def _keypair(tmp_path, name="key"):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = tmp_path / f"{name}.pem"
    pub = tmp_path / f"{name}.pub"
    priv.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, priv, pub


def _tar(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _hand_made(private, plaintext: bytes, tamper=False):
    """A tarball built by hand from the format's description, independent of our writer."""
    data_key = Fernet.generate_key()
    token = Fernet(data_key).encrypt(plaintext)
    if tamper:
        token = token[:-10] + (b"A" if token[-10:-9] != b"A" else b"B") + token[-9:]
    wrapped = private.public_key().encrypt(
        data_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return [("export.json", token), ("data.key", wrapped), ("key.pub", pem)]


@pytest.fixture
def kms():
    state = fake_kms.FakeKms()
    server, port = fake_kms.serve(state)
    yield state, f"127.0.0.1:{port}"
    server.stop(1)


def test_encrypted_round_trip_compares_clean(silo_pair_factory, tmp_path):
    _, priv, pub = _keypair(tmp_path)
    first, second = silo_pair_factory("first"), silo_pair_factory("second")
    src = write_export(tmp_path / "src.json", generate(users=4, orgs=2, seed=21))
    run_cli(first, "import", "global", str(src), "--no-prompt")
    run_cli(first, "export", "global", str(tmp_path / "e1.tar"), "--encrypt-with", str(pub))
    assert tarfile.is_tarfile(tmp_path / "e1.tar")
    with tarfile.open(tmp_path / "e1.tar") as tar:
        assert tar.getnames() == ["export.json", "data.key", "key.pub"]
    run_cli(
        second,
        "import",
        "global",
        str(tmp_path / "e1.tar"),
        "--no-prompt",
        "--decrypt-with",
        str(priv),
    )
    run_cli(second, "export", "global", str(tmp_path / "e2.json"))
    run_cli(
        second,
        "backup",
        "compare",
        str(tmp_path / "e1.tar"),
        str(tmp_path / "e2.json"),
        "--decrypt-left-with",
        str(priv),
    )
    run_cli(second, "backup", "compare", str(src), str(tmp_path / "e2.json"))


def test_hand_made_tarball_imports(module_pair, tmp_path):
    private, priv, _ = _keypair(tmp_path)
    records = generate(users=2, orgs=1, seed=3)
    tarball = tmp_path / "hand.tar"
    tarball.write_bytes(_tar(_hand_made(private, json.dumps(records).encode())))
    run_cli(
        module_pair, "import", "global", str(tarball), "--no-prompt", "--decrypt-with", str(priv)
    )
    assert module_pair.count("control", "auth_user") == 2


def test_bad_tarballs_fail_with_their_own_message_and_write_nothing(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    private, priv, _ = _keypair(tmp_path)
    _, wrong_priv, _ = _keypair(tmp_path, "wrong")
    plaintext = json.dumps(generate(users=2, orgs=1, seed=4)).encode()
    good = _hand_made(private, plaintext)
    cases = {
        "wrong key": (_tar(good), wrong_priv, "does not match the tarball's key.pub"),
        "tampered": (
            _tar(_hand_made(private, plaintext, tamper=True)),
            priv,
            "export.json failed authentication",
        ),
        "extra member": (
            _tar([*good, ("notes.txt", b"hi")]),
            priv,
            "unknown tarball entity 'notes.txt'",
        ),
        "missing member": (_tar(good[:2]), priv, "tarball is missing key.pub"),
        "path traversal": (_tar([("../x", b"boom"), *good]), priv, "unknown tarball entity '../x'"),
        "truncated": (_tar(good)[:700], priv, "not a complete tarball"),
    }
    for name, (content, key, message) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.tar"
        path.write_bytes(content)
        findings = tmp_path / f"{name}.findings.json"
        proc = run_cli(
            pair,
            "import",
            "global",
            str(path),
            "--no-prompt",
            "--decrypt-with",
            str(key),
            "--findings-file",
            str(findings),
            check=False,
        )
        assert proc.returncode == 1, name
        assert message in proc.stderr, (name, proc.stderr)
        assert json.loads(findings.read_text())[0]["kind"] == "DecryptionFailed", name
        assert pair.count("control", "auth_user") == 0, name
        assert pair.count("region", "sentry_organization") == 0, name
    assert not (tmp_path / "../x").exists()


def test_encrypted_input_without_a_key_and_a_key_for_plain_input_are_refused(module_pair, tmp_path):
    private, priv, _ = _keypair(tmp_path)
    tarball = tmp_path / "e.tar"
    tarball.write_bytes(_tar(_hand_made(private, b"[]")))
    proc = run_cli(module_pair, "import", "users", str(tarball), check=False)
    assert proc.returncode == 1
    assert "is encrypted; pass --decrypt-with" in proc.stderr
    plain = write_export(tmp_path / "plain.json", [])
    proc = run_cli(
        module_pair, "import", "users", str(plain), "--decrypt-with", str(priv), check=False
    )
    assert proc.returncode == 1
    assert "is not encrypted" in proc.stderr


def test_invalid_keys_and_exclusive_flags_are_reported(module_pair, tmp_path):
    _, _priv, pub = _keypair(tmp_path)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a key")
    proc = run_cli(
        module_pair,
        "export",
        "users",
        str(tmp_path / "x.tar"),
        "--encrypt-with",
        str(junk),
        check=False,
    )
    assert proc.returncode == 1
    assert "Unable to load PEM file" in proc.stderr
    assert not (tmp_path / "x.tar").exists()
    tarball = tmp_path / "y.tar"
    run_cli(module_pair, "export", "users", str(tarball), "--encrypt-with", str(pub))
    proc = run_cli(
        module_pair, "import", "users", str(tarball), "--decrypt-with", str(junk), check=False
    )
    assert proc.returncode == 1
    assert "Could not deserialize the private key" in proc.stderr
    config = tmp_path / "kms.json"
    config.write_text(fake_kms.key_config_json())
    proc = run_cli(
        module_pair,
        "export",
        "users",
        str(tarball),
        "--encrypt-with",
        str(pub),
        "--encrypt-with-gcp-kms",
        str(config),
        check=False,
    )
    assert proc.returncode == 2
    assert "mutually exclusive" in proc.stderr
    for bad, message in [
        ("{not json", "not JSON"),
        (json.dumps({**fake_kms.KEY_CONFIG, "extra": "x"}), "exactly the keys"),
    ]:
        config.write_text(bad)
        proc = run_cli(
            module_pair,
            "import",
            "users",
            str(tarball),
            "--decrypt-with-gcp-kms",
            str(config),
            check=False,
        )
        assert proc.returncode == 1
        assert message in proc.stderr


def test_kms_encrypt_and_decrypt_against_the_fake_kms(module_pair, tmp_path, kms, monkeypatch):
    state, endpoint = kms
    config = tmp_path / "kms.json"
    config.write_text(fake_kms.key_config_json())
    env_pair = module_pair
    records = generate(users=2, orgs=1, seed=8)
    src = write_export(tmp_path / "src.json", records)
    run_cli(env_pair, "import", "global", str(src), "--no-prompt")
    tarball = tmp_path / "kms.tar"
    monkeypatch.setenv("RELOCATE_KMS_ENDPOINT", endpoint)
    run_cli(env_pair, "export", "global", str(tarball), "--encrypt-with-gcp-kms", str(config))
    assert state.calls["GetPublicKey"] == 1
    run_cli(
        env_pair,
        "import",
        "global",
        str(tarball),
        "--no-prompt",
        "--decrypt-with-gcp-kms",
        str(config),
    )
    assert state.calls["AsymmetricDecrypt"] == 1
    assert env_pair.count("control", "auth_user") == 2
    plain = tmp_path / "plain.json"
    run_cli(
        env_pair,
        "backup",
        "decrypt",
        str(plain),
        "--src",
        str(tarball),
        "--decrypt-with-gcp-kms",
        str(config),
    )
    run_cli(env_pair, "backup", "compare", str(src), str(plain))
    state.corrupt_plaintext = True
    proc = run_cli(
        env_pair,
        "import",
        "global",
        str(tarball),
        "--no-prompt",
        "--decrypt-with-gcp-kms",
        str(config),
        check=False,
    )
    assert proc.returncode == 1
    assert "corrupted in transit" in proc.stderr


def test_backup_encrypt_then_decrypt_restores_the_json(module_pair, tmp_path):
    _, priv, pub = _keypair(tmp_path)
    src = write_export(tmp_path / "src.json", generate(users=2, orgs=1, seed=2))
    run_cli(
        module_pair,
        "backup",
        "encrypt",
        str(tmp_path / "e.tar"),
        "--src",
        str(src),
        "--encrypt-with",
        str(pub),
    )
    run_cli(
        module_pair,
        "backup",
        "decrypt",
        str(tmp_path / "d.json"),
        "--src",
        str(tmp_path / "e.tar"),
        "--decrypt-with",
        str(priv),
    )
    assert json.loads((tmp_path / "d.json").read_text()) == json.loads(src.read_text())
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    proc = run_cli(
        module_pair,
        "backup",
        "encrypt",
        str(tmp_path / "f.tar"),
        "--src",
        str(bad),
        "--encrypt-with",
        str(pub),
        check=False,
    )
    assert proc.returncode == 1
    assert "Invalid input JSON" in proc.stderr


def test_sanitized_export_still_imports_and_keeps_no_personal_data(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    _, priv, pub = _keypair(tmp_path)
    records = generate(users=4, orgs=2, seed=30)
    src = write_export(tmp_path / "src.json", records)
    clean = tmp_path / "clean.tar"
    run_cli(
        pair,
        "backup",
        "sanitize",
        str(clean),
        "--src",
        str(src),
        "--days-offset",
        "10",
        "--encrypt-with",
        str(pub),
    )
    plain = tmp_path / "clean.json"
    run_cli(pair, "backup", "decrypt", str(plain), "--src", str(clean), "--decrypt-with", str(priv))
    text = plain.read_text()
    for r in records:
        f = r["fields"]
        for name in (
            "email",
            "username",
            "password",
            "ip_address",
            "public_key",
            "secret_key",
            "token",
            "token_hashed",
            "client_secret",
            "validation_hash",
        ):
            value = f.get(name)
            if isinstance(value, str) and len(value) > 3:
                assert value not in text, (r["model"], name)
        if r["model"] in ("sentry.organization", "sentry.user") and f.get("name"):
            assert f'"{f["name"]}"' not in text, (r["model"], "name")
    run_cli(pair, "import", "global", str(clean), "--no-prompt", "--decrypt-with", str(priv))
    assert pair.count("control", "auth_user") == 4
    assert pair.count("region", "sentry_organization") == 2


def test_stream_format_round_trips_and_detects_tampering_and_truncation(
    silo_pair_factory, tmp_path
):
    _, priv, pub = _keypair(tmp_path)
    first, second = silo_pair_factory("first"), silo_pair_factory("second")
    src = write_export(tmp_path / "src.json", generate(users=5, orgs=2, seed=12))
    run_cli(first, "import", "global", str(src), "--no-prompt")
    stream = tmp_path / "e1.rlc"
    run_cli(
        first,
        "export",
        "global",
        str(stream),
        "--encrypt-with",
        str(pub),
        "--encrypt-format",
        "stream",
    )
    blob = stream.read_bytes()
    assert blob.startswith(b"RLCSTRM1")
    assert b"user0@example.com" not in blob
    run_cli(second, "import", "global", str(stream), "--no-prompt", "--decrypt-with", str(priv))
    run_cli(second, "export", "global", str(tmp_path / "e2.json"))
    run_cli(second, "backup", "compare", str(src), str(tmp_path / "e2.json"))
    before = second.count("control", "auth_user")
    for name, content, message in [
        ("cut", blob[:-7], "truncated"),
        ("flipped", blob[:-40] + bytes([blob[-40] ^ 1]) + blob[-39:], "failed authentication"),
    ]:
        bad = tmp_path / f"{name}.rlc"
        bad.write_bytes(content)
        proc = run_cli(
            second, "import", "users", str(bad), "--decrypt-with", str(priv), check=False
        )
        assert proc.returncode == 1, name
        assert message in proc.stderr, (name, proc.stderr)
    assert second.count("control", "auth_user") == before


@pytest.fixture(scope="module")
def source_pair(tmp_path_factory):
    """A pair holding a generated instance, shared by the per-scope tests."""
    factory = PairFactory(tmp_path_factory.mktemp("source"))
    pair = factory("source")
    src = write_export(pair.tmp / "src.json", generate(users=3, orgs=1, seed=40))
    run_cli(pair, "import", "global", str(src), "--no-prompt")
    yield pair
    factory.close()


@pytest.mark.parametrize("scope", ["users", "organizations", "config", "global"])
def test_encrypted_export_equals_the_plain_one_and_imports_in_its_scope(
    source_pair, module_pair, tmp_path, scope
):
    _, priv, pub = _keypair(tmp_path)
    source, target = source_pair, module_pair
    run_cli(
        target, "import", "global", str(write_export(tmp_path / "empty.json", [])), "--no-prompt"
    )
    plain, sealed, opened = (tmp_path / f"{scope}.{ext}" for ext in ("json", "tar", "out.json"))
    run_cli(source, "export", scope, str(plain))
    run_cli(source, "export", scope, str(sealed), "--encrypt-with", str(pub))
    run_cli(
        source, "backup", "decrypt", str(opened), "--src", str(sealed), "--decrypt-with", str(priv)
    )
    assert json.loads(opened.read_text()) == json.loads(plain.read_text())
    run_cli(target, "import", scope, str(sealed), "--no-prompt", "--decrypt-with", str(priv))
    assert target.count("control", "auth_user") == len(
        [r for r in json.loads(plain.read_text()) if r["model"] == "sentry.user"]
    )
    for left, right in (
        ("--decrypt-left-with", None),
        (None, "--decrypt-right-with"),
        ("--decrypt-left-with", "--decrypt-right-with"),
    ):
        args = [str(sealed if left else plain), str(sealed if right else plain)]
        for flag in (left, right):
            if flag:
                args += [flag, str(priv)]
        run_cli(source, "backup", "compare", *args)


def test_a_bad_kms_config_on_export_is_an_encryption_error(module_pair, tmp_path):
    config = tmp_path / "kms.json"
    config.write_text(json.dumps({"project_id": "p", "location": "global"}))
    proc = run_cli(
        module_pair,
        "export",
        "users",
        str(tmp_path / "x.tar"),
        "--encrypt-with-gcp-kms",
        str(config),
        check=False,
    )
    assert proc.returncode == 1
    assert "cannot encrypt: the KMS config must hold exactly the keys" in proc.stderr
    assert not (tmp_path / "x.tar").exists()
