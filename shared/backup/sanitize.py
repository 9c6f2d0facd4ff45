"""Replace personal data in an export consistently, keeping its shape: ``backup sanitize``.

Equal inputs map to equal outputs across the whole file (a user's email in ``sentry.user``,
``sentry.email``, ``sentry.useremail`` and ``sentry.organizationmember`` stays one address),
emails keep their domain relations, IPs keep their family, URLs are mapped part by part,
datetimes move to random instants that keep their global order (plus an optional day offset),
and secrets keep their character classes and length, so a 32-hex DSN key stays 32 hex.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
import string
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.backup.redaction import SECRET_FIELDS_BY_MODEL, is_secret_field
from shared.backup.spool import Record

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_WORDS = (
    "amber",
    "bold",
    "calm",
    "dawn",
    "eager",
    "fable",
    "gentle",
    "harbor",
    "ivory",
    "jolly",
    "keen",
    "lunar",
    "maple",
    "noble",
    "ocean",
    "pine",
    "quiet",
    "river",
    "solar",
    "tidal",
    "umber",
    "vivid",
    "willow",
    "xenial",
    "young",
    "zephyr",
    "otter",
    "falcon",
    "badger",
    "heron",
)


@dataclass(slots=True)
class Sanitizer:
    """Interned replacements, so the same input is replaced the same way everywhere."""

    _memo: dict[tuple[str, str], str] = field(default_factory=dict)

    def _interned(self, kind: str, value: str, make: Callable[[str], str]) -> str:
        key = (kind, value)
        if key not in self._memo:
            self._memo[key] = make(value)
        return self._memo[key]

    def text(self, value: str) -> str:
        """Random text of the same length and character classes."""
        return self._interned("text", value, _same_shape)

    def name(self, value: str) -> str:
        """A readable made-up name."""
        return self._interned("name", value, lambda v: _petname(" ").title() if v else v)

    def slug(self, value: str) -> str:
        """A made-up slug."""
        return self._interned("slug", value, lambda v: _petname("-") if v else v)

    def email(self, value: str) -> str:
        """A made-up address; local part and domain are mapped separately."""
        local, at, domain = value.rpartition("@")
        if not at:
            return self.text(value)
        return f"{self.text(local)}@{self._interned('domain', domain, _domain)}"

    def ip(self, value: str) -> str:
        """A random address of the same family."""
        return self._interned("ip", value, _random_ip)

    def url(self, value: str) -> str:
        """The scheme kept, host and path mapped."""
        parts = urllib.parse.urlsplit(value)
        if not parts.scheme:
            return self.text(value)
        host = self._interned("domain", parts.hostname or "", _domain) if parts.hostname else ""
        path = "/".join(self.text(p) if p else p for p in parts.path.split("/"))
        return urllib.parse.urlunsplit((parts.scheme, host, path, "", ""))

    def uuid(self, value: str) -> str:
        """A random UUID, spelled like the original (with or without dashes)."""
        new = uuid.uuid4()
        return self._interned("uuid", value, lambda v: new.hex if "-" not in v else str(new))


def sanitize_export(records: list[Record], *, days_offset: int = 0) -> list[Record]:
    """A sanitized copy of the export's records."""
    sanitizer = Sanitizer()
    times = _shifted_times(records, days_offset)
    out = []
    for record in records:
        fields = {
            name: _sanitize_value(sanitizer, times, name, value, record["model"])
            for name, value in record["fields"].items()
        }
        derive = _DERIVED.get(record["model"])
        if derive is not None:
            derive(fields)
        out.append({"model": record["model"], "pk": record["pk"], "fields": fields})
    return out


def _query_hash(fields: dict[str, Any]) -> None:
    """A recent search's ``query_hash`` is the md5 of its query (as Sentry computes it on
    save): hash the sanitized query, or the original's hash would still identify it."""
    query = fields.get("query")
    if isinstance(query, str) and "query_hash" in fields:
        fields["query_hash"] = hashlib.md5(query.encode(), usedforsecurity=False).hexdigest()


# Fields computed from other fields of the same record, set again after sanitizing.
_DERIVED: dict[str, Callable[[dict[str, Any]], None]] = {"sentry.recentsearch": _query_hash}


def _sanitize_value(
    s: Sanitizer, times: dict[str, str], name: str, value: Any, model: str = ""
) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    if not isinstance(value, str) or value == "":
        return value
    if value in times:
        return times[value]
    secret = (model, name) in SECRET_FIELDS_BY_MODEL
    return (Sanitizer.text if secret else _MODEL_RULES.get((model, name), _rule(name)))(s, value)


def _multiline_url(s: Sanitizer, value: str) -> str:
    return "\n".join(s.url(line) for line in value.split("\n"))


