"""Render a kustomization directory offline with the subset of kustomize v5 that deploy/k8s uses.

No kustomize or kubectl binary ships on PyPI, and CI installs only through pip, so `make k8s-validate`
renders with this module instead. Supported fields: resources (files and directories), namespace,
labels (includeSelectors false), images, replicas, patches (strategic merge, by kind and name, from
`path` or inline `patch`), and configMapGenerator / secretGenerator (envs and literals) with
`generatorOptions.disableNameSuffixHash: true`. Anything else is rejected with a message naming it,
so the manifests cannot drift outside what is checked here; `python -m scripts.validate_k8s
--compare-kubectl` proves the output equals real kustomize where kubectl is installed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from scripts.kustomize_transforms import (
    KustomizeError,
    Obj,
    add_labels,
    set_images,
    set_namespace,
    set_replicas,
    strategic_merge,
)

_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "labels",
        "resources",
        "images",
        "replicas",
        "patches",
        "configMapGenerator",
        "secretGenerator",
        "generatorOptions",
    }
)
_GENERATOR_FIELDS = frozenset({"name", "envs", "literals", "behavior", "type"})


def render(directory: Path) -> list[Obj]:
    """Render the kustomization in `directory` (and the bases it names) into a list of objects."""
    spec = _load_kustomization(directory)
    objects: list[Obj] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else load_documents(path))
    objects.extend(_generate(directory, spec))
    _refuse_duplicates(objects, directory)
    for patch in spec.get("patches", []):
        objects = _apply_patch(objects, _load_patch(directory, patch))
    if "namespace" in spec:
        objects = set_namespace(objects, spec["namespace"])
    for label in spec.get("labels", []):
        if label.get("includeSelectors", False):
            raise KustomizeError(
                f"{directory}: labels.includeSelectors is not supported (selectors are immutable)"
            )
        objects = add_labels(
            objects, label["pairs"], include_templates=bool(label.get("includeTemplates", False))
        )
    if "replicas" in spec:
        objects = set_replicas(objects, {item["name"]: int(item["count"]) for item in spec["replicas"]})
    objects = set_images(objects, spec.get("images", []))
    # Again after the namespace is set: two objects may only now collide.
    _refuse_duplicates(objects, directory)
    return objects


def load_documents(path: Path) -> list[Obj]:
    """Every non-empty YAML document in `path`; each must be a Kubernetes object (kind + metadata.name)."""
    try:
        documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    except (OSError, yaml.YAMLError) as error:
        raise KustomizeError(f"{path}: {error}") from None
    for doc in documents:
        if not isinstance(doc, dict) or "kind" not in doc or "name" not in doc.get("metadata", {}):
            raise KustomizeError(f"{path}: every document needs kind and metadata.name")
    return documents


def _load_kustomization(directory: Path) -> dict[str, Any]:
    path = directory / "kustomization.yaml"
    if not path.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise KustomizeError(f"{path}: fields outside the supported kustomize subset: {', '.join(unknown)}")
    return dict(spec)


def _generate(directory: Path, spec: Mapping[str, Any]) -> list[Obj]:
    generators = [("ConfigMap", g) for g in spec.get("configMapGenerator", [])]
    generators += [("Secret", g) for g in spec.get("secretGenerator", [])]
    if generators and not spec.get("generatorOptions", {}).get("disableNameSuffixHash", False):
        # Hash suffixes would need every reference to the generated name rewritten; we keep names stable.
        raise KustomizeError(f"{directory}: generators need generatorOptions.disableNameSuffixHash: true")
    return [_generated(directory, kind, generator) for kind, generator in generators]


def _generated(directory: Path, kind: str, generator: Mapping[str, Any]) -> Obj:
    unknown = sorted(set(generator) - _GENERATOR_FIELDS)
    if unknown or generator.get("behavior", "create") != "create":
        raise KustomizeError(
            f"{directory}: generator {generator.get('name')!r}: only create with envs/literals"
        )
    pairs: dict[str, str] = {}
    for env_file in generator.get("envs", []):
        try:
            text = (directory / env_file).read_text(encoding="utf-8")
        except OSError as error:
            raise KustomizeError(f"{directory}: generator {generator['name']!r}: {error}") from None
        pairs.update(
            _parse_pair(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
        )
    pairs.update(_parse_pair(literal) for literal in generator.get("literals", []))
    obj: Obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}}
    if kind == "Secret":
        obj["type"] = generator.get("type", "Opaque")
        obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in pairs.items()}
    else:
        obj["data"] = pairs
    return obj


def _parse_pair(line: str) -> tuple[str, str]:
    # Like kustomize: split at the first '=', keep the value verbatim (no quote or space stripping).
    key, sep, value = line.partition("=")
    if not sep or not key.strip():
        raise KustomizeError(f"malformed KEY=VALUE line {line!r}")
    return key.strip(), value


def _load_patch(directory: Path, entry: Mapping[str, Any]) -> Obj:
    if "target" in entry or "options" in entry:
        raise KustomizeError(
            f"{directory}: patches with target/options are not supported; name the object in the patch"
        )
    if "path" in entry:
        documents = load_documents(directory / entry["path"])
    else:
        documents = [yaml.safe_load(entry["patch"])]
    if len(documents) != 1:
        raise KustomizeError(f"{directory}: a patch must hold exactly one object, got {len(documents)}")
    return documents[0]


def _apply_patch(objects: list[Obj], patch: Obj) -> list[Obj]:
    kind, name = patch["kind"], patch["metadata"]["name"]
    matches = [i for i, obj in enumerate(objects) if obj["kind"] == kind and obj["metadata"]["name"] == name]
    if len(matches) != 1:
        raise KustomizeError(f"patch for {kind}/{name} matches {len(matches)} objects, expected exactly one")
    patched = list(objects)
    patched[matches[0]] = strategic_merge(objects[matches[0]], patch)
    return patched


def _refuse_duplicates(objects: list[Obj], directory: Path) -> None:
    seen: set[tuple[str, str, str]] = set()
    for obj in objects:
        key = (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if key in seen:
            raise KustomizeError(f"{directory}: {key[0]}/{key[2]} is defined twice")
        seen.add(key)
