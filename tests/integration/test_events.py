"""Events end to end (issue #7): `relocate events ingest|tail` against real silos, and events in
exports with --include-events: export, import into empty silos, export again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from region.cli.wiring import connect
from tests.integration.conftest import endpoints, normalized, run_cli, write_export
from tests.support.instance import generate

pytestmark = pytest.mark.integration

EVENT_MODELS = (
    "sentry.event",
    "sentry.release",
    "sentry.releaseproject",
    "sentry.releaseenvironment",
    "sentry.releaseprojectenvironment",
    "sentry.environment",
    "sentry.environmentproject",
)
SAME_ID = "0d1c2b3a495867768594a3b2c1d0e0f1"


def _events(path: Path, payloads: list[dict]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads))
    return path


def _payloads() -> list[dict]:
    """Two saves of one id on one day, the same id on the next day, and a new release/env."""
    return [
        {"event_id": SAME_ID, "timestamp": "2026-11-20T08:00:00.000Z", "message": "first"},
        {
            "event_id": SAME_ID,
            "timestamp": "2026-11-20T09:30:00.000Z",
            "message": "second",
            "level": "warning",
            "release": "backend@0.1.0",
            "environment": "production",
        },
        {"event_id": SAME_ID, "timestamp": "2026-11-21T08:00:00.000Z", "message": "next day"},
        *[
            {
                "event_id": f"{i:032x}",
                "timestamp": f"2026-11-20T10:{i:02d}:00.000Z",
                "exception": {"values": [{"type": "ValueError", "value": f"bad {i}"}]},
                "release": "web@2.0",
                "environment": "canary",
                "tags": {"browser": "firefox"},
                "contexts": {"os": {"name": "Linux"}},
            }
            for i in range(1, 6)
        ],
        {
            "event_id": "a" * 32,
            "type": "transaction",
            "transaction": "GET /checkout",
            "start_timestamp": "2026-11-20T11:00:00.000Z",
            "timestamp": "2026-11-20T11:00:01.250Z",
            "release": "web@2.0",
            "environment": "canary",
            "spans": [
                {
                    "span_id": "b" * 16,
                    "op": "db.query",
                    "start_timestamp": "2026-11-20T11:00:00.100Z",
                    "timestamp": "2026-11-20T11:00:00.900Z",
                }
            ],
        },
    ]


def _seeded(pair, tmp_path: Path) -> int:
    """Import a generated instance in Global scope (projects keep their pks); a project pk."""
    source = generate(users=3, orgs=2, seed=5)
    run_cli(
        pair, "import", "global", str(write_export(tmp_path / "src.json", source)), "--no-prompt"
    )
    return next(r["pk"] for r in source if r["model"] == "sentry.project")


def test_ingest_dedupes_per_day_and_tail_shows_the_superseding_entry(silo_pair_factory, tmp_path):
    pair = silo_pair_factory()
    project = _seeded(pair, tmp_path)
    payloads = _events(tmp_path / "events.jsonl", _payloads())

    out = run_cli(pair, "events", "ingest", str(payloads), "--project", str(project)).stdout
    assert f"Saved 9 event(s) into project {project}: 8 new, 1 replaced" in out

    stored = pair.query(
        "region",
        "SELECT day::text, message FROM sentry_event WHERE event_id = %s ORDER BY day",
        (SAME_ID,),
    )
    assert stored == [("2026-11-20", "second"), ("2026-11-21", "next day")]
    assert pair.count("region", "sentry_event") == 8
    # The new release and environment exist once, however many events named them.
    releases = pair.query("region", "SELECT version FROM sentry_release ORDER BY version")
    assert [v for (v,) in releases].count("web@2.0") == 1
    assert pair.query(
        "region", "SELECT count(*) FROM sentry_environment WHERE name = 'canary'"
    ) == [(1,)]

    tail = run_cli(pair, "events", "tail", "--from", "1").stdout.splitlines()
    entries = [json.loads(line) for line in tail]
    assert [e["offset"] for e in entries] == sorted(e["offset"] for e in entries)
    same = [e for e in entries if e["event_id"] == SAME_ID]
    assert [(e["day"], e["data"]["message"]) for e in same] == [
        ("2026-11-20", "first"),
        ("2026-11-20", "second"),
        ("2026-11-21", "next day"),
    ]
    assert same[0]["supersedes"] is None
    assert same[1]["supersedes"] == same[0]["offset"]
    assert same[2]["supersedes"] is None
    later = run_cli(pair, "events", "tail", "--from", str(same[1]["offset"]), "--limit", "2")
    assert [json.loads(x)["offset"] for x in later.stdout.splitlines()] == [
        same[1]["offset"],
        same[1]["offset"] + 1,
    ]


def test_ingest_of_a_bad_payload_names_line_and_field_and_writes_nothing(
    silo_pair_factory, tmp_path
):
    pair = silo_pair_factory()
    project = _seeded(pair, tmp_path)
    bad = _events(
        tmp_path / "bad.jsonl",
        [{"message": "fine"}, {"message": "loud", "level": "shouting"}],
    )
    proc = run_cli(pair, "events", "ingest", str(bad), "--project", str(project), check=False)
    assert proc.returncode == 1
    assert "sentry.event #2 field 'level'" in proc.stderr
    assert pair.count("region", "sentry_event") == 0
    good = _events(tmp_path / "good.jsonl", [{"message": "fine"}])
    missing = run_cli(pair, "events", "ingest", str(good), "--project", "999999", check=False)
    assert missing.returncode == 1
    assert "project 999999" in missing.stderr
    assert pair.count("region", "sentry_event") == 0


def test_export_with_events_import_into_empty_silos_export_again_is_equal(
    silo_pair_factory, tmp_path
):
    first, second = silo_pair_factory("first"), silo_pair_factory("second")
    project = _seeded(first, tmp_path)
    payloads = _events(tmp_path / "events.jsonl", _payloads())
    run_cli(first, "events", "ingest", str(payloads), "--project", str(project))

    plain = tmp_path / "plain.json"
    run_cli(first, "export", "global", str(plain))
    assert not [r for r in json.loads(plain.read_text()) if r["model"] == "sentry.event"]

    e1 = tmp_path / "e1.json"
    run_cli(first, "export", "global", str(e1), "--include-events")
    run_cli(second, "import", "global", str(e1), "--no-prompt")
    e2 = tmp_path / "e2.json"
    run_cli(second, "export", "global", str(e2), "--include-events")

    left, right = json.loads(e1.read_text()), json.loads(e2.read_text())
    events = [r for r in left if r["model"] == "sentry.event"]
    assert len(events) == 8
    assert {r["fields"]["event_id"] for r in events} >= {SAME_ID, "a" * 32}
    with connect(endpoints(second)) as silos:
        graph = silos.graph
    a, b = normalized(left, graph), normalized(right, graph)
    for model in EVENT_MODELS:
        assert a.get(model) == b.get(model), model
    assert a == b
    # The replay went through the save path: every imported event reached the eventstream.
    assert second.count("region", "sentry_eventstream") == 8

    org_export = tmp_path / "orgs.json"
    run_cli(first, "export", "organizations", str(org_export), "--include-events")
    org_records = json.loads(org_export.read_text())
    assert len([r for r in org_records if r["model"] == "sentry.event"]) == 8

    # A Global import clears the events tables too: replaying e1 into `first` leaves 8 events.
    run_cli(first, "import", "global", str(e1), "--no-prompt")
    assert first.count("region", "sentry_event") == 8
    assert first.count("region", "sentry_eventstream") == 8
    # An Organization import remaps projects: the same events land in the new projects.
    run_cli(second, "import", "organizations", str(org_export))
    assert second.count("region", "sentry_event") == 16
    projects = second.query(
        "region",
        "SELECT count(DISTINCT project_id) FROM sentry_event WHERE event_id = %s",
        (SAME_ID,),
    )
    assert projects == [(2,)]
