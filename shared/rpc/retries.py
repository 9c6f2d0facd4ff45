"""The retry policy of cross-silo calls: tenacity, on transient codes, for idempotent methods.

Why tenacity and not the channel's service config: the service config only retries before a
response started and knows nothing of a total time budget; tenacity gives exponential backoff with
full jitter, a bounded total time, and one place that decides. The channel's own retries are
switched off (``shared.rpc.channels``) so the two mechanisms never multiply attempts.

Why explicit method names: a wildcard would also retry any future non-idempotent method, so each
method is listed by name once it is known to be safe to repeat. Replays are safe because batch
writes are keyed by ``(import_uuid, model, min_ordinal)`` in the chunk ledger.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

import grpc
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_random_exponential,
)

from shared.backup.errors import ConfigurationError
from shared.rpc.errors import RpcError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# Methods safe to repeat, by service. ImportByModel is idempotent by (import_uuid, min_ordinal),
# UndoChunk by the chunk it drops, releasing slugs by organization id;
# slug reservations and the region import steps are idempotent by organization id and chunk key;
# relocation records are upserted by uuid, and reads are reads.
IDEMPOTENT_METHODS: Final[dict[str, tuple[str, ...]]] = {
    "relocate.relocation.v1.RelocationService": (
        "ListModels",
        "ImportByModel",
        "ExportByModel",
        "ClearModels",
        "PlanUndo",
        "UndoChunk",
    ),
    "relocate.control.v1.OrganizationProvisioningService": (
        "BulkCreateOrganizationSlugReservations",
        "ReleaseOrganizationSlugReservations",
    ),
    # Repeating CreateClaimLinks mints fresh hashes and voids the earlier ones, which only the
    # lost response carried; ClaimUser is single-use, so a repeat would fail and is not listed.
    "relocate.control.v1.UserClaimService": ("CreateClaimLinks",),
    "relocate.region.v1.RegionImportService": (
        "RecordControlImportChunkReplica",
        "ApplyOrganizationSlugs",
        "StartRelocation",
        "UpdateRelocation",
        "GetRelocation",
        "ListRelocations",
        "UnhideOrganizations",
        "GetImportedObjects",
    ),
}

# Transient failures: the server was unreachable, too slow, or shedding load.
RETRYABLE_CODES: Final = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)

RETRY_MAX_SECONDS_ENV: Final = "RELOCATE_RETRY_MAX_SECONDS"
DEFAULT_RETRY_MAX_SECONDS: Final = 60.0


def is_idempotent(service: str, method: str) -> bool:
    """Whether ``service``'s ``method`` is listed as safe to repeat."""
    return method in IDEMPOTENT_METHODS.get(service, ())


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, RpcError) and exc.code in RETRYABLE_CODES


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long and how often a failed idempotent call is tried again.

    No new attempt starts once ``max_seconds`` have passed since the first one began (nor when the
    next backoff would end after that), so a call that keeps failing transiently gives up after
    about ``max_seconds`` plus at most one call deadline. ``max_seconds=0`` disables retries.
    """

    max_seconds: float = DEFAULT_RETRY_MAX_SECONDS
    """Total time budget of the attempts of one call, in seconds."""
    initial_backoff_s: float = 0.2
    """Scale of the first backoff; the n-th waits a random time in [0, initial * 2**n]."""
    max_backoff_s: float = 5.0
    """Upper bound of one backoff."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        """The policy with ``RELOCATE_RETRY_MAX_SECONDS`` (default 60) as its time budget."""
        text = (os.environ if env is None else env).get(RETRY_MAX_SECONDS_ENV, "").strip()
        if not text:
            return cls()
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0 or seconds == float("inf"):
            raise ConfigurationError(
                f"{RETRY_MAX_SECONDS_ENV} must be a finite number of seconds >= 0, got {text!r}"
            )
        return cls(max_seconds=seconds)

    def call(self, service: str, method: str, attempt: Callable[[], _T]) -> _T:
        """Run ``attempt``; if the method is idempotent, retry it on transient codes.

        Raises the last attempt's error when the budget is spent or the error is not transient.
        """
        if self.max_seconds <= 0 or not is_idempotent(service, method):
            return attempt()

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            logger.info(
                "relocation.rpc.retrying",
                extra={
                    "method": f"/{service}/{method}",
                    "attempt": state.attempt_number,
                    "code": exc.code.name if isinstance(exc, RpcError) else None,
                    "sleep_s": round(state.upcoming_sleep, 3),
                },
            )

        retrying = Retrying(
            stop=stop_before_delay(self.max_seconds),
            wait=wait_random_exponential(multiplier=self.initial_backoff_s, max=self.max_backoff_s),
            retry=retry_if_exception(_is_retryable),
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(attempt)
