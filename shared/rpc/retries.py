"""The channel's service config: retry only UNAVAILABLE, and only for idempotent methods.

Why explicit: a ``[{}]`` wildcard would also retry any future non-idempotent method, so each
method is listed by name once it is known to be safe to repeat.
"""

from __future__ import annotations

import json
from typing import Final

# Methods safe to repeat, by service. ImportByModel is idempotent by (import_uuid, min_ordinal);
# slug reservations and the region import steps are idempotent by organization id and chunk key.
IDEMPOTENT_METHODS: Final[dict[str, tuple[str, ...]]] = {
    "relocate.relocation.v1.RelocationService": (
        "ListModels",
        "ImportByModel",
        "ExportByModel",
        "ClearModels",
    ),
    "relocate.control.v1.OrganizationProvisioningService": (
        "BulkCreateOrganizationSlugReservations",
    ),
    "relocate.region.v1.RegionImportService": (
        "RecordControlImportChunkReplica",
        "ApplyOrganizationSlugs",
    ),
}

RETRY_MAX_ATTEMPTS: Final = 5
RETRY_INITIAL_BACKOFF: Final = "0.2s"
RETRY_MAX_BACKOFF: Final = "5s"
RETRY_BACKOFF_MULTIPLIER: Final = 2.0


def build_service_config() -> str:
    """Return the gRPC service-config JSON retrying UNAVAILABLE on the idempotent methods."""
    names = [
        {"service": service, "method": method}
        for service, methods in IDEMPOTENT_METHODS.items()
        for method in methods
    ]
    config = {
        "methodConfig": [
            {
                "name": names,
                "retryPolicy": {
                    "maxAttempts": RETRY_MAX_ATTEMPTS,
                    "initialBackoff": RETRY_INITIAL_BACKOFF,
                    "maxBackoff": RETRY_MAX_BACKOFF,
                    "backoffMultiplier": RETRY_BACKOFF_MULTIPLIER,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
    return json.dumps(config, sort_keys=True)
