"""Records near the size limit: batches and export pages are cut by bytes, not only by count."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import SiloPair, run_cli, write_export
from tests.support.records import option

# 40 options of ~1.8 MB each: ~72 MB in one batch by count, above the 64 MiB message limit.
RECORDS = 40
HALF = 900_000


def test_a_batch_larger_than_a_message_is_cut_and_exports_page_by_bytes(
    module_pair: SiloPair, tmp_path: Path
) -> None:
    records = [
        option(pk, f"big.option.{pk}", [chr(96 + pk % 26) * HALF, "z" * HALF])
        for pk in range(1, RECORDS + 1)
    ]
    src = write_export(tmp_path / "big.json", records)
    assert src.stat().st_size > 64 * 1024 * 1024

    run_cli(module_pair, "import", "config", str(src), "--no-prompt", "--silent")

    out = tmp_path / "out.json"
    run_cli(module_pair, "export", "config", str(out), "--silent")
    exported = {
        r["fields"]["key"]: r["fields"]["value"]
        for r in json.loads(out.read_text())
        if r["model"] == "sentry.option"
    }
    assert len(exported) == RECORDS
    for pk in range(1, RECORDS + 1):
        assert exported[f"big.option.{pk}"] == [chr(96 + pk % 26) * HALF, "z" * HALF]
