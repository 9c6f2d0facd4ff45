"""Generate the gRPC stubs in ``shared/rpc/gen`` from ``proto/``: ``python -m shared.rpc.codegen``.

Why: one command, committed output and a freshness gate (``--check``) mean fresh clones import the
code with no build step while reviewers still see every contract change in the ``.pyi`` files.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"
GEN_DIR = ROOT / "shared" / "rpc" / "gen"
_IMPORT_RE = re.compile(r"^(from|import) relocate\.", flags=re.MULTILINE)


def _plugin(name: str) -> str:
    """Return the path of a protoc plugin installed beside this interpreter."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"codegen: protoc plugin {name!r} not found; install the dev extras")
    return found


def generate(out_dir: Path) -> None:
    """Run protoc into ``out_dir`` and rewrite imports so the package lives at shared.rpc.gen."""
    from grpc_tools import protoc  # noqa: PLC0415  (dev-only dependency)

    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={_plugin('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={_plugin('protoc-gen-mypy_grpc')}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("codegen: protoc failed")
    for path in out_dir.rglob("*.py*"):
        text = path.read_text()
        path.write_text(_IMPORT_RE.sub(r"\1 shared.rpc.gen.relocate.", text))
    for directory in [out_dir, *[d for d in out_dir.rglob("*") if d.is_dir()]]:
        (directory / "__init__.py").touch()
    (out_dir / "py.typed").touch()


def _stale_files(fresh: Path, current: Path) -> list[str]:
    """List files that differ between two generated trees."""
    names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    names |= {p.relative_to(current) for p in current.rglob("*") if p.is_file()}
    names = {n for n in names if "__pycache__" not in n.parts}
    stale = []
    for name in sorted(names):
        a, b = fresh / name, current / name
        if not (a.exists() and b.exists() and filecmp.cmp(a, b, shallow=False)):
            stale.append(str(name))
    return stale


def main(argv: list[str] | None = None) -> int:
    """Regenerate the stubs, or with ``--check`` fail when the committed ones are stale."""
    parser = argparse.ArgumentParser(prog="python -m shared.rpc.codegen")
    parser.add_argument("--check", action="store_true", help="fail if shared/rpc/gen is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "gen"
        fresh.mkdir()
        generate(fresh)
        if args.check:
            stale = _stale_files(fresh, GEN_DIR)
            if stale:
                print("codegen: stale generated files:", *stale, sep="\n  ", file=sys.stderr)
                print("run: python -m shared.rpc.codegen", file=sys.stderr)
                return 1
            print("codegen: shared/rpc/gen is up to date")
            return 0
        backup = GEN_DIR.with_name("gen.old")
        if GEN_DIR.exists():
            GEN_DIR.rename(backup)
        shutil.copytree(fresh, GEN_DIR)
        shutil.rmtree(backup, ignore_errors=True)
    print(f"codegen: wrote {GEN_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
