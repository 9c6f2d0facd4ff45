"""`relocate events ingest` input: JSON lines cut into batches of consecutive lines."""

from __future__ import annotations

import io

import pytest

from region.cli.events import read_payload_lines
from shared.backup.errors import MalformedInputError


def test_batches_hold_consecutive_lines_and_start_at_their_line_number():
    source = io.BytesIO(b'{"a": 1}\n\n{"b": 2}\n{"c": 3}\n{"d": 4}\n')
    batches = list(read_payload_lines(source, "events.jsonl", 2))
    assert batches == [
        (1, [b'{"a": 1}']),
        (3, [b'{"b": 2}', b'{"c": 3}']),
        (5, [b'{"d": 4}']),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [(b"{}\nnot json\n", "line 2 is not JSON"), (b"{}\n{}\n[1]\n", "line 3 is not a JSON object")],
)
def test_a_bad_line_is_named_with_its_file(text, reason):
    with pytest.raises(MalformedInputError, match=f"events.jsonl.*{reason}"):
        list(read_payload_lines(io.BytesIO(text), "events.jsonl", 10))
