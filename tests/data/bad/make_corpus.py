"""The bad-input corpus: export files an import must refuse, and the manifest saying how.

``python -m tests.data.bad.make_corpus`` rewrites the committed small files under
``tests/data/bad/files/`` and ``tests/data/bad/cases.json`` (deterministic; a test checks they are
current). Cases that are big (a 10 MB string, 100,000 levels of nesting) or need keys made per
run (encrypted files) are marked ``"generated"`` in the manifest and written at test time by
``write_generated()`` into a temporary directory.

Each manifest entry names the file, the import scope and flags, the expected exit code, and a
regular expression the one error line must match; every expression names the model, the record's
ordinal or position in the file, the field, or the byte offset. Entries with ``"exit": 0`` are
inputs the importer accepts on purpose (they run with ``--dry-run``); their ``decision`` says why.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.backup.crypto import encrypt_export
from shared.backup.stream_crypto import EncryptingWriter
from tests.support.records import WHEN, Record, email, member, org, project, record, user, useremail

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "cases.json"
TEN_MB = 10 * 1024 * 1024
DEEP = 100_000


def team(pk: int, org_pk: int, slug: str) -> Record:
    """A team of an organization."""
    return record(
        "sentry.team",
        pk,
        organization=org_pk,
        slug=slug,
        name=slug.title(),
        status=0,
        idp_provisioned=False,
        date_added=WHEN,
        org_role=None,
    )


def userip(pk: int, user_pk: int, address: str) -> Record:
    """An address a user was seen at."""
    return record(
        "sentry.userip",
        pk,
        user=user_pk,
        ip_address=address,
        country_code=None,
        region_code=None,
        first_seen=WHEN,
        last_seen=WHEN,
    )


def base() -> list[Record]:
    """A small valid export touching both silos, in dependency order."""
    return [
        user(1, "corpus-alice"),
        user(2, "corpus-bob"),
        email(1, "corpus-alice@example.com"),
        useremail(1, 1, "corpus-alice@example.com"),
        userip(1, 1, "192.0.2.1"),
        org(1, "corpus-org"),
        member(1, 1, 1),
        team(1, 1, "corpus-team"),
        project(1, 1, "corpus-web"),
    ]


def dumps(records: list[Any]) -> bytes:
    """An export's bytes, indented as Sentry writes them."""
    return json.dumps(records, indent=2).encode()


def with_change(change: Callable[[list[Record]], object]) -> bytes:
    """The base export after ``change`` edited its records in place."""
    records = base()
    change(records)
    return dumps(records)


def of(records: list[Record], model: str, pk: int = 1) -> dict[str, Any]:
    """The fields of one record of the export."""
    return next(r for r in records if r["model"] == model and r["pk"] == pk)["fields"]


@dataclass(frozen=True)
class Case:
    """One corpus entry."""

    name: str
    file: str
    message: str
    """A regular expression the error line must match (searched, not anchored)."""
    scope: str = "global"
    flags: list[str] = field(default_factory=list)
    exit: int = 1
    decryption: str | None = None
    """``"right"`` or ``"wrong"``: pass --decrypt-with with that key."""
    generated: bool = False
    decision: str = ""


_GOOD = dumps(base())
_CUT = len(_GOOD) // 2
_AVATAR = _GOOD.index(b'"avatar_type": 0')
SMALL: dict[str, bytes] = {}
CASES: list[Case] = []


def bad(name: str, content: bytes, message: str, suffix: str = ".json", **kwargs: Any) -> None:
    """Register a committed case."""
    SMALL[name + suffix] = content
    CASES.append(Case(name, name + suffix, message, **kwargs))


