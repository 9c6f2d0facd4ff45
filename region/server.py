"""Composition root of the region silo: ``python -m region.server [--bind H:P]``."""

from __future__ import annotations

from shared.silo.process import Registration, run


def servicers() -> tuple[list[Registration], list[str]]:
    """The region's gRPC services (built after django.setup())."""
    from region.servicers import registrations  # noqa: PLC0415  (needs Django set up)

    return registrations()


def main() -> int:
    """Run the region server."""
    return run("region", "region.settings", servicers)


if __name__ == "__main__":
    raise SystemExit(main())
