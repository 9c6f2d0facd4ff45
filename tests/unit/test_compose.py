"""docker-compose.yml, checked statically (no Docker engine runs here or in CI)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_each_silo_has_its_own_postgres_and_no_process_sees_the_others_database():
    services = _compose()["services"]
    assert set(services) == {"control", "region", "control-db", "region-db"}
    assert services["control-db"]["image"] == services["region-db"]["image"] == "postgres:15"
    for silo in ("control", "region"):
        env = services[silo]["environment"]
        own = f"RELOCATE_{silo.upper()}_DATABASE_URL"
        other = (
            "RELOCATE_REGION_DATABASE_URL" if silo == "control" else "RELOCATE_CONTROL_DATABASE_URL"
        )
        assert f"@{silo}-db:5432/" in env[own]
        assert other not in env
        assert f"{silo}-db" in services[silo]["depends_on"]
        assert services[silo]["command"] == ["python", "-m", f"{silo}.server"]
        assert env["RELOCATE_RPC_SECRETS"]
        assert env["RELOCATE_BIND"].endswith(":50051")


def test_compose_environment_names_are_the_ones_the_code_reads():
    services = _compose()["services"]
    code = "\n".join(
        p.read_text()
        for p in [
            ROOT / "region" / "settings.py",
            ROOT / "shared" / "rpc" / "django_settings.py",
            ROOT / "control" / "settings.py",
            ROOT / "shared" / "rpc" / "silo_process.py",
        ]
    )
    read = set(re.findall(r"RELOCATE_[A-Z_]+", code))
    for silo in ("control", "region"):
        assert set(services[silo]["environment"]) <= read, silo


def test_the_image_the_silos_build_exists_and_installs_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert _compose()["services"]["region"]["build"] == "."
    for package in ("shared", "region", "control"):
        assert f"COPY {package} {package}" in dockerfile
    assert "pip install" in dockerfile
