"""docker-compose.yml, checked statically (no Docker engine runs here or in CI).

``.ci/run`` also runs ``docker-compose config -q`` when it can install Debian's docker-compose.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.cli_check import check_cli as _check_cli

ROOT = Path(__file__).resolve().parents[2]
SILOS = {"control": "control", "region-us": "region", "region-de": "region"}
DATABASE_ENV = {
    "control": "RELOCATE_CONTROL_DATABASE_URL",
    "region": "RELOCATE_REGION_DATABASE_URL",
}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services() -> dict[str, dict]:
    return _compose()["services"]


def test_each_silo_has_its_own_postgres_and_no_other_silos_database():
    services = _services()
    assert set(services) == {*SILOS, *(f"{s}-db" for s in SILOS), "importer"}
    urls: dict[str, str] = {}
    for name, kind in SILOS.items():
        db = services[f"{name}-db"]
        assert db["image"] == "postgres:15"
        assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
        env = services[name]["environment"]
        own = DATABASE_ENV[kind]
        assert re.fullmatch(rf"postgresql://[^@]+@{name}-db:5432/\w+", env[own]), name
        assert env[own].rsplit("/", 1)[1] == db["environment"]["POSTGRES_DB"]
        assert not [k for k in env if k.endswith("_DATABASE_URL") and k != own], name
        assert not [v for k, v in env.items() if k != own and "-db:" in str(v)], name
        assert services[name]["depends_on"][f"{name}-db"] == {"condition": "service_healthy"}
        assert services[name]["command"] == ["python", "-m", f"{kind}.server"]
        assert services[name]["build"] == "."
        assert env["RELOCATE_RPC_SECRETS"]
        assert env["RELOCATE_BIND"] == "0.0.0.0:50051"
        urls[name] = env[own]
    assert len(set(urls.values())) == len(urls), "two silos share a database"
    assert services["region-us"]["environment"]["RELOCATE_REGION_NAME"] == "us"
    assert services["region-de"]["environment"]["RELOCATE_REGION_NAME"] == "de"
    assert "RELOCATE_REGION_NAME" not in services["control"]["environment"]


def test_silo_health_checks_ask_the_grpc_health_service_for_serving():
    services = _services()
    for name in SILOS:
        test = services[name]["healthcheck"]["test"]
        assert test == ["CMD", "python", "-m", "shared.silo.healthcheck", "127.0.0.1:50051"], name
    assert importlib.util.find_spec("shared.silo.healthcheck") is not None


def test_no_service_has_a_default_secret_and_every_one_takes_the_tls_directory():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "change-me" not in text
    for name, service in _services().items():
        env = service.get("environment", {})
        if "RELOCATE_RPC_SECRETS" in env:
            # ${VAR:?message}: compose refuses to start without the variable.
            assert re.fullmatch(r"\$\{RELOCATE_RPC_SECRETS:\?[^}]+\}", env["RELOCATE_RPC_SECRETS"])
        if name.endswith("-db"):
            continue
        assert env["RELOCATE_TLS_DIR"] == "${RELOCATE_TLS_DIR:-}", name
        assert env["RELOCATE_TLS_NAME"] == ("client" if name == "importer" else name), name
        assert "./certs:/certs:ro" in service["volumes"], name


def test_importer_is_a_one_shot_import_into_region_us():
    importer = _services()["importer"]
    assert importer["profiles"] == ["import"]
    assert importer["build"] == "."
    assert importer["command"][:4] == ["relocate", "import", "global", "/data/sentry-export.json"]
    assert "--no-prompt" in importer["command"]
    region = importer["command"][importer["command"].index("--region") + 1]
    assert region == "us"
    env = importer["environment"]
    assert env["RELOCATE_CONTROL_ADDR"] == "control:50051"
    assert env["RELOCATE_REGION_ADDR"] == f"region-{region}:50051"
    assert (
        env["RELOCATE_RPC_SECRETS"] == _services()["control"]["environment"]["RELOCATE_RPC_SECRETS"]
    )
    assert importer["volumes"] == ["./examples:/data:ro", "./certs:/certs:ro"]
    assert not [k for k in env if k.endswith("_DATABASE_URL")]
    for silo in ("control", "region-us"):
        assert importer["depends_on"][silo] == {"condition": "service_healthy"}


def _commands() -> list[tuple[str, list[str]]]:
    out = []
    for name, service in _services().items():
        command = service.get("command")
        if command:
            assert isinstance(command, list), f"{name}: use the exec (list) form"
            out.append((name, command))
    return out


@pytest.mark.parametrize(("service", "command"), _commands(), ids=[s for s, _ in _commands()])
def test_every_command_in_the_compose_file_exists(service, command):
    if command[0] == "relocate":
        _check_cli(command[1:])
    elif command[:2] == ["python", "-m"]:
        module = command[2]
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"{service}: no module {module}"
        assert spec.origin, module
        assert "if __name__ == " in Path(spec.origin).read_text(), module
    else:
        pytest.fail(f"{service}: unexpected command {command}")


def test_the_cli_checker_rejects_unknown_commands_and_flags():
    with pytest.raises(AssertionError):
        _check_cli(["import", "nosuchscope", "x.json"])
    with pytest.raises(AssertionError):
        _check_cli(["import", "global", "x.json", "--no-such-flag"])
    with pytest.raises(AssertionError):
        _check_cli(["import", "global"])
    _check_cli(["import", "users", "x.json", "--merge-users", "--batch-size", "10"])


def test_compose_environment_names_are_the_ones_the_code_reads():
    code = "\n".join(
        p.read_text()
        for p in [
            ROOT / "region" / "settings.py",
            ROOT / "shared" / "silo" / "django_settings.py",
            ROOT / "control" / "settings.py",
            ROOT / "shared" / "silo" / "process.py",
            ROOT / "region" / "cli" / "settings.py",
            ROOT / "shared" / "rpc" / "tls.py",
        ]
    )
    read = set(re.findall(r"RELOCATE_[A-Z_]+", code))
    for name, service in _services().items():
        env = service.get("environment", {})
        names = {k for k in env if k.startswith("RELOCATE_")}
        assert names <= read, (name, names - read)


def test_the_image_the_services_build_exists_and_installs_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name, service in _services().items():
        if not name.endswith("-db"):
            assert service["build"] == ".", name
    for package in ("shared", "region", "control"):
        assert f"COPY {package} {package}" in dockerfile
    assert "pip install" in dockerfile
    assert "relocate = " in (ROOT / "pyproject.toml").read_text()  # the importer's entry point


def test_docker_compose_accepts_the_file_with_a_secret_and_refuses_it_without():
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.skip("docker-compose is not installed (.ci/run installs it when it can)")

    def config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [docker_compose, "-f", "docker-compose.yml", "config", "-q"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
        )

    base = {k: v for k, v in os.environ.items() if k != "RELOCATE_RPC_SECRETS"}
    refused = config(base)
    assert refused.returncode != 0
    assert "RELOCATE_RPC_SECRETS" in refused.stderr
    accepted = config({**base, "RELOCATE_RPC_SECRETS": "a" * 64})
    assert accepted.returncode == 0, accepted.stderr
