"""Reading the hand-checked expectations under golden/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name: str) -> Any:
    """A hand-checked expectation file from golden/."""
    return json.loads((GOLDEN / f"{name}.json").read_text())


def render(value: Any, **values: str) -> Any:
    """``value`` with ``{name}`` placeholders in every string replaced (keys and values)."""
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [render(v, **values) for v in value]
    if isinstance(value, dict):
        return {render(k, **values): render(v, **values) for k, v in value.items()}
    return value
