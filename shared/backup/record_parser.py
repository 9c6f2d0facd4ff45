"""Parse the records of an export's top-level JSON array incrementally, within bounds.

Why not ``ijson.items``: its prefixes grow with nesting, so memory grows with the square of the
depth (a 100,000-level array exhausts gigabytes), and it says nothing about where a syntax error
is. This module builds records from ijson's basic events itself, refusing what
``shared.backup.limits`` bounds (depth, string and record size, duplicate keys),
and turns the parser's multi-line syntax errors into one line naming the byte.

Bytes are numbered from 1, as yajl counts them: "byte 4" of ``[1]xx`` is the first ``x``; a file
that ends too early fails at its last byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson

from shared.backup.errors import MalformedInputError
from shared.backup.limits import (
    MAX_MODEL_NAME_CHARS,
    MAX_NESTING_DEPTH,
    MAX_RECORD_BYTES,
    MAX_STRING_CHARS,
)

_HEAD_BYTES = 64
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Bytes a non-string token is counted as towards MAX_RECORD_BYTES.
_TOKEN_BYTES = 8
# yajl's error text: the reason, a line of context, and an arrow under the failing byte.
_ARROW = b"(right here)"
_CONTEXT = 30


class _TrackingReader:
    """Yields the peeked ``head`` and then the rest of ``stream``, remembering the last chunk.

    The parser reports errors relative to the chunk it was parsing; knowing where that chunk
    began in the file turns them into file offsets.
    """

    def __init__(self, head: bytes, stream: IO[bytes], offset: int) -> None:
        self._head = head
        self._stream = stream
        self.consumed = offset
        self.chunk = b""
        self.chunk_start = offset

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything when negative)."""
        if size == 0:
            return b""
        if self._head:
            data, self._head = self._head, b""
            if size < 0:
                data += self._stream.read()
            elif len(data) < size:
                data += self._stream.read(size - len(data))
        else:
            data = self._stream.read(size)
        self.chunk, self.chunk_start = data, self.consumed
        self.consumed += len(data)
        return data


def iter_records(stream: IO[bytes], source: str) -> Iterator[tuple[int, object]]:
    """(1-based index in the file, value) of every element of the file's top-level array.

    Raises MalformedInputError naming the record, and the byte offset where there is one, for a
    file that is not one JSON array or breaks a limit.
    """
    head, skipped = _first_token(stream)
    if not head.startswith(b"["):
        # The first token's position, or, when there is none, the file's length.
        raise MalformedInputError(
            source, _not_an_array(head, skipped), byte=skipped + 1 if head else skipped
        )
    reader = _TrackingReader(head, stream, skipped)
    try:
        yield from _build(source, ijson.basic_parse(reader, use_float=True))
    except ijson.JSONError as exc:
        raise _syntax_error(exc, reader, source) from None


def _first_token(stream: IO[bytes]) -> tuple[bytes, int]:
    """Skip a UTF-8 BOM and leading whitespace; return what follows and how many bytes went."""
    head = stream.read(_HEAD_BYTES)
    while 0 < len(head) < len(_BOM) and _BOM.startswith(head):
        more = stream.read(_HEAD_BYTES)
        if not more:
            break
        head += more
    skipped = 0
    if head.startswith(_BOM):
        head, skipped = head[len(_BOM) :], len(_BOM)
    stripped = head.lstrip()
    skipped += len(head) - len(stripped)
    while not stripped:
        chunk = stream.read(_HEAD_BYTES)
        if not chunk:
            return b"", skipped
        stripped = chunk.lstrip()
        skipped += len(chunk) - len(stripped)
    return stripped, skipped


def _not_an_array(head: bytes, skipped: int) -> str:
    """Why a file whose first token is ``head`` is not an export."""
    if not head:
        return "the file does not hold a JSON array: it is " + (
            "empty" if skipped == 0 else "only whitespace"
        )
    if head.startswith(_BOM):
        return "the file does not hold a JSON array: it starts with a second byte order mark"
    if head.startswith(_UTF16_BOMS):
        return "the file does not hold a JSON array: it is UTF-16 encoded; exports are UTF-8"
    first = head[:1]
    kinds = {
        b"{": "a JSON object (JSON Lines?)",
        b'"': "a JSON string",
        b"n": "null",
        b"t": "a boolean",
        b"f": "a boolean",
    }
    if first in kinds:
        what = kinds[first]
    elif first in b"-0123456789":
        what = "a number"
    else:
        what = f"the byte {first!r}, which starts no JSON value"
    return f"the file does not hold a JSON array of records: its top level is {what}"


def _build(source: str, events: Iterator[tuple[str, Any]]) -> Iterator[tuple[int, object]]:
    """Assemble each array element from parser events, enforcing the limits as it grows."""
    next(events)  # The opening bracket: the caller checked the first token.
    builder = _Builder(source)
    handlers: dict[str, Callable[[Any], tuple[object] | None]] = {
        "map_key": builder.key,
        "start_map": builder.start_map,
        "start_array": builder.start_array,
        "end_map": builder.end,
        "end_array": builder.end,
    }
    scalar = builder.scalar
    for event, value in events:
        done = handlers.get(event, scalar)(value)
        if done is not None:
            yield builder.index, done[0]