_EMBEDDED_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMBEDDED_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def _kept(s: Sanitizer, value: str) -> str:
    """Free text (option values, JSON text) keeps its words, but not addresses inside it."""
    value = _EMBEDDED_EMAIL.sub(lambda m: s.email(m.group(0)), value)
    return _EMBEDDED_IPV4.sub(lambda m: s.ip(m.group(0)), value)


# (does this field name match, replacement), first match wins.
_RULES: tuple[tuple[Callable[[str], bool], Callable[[Sanitizer, str], str]], ...] = (
    (lambda n: "email" in n, Sanitizer.email),
    (lambda n: n == "ip_address", Sanitizer.ip),
    (lambda n: n.endswith(("url", "uri", "uris")), _multiline_url),
    (lambda n: n.endswith(("uuid", "guid")), Sanitizer.uuid),
    (lambda n: n == "slug", Sanitizer.slug),
    (lambda n: n in ("name", "label"), Sanitizer.name),
    (lambda n: n == "username", Sanitizer.text),
    # Secret by name (redaction's rule, which masks the same fields in messages and logs), and
    # what is said about a token: its last characters.
    (lambda n: is_secret_field(n) or n.endswith("_last_characters"), Sanitizer.text),
)


# Fields whose names say nothing of what they hold, by model: identities at a provider,
# authorization codes, free text about an app and its author, searches, repositories, redirects
# and hook subscriptions (as Sentry's sanitizers treat them).
_MODEL_RULES: dict[tuple[str, str], Callable[[Sanitizer, str], str]] = {
    ("sentry.authidentity", "ident"): Sanitizer.text,
    ("sentry.authprovider", "provider"): Sanitizer.text,
    ("sentry.apigrant", "code"): Sanitizer.text,
    ("sentry.sentryapp", "author"): Sanitizer.name,
    ("sentry.sentryapp", "creator_label"): Sanitizer.email,
    ("sentry.sentryapp", "overview"): Sanitizer.text,
    ("sentry.sentryappcomponent", "type"): Sanitizer.text,
    ("sentry.recentsearch", "query"): Sanitizer.text,
    ("sentry.repository", "external_id"): Sanitizer.text,
    ("sentry.repository", "provider"): Sanitizer.text,
    ("sentry.repository", "languages"): lambda _s, _v: "[]",
    ("sentry.projectredirect", "redirect_slug"): Sanitizer.slug,
    ("sentry.servicehook", "events"): lambda _s, _v: "[]",
}


def _rule(name: str) -> Callable[[Sanitizer, str], str]:
    """Which replacement a field gets, by its name."""
    return next((fn for matches, fn in _RULES if matches(name)), _kept)


def _shifted_times(records: list[Record], days_offset: int) -> dict[str, str]:
    """Every datetime string -> a random instant between its neighbours' midpoints, shifted."""
    found = sorted(
        {
            v
            for r in records
            for v in r["fields"].values()
            if isinstance(v, str) and _DATETIME.match(v)
        },
        key=_parse,
    )
    instants = [_parse(v) for v in found]
    shift = dt.timedelta(days=days_offset)
    out: dict[str, str] = {}
    for i, (text, moment) in enumerate(zip(found, instants, strict=True)):
        low = moment if i == 0 else instants[i - 1] + (moment - instants[i - 1]) / 2
        high = moment if i == len(found) - 1 else moment + (instants[i + 1] - moment) / 2
        span = int((high - low).total_seconds() * 1000)
        picked = low + dt.timedelta(milliseconds=secrets.randbelow(span) if span > 1 else 0)
        out[text] = _format(picked + shift)
    _keep_order(out, found)
    return out


def _keep_order(out: dict[str, str], ordered: list[str]) -> None:
    """Ties at millisecond precision could swap neighbours; nudge them back into order."""
    previous: str | None = None
    for text in ordered:
        if previous is not None and out[text] < out[previous]:
            out[text] = out[previous]
        previous = text


def _parse(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _format(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


_CLASSES = (string.digits, "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ")


def _same_shape(value: str) -> str:
    """Random characters of the same classes (digits, lower/upper hex letters, lower/upper
    other letters; the rest kept), so a 32-hex key stays 32 hex."""
    out = []
    for c in value:
        pool = next((cls for cls in _CLASSES if c in cls), None)
        out.append(secrets.choice(pool) if pool else c)
    return "".join(out)


def _petname(sep: str) -> str:
    return sep.join((secrets.choice(_WORDS), secrets.choice(_WORDS), secrets.token_hex(2)))


def _domain(value: str) -> str:
    tld = value.rpartition(".")[2] if "." in value else "test"
    return f"{_petname('-')}.{tld}"


def _random_ip(value: str) -> str:
    try:
        version = ipaddress.ip_address(value).version
    except ValueError:
        return _same_shape(value)
    if version == 4:
        return str(ipaddress.IPv4Address(secrets.randbits(32)))
    return str(ipaddress.IPv6Address(secrets.randbits(128)))
