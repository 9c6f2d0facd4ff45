"""One example per command, shown at the end of its ``--help``.

``add_examples`` attaches them once the command tree is built; a command without an example is
a start-up error, so a new command cannot ship without one.
"""

from __future__ import annotations

import click

EXAMPLES: dict[str, str] = {
    "backup compare": "relocate backup compare before.json after.json --findings-file diff.json",
    "backup decrypt": "relocate backup decrypt plain.json --src export.tar --decrypt-with key.pem",
    "backup encrypt": "relocate backup encrypt export.tar --src plain.json --encrypt-with pub.pem",
    "backup sanitize": (
        "relocate backup sanitize clean.json --src export.tar --decrypt-with key.pem"
    ),
    "dev certs": "relocate dev certs ./certs",
    "dev down": "relocate dev down",
    "dev up": "relocate dev up --background --regions us,de",
    "events ingest": "relocate events ingest payloads.jsonl --project 1",
    "events tail": "relocate events tail --from 1 --limit 20",
    "export config": "relocate export config config.json",
    "export global": "relocate export global backup.json --encrypt-with pub.pem",
    "export organizations": "relocate export organizations acme.json --filter-org-slugs acme",
    "export users": "relocate export users users.json --filter-usernames alice,bob",
    "import config": "relocate import config config.json --overwrite-configs",
    "import global": "relocate import global backup.json --backup-to before.json",
    "import organizations": (
        "relocate import organizations acme.json --filter-org-slugs acme --findings-file f.json"
    ),
    "import undo": "relocate import undo 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f --dry-run",
    "import users": "relocate import users users.json --merge-users",
    "organizations unhide": (
        "relocate organizations unhide --import 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f"
    ),
    "relocations cancel": "relocate relocations cancel 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f",
    "relocations finish": (
        "relocate relocations finish 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f --source acme.json "
        "--claim-links-out links.csv"
    ),
    "relocations list": "relocate relocations list --limit 20",
    "relocations show": "relocate relocations show 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f --json",
    "relocations validate": (
        "relocate relocations validate 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f --source acme.json"
    ),
    "serve": "RELOCATE_RPC_SECRETS=... RELOCATE_BIND=0.0.0.0:50051 relocate serve region",
    "users claim": "relocate users claim alice 3Qx9... --password-file new-password.txt",
    "users claim-links": (
        "relocate users claim-links --import 6f1c0d2e9a7b4c3d8e5f1a2b3c4d5e6f "
        "--base-url https://sentry.example.com --out links.csv"
    ),
}


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, click.Command]]:
    """Every leaf command under ``group``, with its path (``import global``)."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((" ".join((*path, name)), command))
    return found


def add_examples(group: click.Group) -> None:
    """Put each command's example at the end of its help; raise if one has none."""
    missing = [path for path, _ in commands(group) if path not in EXAMPLES]
    if missing:
        raise RuntimeError(f"commands without an example in region/cli/examples.py: {missing}")
    for path, command in commands(group):
        command.epilog = f"\b\nExample:\n  {EXAMPLES[path]}"
