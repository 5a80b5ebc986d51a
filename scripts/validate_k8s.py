"""Render every overlay in deploy/k8s offline and validate what it produces (`make k8s-validate`).

For each overlay: render with the kustomize subset (scripts/kustomize_subset.py), validate every
object against the Kubernetes JSON schemas with kubernetes-validate in strict mode (unknown fields
are errors), and apply the structural rules of scripts/k8s_checks.py (the `prod` overlay also needs
autoscalers, disruption budgets and a default-deny policy). Prints one summary line per overlay and
exits 1 with every problem listed when anything is wrong.

An overlay's git-ignored `*.env` secret files are absent in CI; they are rendered from the committed
`*.env.example` next to them, in a temporary copy. `--compare-kubectl` also renders with
`kubectl kustomize` (where installed) and fails if the two renderings differ.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from scripts.k8s_checks import check_all
from scripts.kustomize_subset import render
from scripts.kustomize_transforms import KustomizeError, Obj

ROOT = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
# The oldest release we support (native gRPC probes are GA from 1.27) and the newest schemas known.
MIN_KUBERNETES = "1.30.0"
PRODUCTION_OVERLAYS = frozenset({"prod"})


def schema_problems(objects: Sequence[Obj], *, versions: Sequence[str]) -> list[str]:
    """Strict JSON-schema validation of every object against every Kubernetes version in `versions`."""
    problems: list[str] = []
    for obj in objects:
        ref = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(part) for part in error.path) or "(top level)"
                problems.append(f"{ref}: invalid for Kubernetes {version}: {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(
                    f"{ref}: Kubernetes {version} has no schema for {obj.get('apiVersion')} {obj.get('kind')}"
                )
    return problems


def summary(name: str, objects: Sequence[Obj], *, versions: Sequence[str]) -> str:
    """One line: the overlay, its object count by kind, and the versions it was checked against."""
    kinds = Counter(obj["kind"] for obj in objects)
    by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"{name}: {len(objects)} objects valid for Kubernetes {', '.join(versions)} ({by_kind})"


@contextmanager
def renderable_copy(root: Path) -> Iterator[Path]:
    """A temporary copy of `root` where each `X.env` missing next to an `X.env.example` is the example."""
    with tempfile.TemporaryDirectory(prefix="k8s-validate-") as scratch:
        copy = Path(scratch) / "k8s"
        shutil.copytree(root, copy)
        for example in copy.rglob("*.env.example"):
            real = example.with_suffix("")
            if not real.exists():
                shutil.copyfile(example, real)
        yield copy


def normalised(objects: Sequence[Obj]) -> dict[str, Any]:
    """Objects keyed by kind/namespace/name, with lists of maps sorted, for an order-blind comparison."""

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: norm(item) for key, item in value.items()}
        if isinstance(value, list):
            items = [norm(item) for item in value]
            if items and all(isinstance(item, dict) for item in items):
                items.sort(key=lambda item: json.dumps(item, sort_keys=True))
            return items
        return value

    return {
        f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}": norm(o) for o in objects
    }


def kubectl_differences(overlay: Path, objects: Sequence[Obj]) -> list[str]:
    """Where `kubectl kustomize overlay` renders differently from `objects` (empty when identical)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return ["--compare-kubectl: kubectl is not installed"]
    result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return [f"kubectl kustomize failed: {result.stderr.strip()}"]
    theirs = normalised([doc for doc in yaml.safe_load_all(result.stdout) if doc])
    ours = normalised(objects)
    problems = [f"{key}: only kubectl renders it" for key in sorted(theirs.keys() - ours.keys())]
    problems += [f"{key}: only the subset renders it" for key in sorted(ours.keys() - theirs.keys())]
    problems += [
        f"{key}: renders differently from kubectl"
        for key in sorted(ours)
        if key in theirs and ours[key] != theirs[key]
    ]
    return problems


def validate_overlay(
    overlay: Path, *, versions: Sequence[str], compare_kubectl: bool
) -> tuple[list[Obj], list[str]]:
    """Render one overlay and collect every problem found in it."""
    try:
        objects = render(overlay)
    except KustomizeError as error:
        return [], [f"cannot render: {error}"]
    problems = schema_problems(objects, versions=versions)
    problems += check_all(objects, production=overlay.name in PRODUCTION_OVERLAYS)
    if compare_kubectl:
        problems += kubectl_differences(overlay, objects)
    return objects, problems


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the overlays named on the command line (all of them by default); 0 when all pass."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("overlays", nargs="*", help="overlay names under <root>/overlays (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the deploy/k8s directory")
    parser.add_argument(
        "--kubernetes-version",
        action="append",
        dest="versions",
        help=f"validate against this version (repeatable; default {MIN_KUBERNETES} and the newest known)",
    )
    parser.add_argument(
        "--compare-kubectl", action="store_true", help="also diff against `kubectl kustomize`"
    )
    args = parser.parse_args(argv)
    versions = args.versions or [MIN_KUBERNETES, kubernetes_validate.latest_version()]
    names = args.overlays or sorted(p.name for p in (args.root / "overlays").iterdir() if p.is_dir())
    failed = False
    with renderable_copy(args.root) as root:
        for name in names:
            overlay = root / "overlays" / name
            if not overlay.is_dir():
                print(f"{name}: no such overlay under {args.root / 'overlays'}", file=sys.stderr)
                failed = True
                continue
            objects, problems = validate_overlay(
                overlay, versions=versions, compare_kubectl=args.compare_kubectl
            )
            if problems:
                failed = True
                print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
                for problem in problems:
                    print(f"  {name}: {problem}", file=sys.stderr)
            else:
                print(summary(name, objects, versions=versions))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