# The file as a whole.
bad("empty", b"", r"\(byte 0\): malformed export: .*it is empty")
bad("whitespace_only", b"  \n\t\n  ", r"\(byte 7\): .*it is only whitespace")
bad("top_level_object", b'{"model": "sentry.user"}', r"\(byte 1\): .*top level is a JSON object")
bad("top_level_string", b'"sentry.user"', r"\(byte 1\): .*top level is a JSON string")
bad("top_level_number", b"42\n", r"\(byte 1\): .*top level is a number")
bad("top_level_null", b"null", r"\(byte 1\): .*top level is null")
bad("top_level_boolean", b" true", r"\(byte 2\): .*top level is a boolean")
bad(
    "json_lines",
    b"\n".join(json.dumps(r).encode() for r in base()) + b"\n",
    r"\(byte 1\): .*top level is a JSON object \(JSON Lines\?\)",
    suffix=".jsonl",
)
bad("binary_garbage", bytes(range(7, 256)) * 4, r"\(byte 1\): .*top level is the byte")
bad(
    "utf16",
    json.dumps(base()).encode("utf-16"),
    r"\(byte 1\): .*UTF-16 encoded",
)
bad(
    "double_bom",
    b"\xef\xbb\xbf\xef\xbb\xbf" + _GOOD,
    r"\(byte 4\): .*second byte order mark",
)
# Syntax: the parser's reason and the byte offset where it failed.
bad(
    "truncated_mid_record",
    _GOOD[:_CUT],
    rf"\(byte {_CUT}\): malformed export: invalid JSON: parse error: premature EOF",
)
bad(
    "truncated_after_comma",
    _GOOD[: _GOOD.index(b"},\n") + 2],
    rf"\(byte {_GOOD.index(b'},') + 2}\): .*premature EOF",
)
bad("truncated_open_bracket", b"[", r"\(byte 1\): .*premature EOF")
bad(
    "trailing_garbage",
    _GOOD + b"garbage",
    rf"\(byte {len(_GOOD) + 1}\): .*parse error: trailing garbage",
)
bad("two_arrays", _GOOD + b"\n[]\n", rf"\(byte {len(_GOOD) + 2}\): .*trailing garbage")
bad(
    "trailing_comma",
    _GOOD[: _GOOD.rindex(b"]")].rstrip() + b",\n]",
    r"\(byte \d+\): .*parse error: unallowed token",
)
bad(
    "invalid_utf8",
    _GOOD.replace(b'"Corpus-Alice"', b'"Corpus-\xff\xfeAlice"'),
    rf"\(byte {_GOOD.index(b'Corpus-Alice') + 8}\): .*invalid bytes in UTF8 string",
)
bad(
    "nan",
    _GOOD.replace(b'"avatar_type": 0', b'"avatar_type": NaN', 1),
    rf"\(byte {_AVATAR + 16}\): .*lexical error: invalid char",
)
bad(
    "infinity",
    _GOOD.replace(b'"avatar_type": 0', b'"avatar_type": -Infinity', 1),
    r"\(byte \d+\): .*lexical error",
)
bad(
    "integer_beyond_64_bits_in_field",
    _GOOD.replace(b'"avatar_type": 0', b'"avatar_type": 18446744073709551616', 1),
    r"\(byte \d+\): .*parse error: integer overflow",
)
bad(
    "integer_beyond_64_bits_pk",
    _GOOD.replace(b'"pk": 2', b'"pk": 9223372036854775808', 1),
    r"\(byte \d+\): .*integer overflow",
)
bad(
    "float_overflow",
    _GOOD.replace(b'"avatar_type": 0', b'"avatar_type": 1e999', 1),
    r"\(byte \d+\): .*numeric \(floating point\) overflow",
)
# Records that are not {"model": ..., "pk": ..., "fields": {...}}.
bad("record_not_object", dumps([*base()[:2], 7]), r"\(record 3\): .*not a JSON object but int")
bad("record_is_array", dumps([[base()[0]]]), r"\(record 1\): .*not a JSON object but an array")
bad(
    "missing_model",
    dumps([base()[0], {"pk": 3, "fields": {}}]),
    r"\(record 2\): .*no 'model' string",
)
bad(
    "missing_pk",
    dumps([{"model": "sentry.user", "fields": {}}]),
    r"\(record 1\): .*sentry\.user: 'pk' is not an integer",
)
bad(
    "missing_fields",
    dumps([base()[0], {"model": "sentry.email", "pk": 9}]),
    r"\(record 2\): .*sentry\.email pk 9: record has no 'fields' object",
)
bad(
    "pk_is_a_string",
    dumps([{"model": "sentry.user", "pk": "1", "fields": {}}]),
    r"\(record 1\): .*'pk' is not an integer: '1'",
)
bad(
    "pk_is_a_float",
    _GOOD.replace(b'"pk": 2', b'"pk": 2.0', 1),
    r"\(record 2\): .*'pk' is not an integer: 2\.0",
)
bad(
    "bad_model_name",
    dumps([{"model": "user", "pk": 1, "fields": {}}]),
    r"\(record 1\): .*not a model name: 'user'",
)
bad(
    "duplicate_key",
    _GOOD.replace(b'"username": "corpus-bob"', b'"username": "corpus-bob", "username": "eve"'),
    r"\(record 2\): .*sentry\.user pk 2: fields\.username: the key appears twice",
)
# Models and fields, under --strict and not.
bad(
    "unknown_model_strict",
    dumps([*base(), record("sentry.widget", 1, size=3)]),
    r"unknown model 'sentry\.widget' \(1 record\(s\); --strict",
    flags=["--strict"],
)
bad(
    "unknown_field_strict",
    with_change(lambda rs: of(rs, "sentry.user", 2).update(favourite_colour="teal")),
    r"sentry\.user #2 field 'favourite_colour': unknown field \(--strict\)",
    flags=["--strict"],
)
bad(
    "missing_required_field",
    with_change(lambda rs: of(rs, "sentry.organization").pop("slug")),
    r"sentry\.organization #1 field 'slug': required field is missing",
)
bad(
    "null_in_a_required_field",
    with_change(lambda rs: of(rs, "sentry.team").update(name=None)),
    r"sentry\.team #1 field 'name': may not be null",
)
bad(
    "wrong_type_string_for_boolean",
    with_change(lambda rs: of(rs, "sentry.user", 2).update(is_staff="yes")),
    r"sentry\.user #2 field 'is_staff': expected boolean, got str",
)
bad(
    "wrong_type_list_for_string",
    with_change(lambda rs: of(rs, "sentry.project").update(name=["Web"])),
    r"sentry\.project #1 field 'name': expected string, got list",
)
bad(
    "wrong_type_object_for_integer",
    with_change(lambda rs: of(rs, "sentry.organization").update(status={"value": 0})),
    r"sentry\.organization #1 field 'status': expected integer, got dict",
)
bad(
    "wrong_type_datetime",
    with_change(lambda rs: of(rs, "sentry.email").update(date_added="last tuesday")),
    r"sentry\.email #1 field 'date_added': expected datetime",
)
bad(
    "wrong_type_string_for_reference",
    with_change(lambda rs: of(rs, "sentry.team").update(organization="1")),
    r"sentry\.team #1 field 'organization': expected reference, got str",
)
bad(
    "wrong_type_ip_address",
    with_change(lambda rs: of(rs, "sentry.userip").update(ip_address="999.1.1.1")),
    r"sentry\.userip #1 field 'ip_address': expected ip_address",
)
bad(
    "string_longer_than_the_column",
    with_change(lambda rs: of(rs, "sentry.organization").update(slug="s" * 51)),
    r"sentry\.organization #1 field 'slug': longer than 50 characters",
)
bad(
    "integer_text_beyond_64_bits",
    with_change(lambda rs: of(rs, "sentry.user", 2).update(flags="9" * 30)),
    r"sentry\.user #2 field 'flags': the integer does not fit in 64 bits",
)
bad(
    "nul_character",
    with_change(lambda rs: of(rs, "sentry.team").update(name="bad\x00name")),
    r"sentry\.team #1 field 'name': holds a NUL character",
)
bad(
    "negative_pk",
    with_change(lambda rs: rs[1].update(pk=-3)),
    r"sentry\.user #1: primary key -3 is not positive",
    decision="Databases assign pks from 1; a non-positive pk marks a forged or corrupt file.",
)
bad(
    "zero_pk",
    with_change(lambda rs: rs[2].update(pk=0)),
    r"sentry\.email #1: primary key 0 is not positive",
)
# References.
bad(
    "reference_to_an_absent_pk",
    with_change(lambda rs: of(rs, "sentry.organizationmember").update(organization=99)),
    r"sentry\.organizationmember #1: field 'organization' references sentry\.organization "
    r"pk 99, which is not in the export",
)
bad(
    "natural_key_naming_an_absent_user",
    with_change(lambda rs: of(rs, "sentry.useremail").update(user=["nobody"])),
    r"sentry\.useremail #1: field 'user' references sentry\.user 'nobody'",
)
bad(
    "duplicate_pk",
    dumps([*base(), user(2, "corpus-mallory")]),
    r"sentry\.user: primary key 2 appears more than once",
)
bad(
    "reference_cycle_to_itself",
    dumps([*base(), team(5, 5, "loop")]),
    r"sentry\.team #2: field 'organization' references sentry\.organization pk 5",
    decision=(
        "The model graph is acyclic (DependencyGraph refuses cycles), so a record can only point "
        "at its own pk through a reference to another model: a team naming organization 5, its "
        "own pk, where no organization 5 exists. It fails as a dangling reference."
    ),
)
bad(
    "reference_cycle_between_records_broken",
    dumps(
        [
            *base(),
            team(2, 3, "ring"),
            record("sentry.projectteam", 1, project=2, team=2),
            project(2, 3, "ring"),
        ]
    ),
    r"sentry\.team #2: field 'organization' references sentry\.organization pk 3",
    decision=(
        "Project 2 and team 2 reference each other through project-team 1 and both lean on "
        "organization 3, which is absent: the first dangling reference in dependency order "
        "is reported (teams come before projects, as in Sentry's graph)."
    ),
)
# Encodings and order the importer accepts on purpose (run with --dry-run: nothing is written).
bad(
    "bom_then_array",
    b"\xef\xbb\xbf" + _GOOD,
    r"^$",
    scope="organizations",
    exit=0,
    flags=["--dry-run"],
    decision="One UTF-8 byte order mark is skipped, as Python's json and Sentry accept it.",
)
bad(
    "models_out_of_dependency_order",
    dumps(list(reversed(base()))),
    r"^$",
    scope="organizations",
    exit=0,
    flags=["--dry-run"],
    decision=(
        "File order is not trusted: records are grouped by model and imported in dependency "
        "order, so an export listing members before users imports cleanly (Sentry 23.x did)."
    ),
)
bad(
    "models_out_of_scope",
    _GOOD,
    r"^$",
    scope="users",
    exit=0,
    flags=["--dry-run"],
    decision=(
        "A users-scope import of an export holding organizations skips them with an OutOfScope "
        "finding, as Sentry does; that is not an error. Bad in-scope records still fail."
    ),
)


