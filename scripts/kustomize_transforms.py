"""The pure transformations of the kustomize subset: strategic merge, namespace, labels, replicas, images.

Each function takes Kubernetes objects as plain dicts and returns new ones; nothing here reads files.
They follow kustomize v5's behaviour for the shapes our manifests use, and raise `KustomizeError`
for anything outside that subset rather than guess.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

Obj = dict[str, Any]

# Kinds without a namespace; the namespace transformer leaves them alone.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "APIService",
    }
)
# Kinds whose pods come from spec.template (what `labels.includeTemplates` and `replicas` reach).
TEMPLATED = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# Strategic-merge keys of the list fields we patch; any other list is replaced wholesale.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


class KustomizeError(ValueError):
    """A kustomization or patch the subset cannot render; the message says which and why."""


def strategic_merge(target: Any, patch: Any, *, field: str = "") -> Any:
    """Merge `patch` into `target` the way a strategic-merge patch does for core kinds.

    Maps merge key by key, and a `null` in the patch deletes the key. Lists of containers, env,
    volumes and the like merge item by item on their merge key (an item with `$patch: delete`
    removes its match); ports merge on `containerPort` or `port`; other lists are replaced.
    """
    if isinstance(patch, Mapping) and isinstance(target, Mapping):
        merged = dict(target)
        for key, value in patch.items():
            if key.startswith("$"):
                raise KustomizeError(f"patch directive {key!r} is not supported")
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value, field=key)
            else:
                merged[key] = _strip_directives(value)
        return merged
    if isinstance(patch, list) and isinstance(target, list):
        key = _merge_key(field, patch + target)
        if key is not None:
            return _merge_list(target, patch, key=key)
    return _strip_directives(patch)


def _merge_key(field: str, items: Sequence[Any]) -> str | None:
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    if field == "ports":
        return "containerPort" if all("containerPort" in item for item in items) else "port"
    return _MERGE_KEYS.get(field)


def _merge_list(target: list[Any], patch: list[Any], *, key: str) -> list[Any]:
    merged = list(target)
    for item in patch:
        if key not in item:
            raise KustomizeError(f"patch list item {item!r} has no merge key {key!r}")
        index = next((i for i, old in enumerate(merged) if old.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(_strip_directives(item))
        else:
            merged[index] = strategic_merge(merged[index], item)
    return merged


def _strip_directives(value: Any) -> Any:
    if isinstance(value, Mapping):
        if any(str(key).startswith("$") for key in value):
            raise KustomizeError(f"patch directive in {dict(value)!r} is not supported here")
        return {key: _strip_directives(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return value


def set_namespace(objects: Sequence[Obj], namespace: str) -> list[Obj]:
    """Put every namespaced object into `namespace`."""
    result = copy.deepcopy(list(objects))
    for obj in result:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj.setdefault("metadata", {})["namespace"] = namespace
    return result


def add_labels(objects: Sequence[Obj], pairs: Mapping[str, str], *, include_templates: bool) -> list[Obj]:
    """Add `pairs` to every object's labels and, with `include_templates`, to its pod templates.

    Templates means spec.template of workloads, StatefulSet volumeClaimTemplates and the job
    template of a CronJob, as kustomize's `labels` field does. Selectors are never touched.
    """
    result = copy.deepcopy(list(objects))
    for obj in result:
        _labels_at(obj).update(pairs)
        if not include_templates:
            continue
        spec = obj.get("spec", {})
        if obj["kind"] in TEMPLATED:
            _labels_at(spec.setdefault("template", {})).update(pairs)
        if obj["kind"] == "StatefulSet":
            for claim in spec.get("volumeClaimTemplates", []):
                _labels_at(claim).update(pairs)
        if obj["kind"] == "CronJob":
            job = spec.setdefault("jobTemplate", {})
            _labels_at(job).update(pairs)
            _labels_at(job.setdefault("spec", {}).setdefault("template", {})).update(pairs)
    return result


def _labels_at(holder: Obj) -> dict[str, str]:
    labels: dict[str, str] = holder.setdefault("metadata", {}).setdefault("labels", {})
    return labels


def set_replicas(objects: Sequence[Obj], counts: Mapping[str, int]) -> list[Obj]:
    """Set spec.replicas of the scalable workloads named in `counts`; an unknown name is an error."""
    result = copy.deepcopy(list(objects))
    for name, count in counts.items():
        matches = [o for o in result if o["kind"] in SCALABLE and o["metadata"]["name"] == name]
        if not matches:
            raise KustomizeError(f"replicas: no Deployment or StatefulSet named {name!r}")
        for obj in matches:
            obj.setdefault("spec", {})["replicas"] = count
    return result


def set_images(objects: Sequence[Obj], images: Sequence[Mapping[str, str]]) -> list[Obj]:
    """Rewrite container images named in `images` (name → newName, newTag, digest), in any pod spec."""
    result = copy.deepcopy(list(objects))
    for obj in result:
        for container in _containers(obj):
            for rule in images:
                container["image"] = _rewrite_image(container["image"], rule)
    return result


def _containers(node: Any) -> list[Obj]:
    found: list[Obj] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found.extend(item for item in value if isinstance(item, dict) and "image" in item)
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_containers(item))
    return found


def split_image(image: str) -> tuple[str, str, str]:
    """Split `name[:tag][@digest]` into its three parts ('' where absent); a registry port is not a tag."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest


def _rewrite_image(image: str, rule: Mapping[str, str]) -> str:
    name, tag, digest = split_image(image)
    if name != rule["name"]:
        return image
    name = rule.get("newName", name)
    if "digest" in rule:
        return f"{name}@{rule['digest']}"
    tag = str(rule.get("newTag", tag))
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest and "newTag" not in rule else "")
