"""Files that may hold secrets: 0600, written whole or not at all, never through a symlink."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from region.cli.private_files import (
    append_private,
    private_binary,
    private_directory,
    write_private,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_private_file_is_0600_and_replaces_a_planted_symlink_without_following_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    target = tmp_path / "export.json"
    target.symlink_to(victim)

    write_private(target, b"[]")

    assert victim.read_text() == "untouched"
    assert not target.is_symlink()
    assert target.read_bytes() == b"[]"
    assert _mode(target) == 0o600


def test_an_existing_readable_file_becomes_private_when_rewritten(tmp_path):
    target = tmp_path / "findings.json"
    target.write_text("old")
    target.chmod(0o644)

    write_private(target, "new")

    assert target.read_text() == "new"
    assert _mode(target) == 0o600


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path):
    class WriteFailedError(Exception):
        pass

    def half_written() -> None:
        with private_binary(tmp_path / "out.json") as out:
            out.write(b"half")
            raise WriteFailedError

    with pytest.raises(WriteFailedError):
        half_written()
    assert list(tmp_path.iterdir()) == []


def test_logs_append_0600_and_do_not_follow_symlinks(tmp_path):
    log = tmp_path / "region.log"
    with append_private(log) as out:
        out.write(b"one\n")
    with append_private(log) as out:
        out.write(b"two\n")
    assert log.read_bytes() == b"one\ntwo\n"
    assert _mode(log) == 0o600
    link = tmp_path / "control.log"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        append_private(link)


def test_a_directory_created_for_private_files_is_0700(tmp_path):
    created = private_directory(tmp_path / "state" / "dev")
    assert _mode(created) == 0o700