def _generated(name: str, message: str, **kwargs: Any) -> None:
    CASES.append(
        Case(name, name + kwargs.pop("suffix", ".json"), message, generated=True, **kwargs)
    )


_generated(
    "ten_megabyte_string",
    r"\(record 2\): .*sentry\.user pk 2: fields\.name: a string of 10485760 characters "
    r"is longer than the limit",
)
_generated(
    "ten_megabyte_string_in_a_json_field",
    r"\(record 10\): .*sentry\.option pk 1: fields\.value: a string of 10485760 characters",
)
_generated(
    "record_larger_than_the_limit",
    r"\(record 10\): .*sentry\.option pk 1: fields\.value\[2\]: the record is larger than",
)
_generated(
    "deep_nesting_100k_levels",
    r"\(record 10\): .*sentry\.option pk 1: fields\.value\[0\]\[0\].*nested deeper than 32",
)
_generated(
    "tarball_wrong_key",
    r"cannot decrypt: the private key does not match the tarball's key\.pub",
    decryption="wrong",
    suffix=".tar",
)
_generated(
    "tarball_tampered_token",
    r"cannot decrypt: export\.json failed authentication",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_truncated",
    r"cannot decrypt: not a complete tarball",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_missing_member",
    r"cannot decrypt: tarball is missing key\.pub",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_path_traversal_member",
    r"cannot decrypt: unknown tarball entity '\.\./\.\./evil\.json'",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_duplicate_member",
    r"cannot decrypt: tarball holds 'data\.key' twice",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_holding_bad_json",
    r"\(byte \d+\): malformed export: invalid JSON: parse error: premature EOF",
    decryption="right",
    suffix=".tar",
)
_generated(
    "tarball_without_a_key",
    r"is encrypted; pass --decrypt-with",
    suffix=".tar",
)
_generated(
    "plain_file_with_a_key",
    r"a decryption key was given but .*plain_file_with_a_key\.json is not encrypted",
    decryption="right",
)
_generated(
    "stream_wrong_key",
    r"cannot decrypt: the private key does not match",
    decryption="wrong",
    suffix=".rlc",
)
_generated(
    "stream_truncated",
    r"cannot decrypt: the stream is truncated",
    decryption="right",
    suffix=".rlc",
)
_generated(
    "stream_tampered_chunk",
    r"cannot decrypt: chunk 0 failed authentication",
    decryption="right",
    suffix=".rlc",
)


