"""Composition root of the control silo: ``python -m control.server [--bind H:P]``."""

from __future__ import annotations

from shared.silo.process import Registration, run


def servicers() -> tuple[list[Registration], list[str]]:
    """The control's gRPC services (built after django.setup())."""
    from control.servicers import registrations  # noqa: PLC0415  (needs Django set up)

    return registrations()


def main() -> int:
    """Run the control server."""
    return run("control", "control.settings", servicers)


if __name__ == "__main__":
    raise SystemExit(main())