class _Builder:
    """The element being assembled: its open containers, the pending key, its size so far.

    Each handler takes one parser event's value and returns a 1-tuple holding a finished
    element of the top-level array, or None.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.stack: list[Any] = []
        self.pending = ""
        self.size = 0
        self.index = 0

    def key(self, value: str) -> None:
        """An object key: unique within its object and not too long."""
        if value in self.stack[-1]:
            raise self.error("the key appears twice in one object", value)
        if len(value) > MAX_STRING_CHARS:
            raise self.error(_too_long(value, "an object key"), value)
        self.size += len(value)
        self._check_size(value)
        self.pending = value

    def start_map(self, _value: None) -> None:
        """An object opens."""
        self.open({})

    def start_array(self, _value: None) -> None:
        """An array opens."""
        self.open([])

    def open(self, container: dict[str, Any] | list[Any]) -> None:
        """Attach a new container to its parent (or start a new element) and descend."""
        if self.stack:
            _attach(self.stack[-1], self.pending, container)
        else:
            self.index += 1
            self.size = 0
        self.stack.append(container)
        self.size += _TOKEN_BYTES
        self._check_size(self.pending)
        if len(self.stack) > MAX_NESTING_DEPTH:
            raise self.error(f"nested deeper than {MAX_NESTING_DEPTH} levels", self.pending)

    def end(self, _value: None) -> tuple[object] | None:
        """A container closes; when it is an element of the top-level array, that is done."""
        if not self.stack:
            return None  # The top-level array closed.
        done = self.stack.pop()
        return None if self.stack else (done,)

    def scalar(self, value: object) -> tuple[object] | None:
        """A string, number, boolean or null."""
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise self.error(_too_long(value, "a string"), self.pending)
            self.size += len(value)
        else:
            self.size += _TOKEN_BYTES
        if not self.stack:
            self.index += 1
            return (value,)
        self._check_size(self.pending)
        _attach(self.stack[-1], self.pending, value)
        return None

    def _check_size(self, key: str) -> None:
        """Refuse the record once its keys, values and containers add up to more than the
        limit (counted as they arrive, so a record of many keys or empty containers is too)."""
        if self.size > MAX_RECORD_BYTES:
            raise self.error(f"the record is larger than {MAX_RECORD_BYTES} bytes", key)

    def error(self, reason: str, key: str) -> MalformedInputError:
        """An error for the element being built, naming its model, pk and the value's path."""
        return _limit(self.source, self.index, self.stack, key, reason)


def _attach(parent: dict[str, Any] | list[Any], key: str, value: object) -> None:
    if isinstance(parent, dict):
        parent[key] = value
    else:
        parent.append(value)


def _too_long(value: str, what: str) -> str:
    return f"{what} of {len(value)} characters is longer than the limit of {MAX_STRING_CHARS}"


def _limit(source: str, index: int, stack: list[Any], key: str, reason: str) -> MalformedInputError:
    """An error for the record being built, naming its model, pk and the path of the value."""
    record = stack[0] if stack and isinstance(stack[0], dict) else {}
    model = record.get("model")
    pk = record.get("pk")
    path = _path(stack, key)
    return MalformedInputError(
        source,
        f"{path}: {reason}" if path else reason,
        record=index,
        model=model if isinstance(model, str) and len(model) <= MAX_MODEL_NAME_CHARS else None,
        pk=pk if isinstance(pk, int) else None,
        field=path.split(".")[1].split("[")[0] if path.startswith("fields.") else None,
    )


def _path(stack: list[Any], key: str) -> str:
    """Where in the record the parser is, as ``fields.value[0][2]`` (at most 80 characters)."""
    parts: list[str] = []
    for depth, container in enumerate(stack):
        last = depth + 1 == len(stack)
        if isinstance(container, dict):
            name = key if last or not container else next(reversed(container))
            parts.append(("." if parts else "") + name[:40])
        else:
            parts.append(f"[{len(container) - (0 if last else 1)}]")
    path = "".join(parts)
    return path if len(path) <= 80 else path[:77] + "..."


def _syntax_error(
    exc: ijson.JSONError, reader: _TrackingReader, source: str
) -> MalformedInputError:
    """One line: the parser's reason and the byte offset it failed at."""
    raw = exc.args[0] if exc.args else str(exc)
    text = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "replace")
    lines = text.split(b"\n")
    reason = lines[0].decode("utf-8", "replace").strip() or "invalid JSON"
    # At the end of the file the parser has no chunk left: it failed where the file ends.
    byte = reader.consumed if not reader.chunk else _offset(lines, reader.chunk, reader.chunk_start)
    if byte is None:
        return MalformedInputError(
            source,
            f"invalid JSON: {reason} (between bytes {reader.chunk_start} and {reader.consumed})",
        )
    return MalformedInputError(source, f"invalid JSON: {reason}", byte=byte)


def _offset(lines: list[bytes], chunk: bytes, chunk_start: int) -> int | None:
    """The file offset yajl's context line points at, when the chunk places it unambiguously.

    yajl prints up to 30 bytes either side of the failing offset, newlines blanked, padded so the
    offset falls in column 40; matching that line against the chunk recovers the offset.
    """
    if len(lines) < 3 or _ARROW not in lines[2]:
        return None
    context = lines[1]
    flat = chunk.replace(b"\n", b" ").replace(b"\r", b" ")
    found = [offset for offset in range(len(flat) + 1) if _context_line(flat, offset) == context]
    return chunk_start + found[0] if len(found) == 1 else None


def _context_line(flat: bytes, offset: int) -> bytes:
    pad = 40 - offset if offset < _CONTEXT else 10
    start = max(0, offset - _CONTEXT)
    return b" " * pad + flat[start : offset + _CONTEXT]