def tar(members: list[tuple[str, bytes]]) -> bytes:
    """An uncompressed tarball of these members, in order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write_generated(directory: Path, public_pem: bytes) -> None:
    """Write the generated cases into ``directory``, encrypting to ``public_pem``."""
    option = record("sentry.option", 1, key="corpus.key", last_updated=WHEN, last_updated_by="x")
    out: dict[str, bytes] = {}
    records = base()
    of(records, "sentry.user", 2)["name"] = "n" * TEN_MB
    out["ten_megabyte_string.json"] = dumps(records)
    option["fields"]["value"] = "v" * TEN_MB
    out["ten_megabyte_string_in_a_json_field.json"] = dumps([*base(), option])
    option["fields"]["value"] = ["w" * 900_000] * 3
    out["record_larger_than_the_limit.json"] = dumps([*base(), option])
    head = dumps([*base(), option]).rsplit(b'"value": ', 1)[0]
    out["deep_nesting_100k_levels.json"] = (
        head + b'"value": ' + b"[" * DEEP + b"]" * DEEP + b"\n  }\n}\n]\n"
    )
    plain = json.dumps(base()).encode()
    good = encrypt_export(plain, public_pem)
    members = _members(good)
    token = members["export.json"]
    tampered = token[:-10] + (b"A" if token[-10:-9] != b"A" else b"B") + token[-9:]
    out["tarball_wrong_key.tar"] = good
    out["tarball_tampered_token.tar"] = tar([("export.json", tampered), *_rest(members)])
    out["tarball_truncated.tar"] = good[:700]
    out["tarball_missing_member.tar"] = tar(list(members.items())[:2])
    out["tarball_path_traversal_member.tar"] = tar([("../../evil.json", b"[]"), *members.items()])
    out["tarball_duplicate_member.tar"] = tar([*members.items(), ("data.key", b"x")])
    out["tarball_holding_bad_json.tar"] = encrypt_export(plain[: len(plain) // 2], public_pem)
    out["tarball_without_a_key.tar"] = good
    out["plain_file_with_a_key.json"] = _GOOD
    stream = io.BytesIO()
    writer = EncryptingWriter(stream, public_pem)
    writer.write(plain)
    writer.close()
    sealed = stream.getvalue()
    out["stream_wrong_key.rlc"] = sealed
    out["stream_truncated.rlc"] = sealed[:-20]
    flipped = bytearray(sealed)
    flipped[-5] ^= 0x01
    out["stream_tampered_chunk.rlc"] = bytes(flipped)
    for name, data in out.items():
        (directory / name).write_bytes(data)


def _members(tarball: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        return {
            info.name: archive.extractfile(info).read()  # type: ignore[union-attr]
            for info in archive
        }


def _rest(members: dict[str, bytes]) -> list[tuple[str, bytes]]:
    return [(name, data) for name, data in members.items() if name != "export.json"]


def manifest_text() -> str:
    """The manifest's exact text."""
    return json.dumps([asdict(case) for case in CASES], indent=2) + "\n"


def write_committed(files: Path = FILES, manifest: Path = MANIFEST) -> None:
    """Write the small case files and the manifest."""
    files.mkdir(parents=True, exist_ok=True)
    for name, data in SMALL.items():
        (files / name).write_bytes(data)
    manifest.write_text(manifest_text())


if __name__ == "__main__":
    write_committed()
    sys.stdout.write(f"{len(SMALL)} files and {len(CASES)} cases written under {HERE}\n")
