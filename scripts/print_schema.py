"""Write the gateway's GraphQL schema to gateway/schema.graphql, or check that the file is current.

python -m scripts.print_schema           # (re)write the committed schema
python -m scripts.print_schema --check   # exit 1 if the committed schema is stale (CI)
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from strawberry.printer import print_schema

from common.config import GatewaySettings
from gateway.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "gateway" / "schema.graphql"


def render() -> str:
    """The printed SDL (with the federation `@link` and `@key` directives), newline-terminated."""
    return print_schema(build_schema(GatewaySettings())) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if gateway/schema.graphql is stale")
    args = parser.parse_args(argv)
    current = render()
    if args.check:
        committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if committed != current:
            diff = difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=str(SCHEMA_FILE),
                tofile="generated",
            )
            sys.stderr.writelines(diff)
            sys.stderr.write("gateway/schema.graphql is stale; run `make schema`\n")
            return 1
        return 0
    SCHEMA_FILE.write_text(current, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
