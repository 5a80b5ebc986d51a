from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.k8s_checks import check_all, selector_matches
from scripts.kustomize_subset import render
from scripts.validate_k8s import ROOT, renderable_copy


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, list[dict]]]:
    with renderable_copy(ROOT) as root:
        yield {name: render(root / "overlays" / name) for name in ("dev", "prod")}


def find(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def container(objects: list[dict], kind: str, name: str) -> dict:
    first: dict = find(objects, kind, name)["spec"]["template"]["spec"]["containers"][0]
    return first


def test_shipped_overlays_pass_every_rule(rendered: dict[str, list[dict]]) -> None:
    assert check_all(rendered["dev"], production=False) == []
    assert check_all(rendered["prod"], production=True) == []


def test_dev_lacks_what_production_requires(rendered: dict[str, list[dict]]) -> None:
    problems = check_all(rendered["dev"], production=True)
    assert "Deployment/gateway: no HorizontalPodAutoscaler targets it" in problems
    assert "Deployment/tags: no PodDisruptionBudget selects its pods" in problems
    assert any("default-deny-ingress" in p for p in problems)


def test_container_without_limits_or_hardening_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = copy.deepcopy(rendered["dev"])
    mongo = container(objects, "StatefulSet", "mongo")
    del mongo["resources"]["limits"]
    mongo["securityContext"]["readOnlyRootFilesystem"] = False
    find(objects, "StatefulSet", "mongo")["spec"]["template"]["spec"]["securityContext"].pop("runAsNonRoot")
    del mongo["securityContext"]["runAsNonRoot"]
    assert check_all(objects, production=False) == [
        "StatefulSet/mongo container mongo: resources.limits lacks cpu, memory",
        "StatefulSet/mongo container mongo: runAsNonRoot is not true",
        "StatefulSet/mongo container mongo: readOnlyRootFilesystem is not true",
    ]


def test_app_image_running_as_another_user_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = copy.deepcopy(rendered["dev"])
    find(objects, "Deployment", "leads")["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 1000
    assert check_all(objects, production=False) == [
        "Deployment/leads container leads: the crm-intel image must run as user 10001"
    ]


def test_service_selecting_no_pods_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = copy.deepcopy(rendered["dev"])
    find(objects, "Service", "journey")["spec"]["selector"] = {"app.kubernetes.io/name": "jouney"}
    assert check_all(objects, production=False) == [
        "Service/journey: selector {'app.kubernetes.io/name': 'jouney'} matches no workload's pod labels"
    ]


def test_missing_secret_key_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = copy.deepcopy(rendered["dev"])
    del find(objects, "Secret", "crm-secrets")["data"]["JWT_SECRET"]
    assert check_all(objects, production=False) == [
        "Deployment/gateway: uses key JWT_SECRET of Secret/crm-secrets, which has no such key"
    ]


def test_autoscaler_for_a_missing_deployment_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = copy.deepcopy(rendered["prod"])
    find(objects, "HorizontalPodAutoscaler", "intent")["spec"]["scaleTargetRef"]["name"] = "intnet"
    assert check_all(objects, production=True) == [
        "HorizontalPodAutoscaler/intent: scaleTargetRef Deployment/intnet is not rendered",
        "Deployment/intent: no HorizontalPodAutoscaler targets it",
    ]


def test_selector_expressions_follow_kubernetes_semantics() -> None:
    labels = {"app.kubernetes.io/name": "tags", "tier": "backend"}
    expression = {"key": "app.kubernetes.io/name", "operator": "In", "values": ["tags", "leads"]}
    assert selector_matches({"matchExpressions": [expression]}, labels)
    assert not selector_matches({"matchExpressions": [{**expression, "operator": "NotIn"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, labels)
    assert not selector_matches({"matchLabels": {"tier": "backend", "x": "y"}}, labels)


def test_prod_network_policies_let_only_the_gateway_and_peers_reach_the_services(
    rendered: dict[str, list[dict]],
) -> None:
    policy = find(rendered["prod"], "NetworkPolicy", "services-from-gateway-and-peers")
    allowed = policy["spec"]["ingress"][0]["from"][0]["podSelector"]
    pods = {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
        for o in rendered["prod"]
        if o["kind"] in ("Deployment", "StatefulSet")
    }
    assert {name for name, labels in pods.items() if selector_matches(allowed, labels)} == {
        "gateway",
        "tags",
        "journey",
        "intent",
        "leads",
    }
    assert all(
        selector_matches(policy["spec"]["podSelector"], pods[name])
        for name in ("tags", "journey", "intent", "leads")
    )
    assert not selector_matches(policy["spec"]["podSelector"], pods["gateway"])


def test_renderable_copy_fills_git_ignored_secrets_from_the_example(tmp_path: Path) -> None:
    (tmp_path / "overlays").mkdir()
    (tmp_path / "overlays" / "secrets.env.example").write_text("A=example\n")
    with renderable_copy(tmp_path) as root:
        assert (root / "overlays" / "secrets.env").read_text() == "A=example\n"
    assert not (tmp_path / "overlays" / "secrets.env").exists()
