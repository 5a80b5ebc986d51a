"""Generate Python stubs (messages, gRPC, and .pyi type stubs) from protos/ into gen/.

Run `python scripts/gen_protos.py` after editing a proto; `--check` regenerates into a
temporary folder and fails when the committed gen/ differs, which CI uses to catch stale stubs.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GEN = ROOT / "gen"


def generate(out: Path) -> None:
    """Compile every proto under protos/ into `out`, adding `__init__.py` files so packages import."""
    out.mkdir(parents=True, exist_ok=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    args = [
        "grpc_tools.protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for folder in [p for p in out.rglob("*") if p.is_dir()] + [out / "crm"]:
        (folder / "__init__.py").touch()
    (out / "crm" / "py.typed").touch()


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths of files that differ between two trees, or exist in only one."""
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return sorted(
        str(n)
        for n in names
        if not ((left / n).is_file() and (right / n).is_file() and filecmp.cmp(left / n, right / n, False))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if gen/ is stale")
    opts = parser.parse_args()
    if opts.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "gen"
            generate(fresh)
            stale = differences(fresh, GEN)
        if stale:
            print("gen/ is stale; run `make protos` and commit:", *stale, sep="\n  ", file=sys.stderr)
            return 1
        print("gen/ is fresh")
        return 0
    if GEN.exists():
        shutil.rmtree(GEN)
    generate(GEN)
    print(f"generated stubs in {GEN.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
