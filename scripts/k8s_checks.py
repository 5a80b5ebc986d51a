"""Structural rules for rendered manifests that a JSON-schema check cannot see.

Each check takes the rendered objects of one overlay and returns human-readable problems (empty
when all is well): hardened containers with requests and limits, Services and policies whose
selectors reach a workload, references to ConfigMaps and Secrets that exist, and in production an
autoscaler and a disruption budget for every Deployment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Obj = dict[str, Any]

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job"})
APP_IMAGE = "crm-intel"
APP_USER = 10001


def check_all(objects: Sequence[Obj], *, production: bool) -> list[str]:
    """Every rule below; `production` adds the autoscaling, disruption-budget and network-policy rules."""
    problems = check_containers(objects) + check_selectors(objects) + check_references(objects)
    if production:
        problems += check_production(objects)
    return problems


def _ref(obj: Mapping[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def workloads(objects: Sequence[Obj]) -> Iterator[tuple[Obj, Obj]]:
    """Each workload with its pod template (spec.template)."""
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS:
            yield obj, obj.get("spec", {}).get("template", {})


def pod_labels(template: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = template.get("metadata", {}).get("labels", {})
    return labels


def check_containers(objects: Sequence[Obj]) -> list[str]:
    """Every container: requests and limits for cpu and memory, non-root, read-only root, no privilege."""
    problems: list[str] = []
    for obj, template in workloads(objects):
        pod = template.get("spec", {})
        pod_security = pod.get("securityContext", {})
        for container in pod.get("initContainers", []) + pod.get("containers", []):
            where = f"{_ref(obj)} container {container['name']}"
            security = {**pod_security, **container.get("securityContext", {})}
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                missing = [r for r in ("cpu", "memory") if r not in resources.get(bound, {})]
                if missing:
                    problems.append(f"{where}: resources.{bound} lacks {', '.join(missing)}")
            if security.get("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: capabilities do not drop ALL")
            if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            if _image_name(container.get("image", "")) == APP_IMAGE and security.get("runAsUser") != APP_USER:
                problems.append(f"{where}: the {APP_IMAGE} image must run as user {APP_USER}")
            if obj["kind"] == "Deployment" and not (
                "readinessProbe" in container and "livenessProbe" in container
            ):
                problems.append(f"{where}: needs a readinessProbe and a livenessProbe")
    return problems


def _image_name(image: str) -> str:
    last = image.split("@")[0].rsplit("/", 1)[-1]
    return last.split(":")[0]


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) selects `labels`."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if not {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]:
            return False
    return True


def _selects_some_pod(selector: Mapping[str, Any], objects: Sequence[Obj]) -> bool:
    return any(selector_matches(selector, pod_labels(template)) for _, template in workloads(objects))


def check_selectors(objects: Sequence[Obj]) -> list[str]:
    """Services, disruption budgets and network policies must select the pods of some workload."""
    problems: list[str] = []
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "Service":
            selector = spec.get("selector")
            if not selector or not _selects_some_pod({"matchLabels": selector}, objects):
                problems.append(f"{_ref(obj)}: selector {selector} matches no workload's pod labels")
        elif obj["kind"] == "PodDisruptionBudget" and not _selects_some_pod(
            spec.get("selector", {}), objects
        ):
            problems.append(f"{_ref(obj)}: selector matches no workload's pod labels")
        elif obj["kind"] == "NetworkPolicy":
            selector = spec.get("podSelector", {})
            if selector and not _selects_some_pod(selector, objects):
                problems.append(f"{_ref(obj)}: podSelector matches no workload's pod labels")
    return problems


def _referenced(pod: Mapping[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    for container in pod.get("initContainers", []) + pod.get("containers", []):
        for source in container.get("envFrom", []):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if field in source and not source[field].get("optional"):
                    yield kind, source[field]["name"], None
        for variable in container.get("env", []):
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = variable.get("valueFrom", {}).get(field)
                if ref and not ref.get("optional"):
                    yield kind, ref["name"], ref["key"]
    for volume in pod.get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"], None
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"], None
        for source in volume.get("projected", {}).get("sources", []):
            if "configMap" in source and not source["configMap"].get("optional"):
                yield "ConfigMap", source["configMap"]["name"], None
            if "secret" in source and not source["secret"].get("optional"):
                yield "Secret", source["secret"]["name"], None


def check_references(objects: Sequence[Obj]) -> list[str]:
    """Every ConfigMap or Secret (and key) a pod uses is part of the rendered output."""
    stores = {(o["kind"], o["metadata"]["name"]): o for o in objects if o["kind"] in ("ConfigMap", "Secret")}
    problems: list[str] = []
    for obj, template in workloads(objects):
        for kind, name, key in _referenced(template.get("spec", {})):
            store = stores.get((kind, name))
            if store is None:
                problems.append(f"{_ref(obj)}: uses {kind}/{name}, which is not rendered")
            elif key is not None and key not in {**store.get("data", {}), **store.get("stringData", {})}:
                problems.append(f"{_ref(obj)}: uses key {key} of {kind}/{name}, which has no such key")
    return problems


def check_production(objects: Sequence[Obj]) -> list[str]:
    """Each Deployment has an HPA and a PDB; HPAs target real workloads; ingress is denied by default."""
    problems: list[str] = []
    targets = {
        (o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] in ("Deployment", "StatefulSet")
    }
    scaled = set()
    for hpa in (o for o in objects if o["kind"] == "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref["kind"], ref["name"]) not in targets:
            problems.append(f"{_ref(hpa)}: scaleTargetRef {ref['kind']}/{ref['name']} is not rendered")
        scaled.add((ref["kind"], ref["name"]))
    budgets = [o["spec"].get("selector", {}) for o in objects if o["kind"] == "PodDisruptionBudget"]
    for obj, template in workloads(objects):
        if obj["kind"] != "Deployment":
            continue
        if ("Deployment", obj["metadata"]["name"]) not in scaled:
            problems.append(f"{_ref(obj)}: no HorizontalPodAutoscaler targets it")
        if not any(selector_matches(selector, pod_labels(template)) for selector in budgets):
            problems.append(f"{_ref(obj)}: no PodDisruptionBudget selects its pods")
    if not any(
        o["kind"] == "NetworkPolicy" and o["spec"].get("podSelector") == {} and "ingress" not in o["spec"]
        for o in objects
    ):
        problems.append("no default-deny-ingress NetworkPolicy (podSelector {} without ingress rules)")
    return problems
