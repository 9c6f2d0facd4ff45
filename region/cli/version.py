"""The version of relocate, from the installed package's metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

PACKAGE = "relocate"


def tool_version() -> str:
    """This installation's version (``0+unknown`` when the package metadata is missing)."""
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "0+unknown"
