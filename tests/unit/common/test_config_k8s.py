"""The shipped manifests give every process settings it accepts: what each pod's environment would be.

A pod's environment is built from the rendered objects exactly as the kubelet does for our specs
(`envFrom` ConfigMaps, `env` values and Secret keys), then parsed by the same `from_env` the process
runs at start.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from common.config import Environment, GatewaySettings, Settings
from scripts.kustomize_subset import render
from scripts.validate_k8s import ROOT, renderable_copy

SERVICES = ("tags", "journey", "intent", "leads")


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, list[dict[str, Any]]]]:
    with renderable_copy(ROOT) as root:
        yield {name: render(root / "overlays" / name) for name in ("dev", "prod")}


def pod_environment(objects: list[dict[str, Any]], deployment: str) -> dict[str, str]:
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    [container] = [
        c
        for c in by_name[("Deployment", deployment)]["spec"]["template"]["spec"]["containers"]
        if c["name"] == deployment
    ]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(by_name[("ConfigMap", source["configMapRef"]["name"])]["data"])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            secret = by_name[("Secret", ref["name"])]
            raw = secret.get("stringData", {}).get(ref["key"])
            env[item["name"]] = (
                raw if raw is not None else base64.b64decode(secret["data"][ref["key"]]).decode()
            )
        else:
            env[item["name"]] = item.get("value", "")
    return env


def test_dev_overlay_runs_in_development(rendered: dict[str, list[dict[str, Any]]]) -> None:
    gateway = GatewaySettings.from_env(pod_environment(rendered["dev"], "gateway"))
    assert gateway.env is Environment.DEVELOPMENT
    for service in SERVICES:
        assert (
            Settings.from_env(service, pod_environment(rendered["dev"], service)).env
            is Environment.DEVELOPMENT
        )


def test_prod_overlay_is_production_with_jwks_and_no_shared_jwt_secret(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    env = pod_environment(rendered["prod"], "gateway")
    assert "JWT_SECRET" not in env
    gateway = GatewaySettings.from_env(env)
    assert gateway.env is Environment.PRODUCTION
    assert gateway.hs256_secret is None
    assert (gateway.jwt_jwks_url or "").startswith("https://")
    assert gateway.jwt_issuer and gateway.jwt_audience
    for service in SERVICES:
        settings = Settings.from_env(service, pod_environment(rendered["prod"], service))
        assert (settings.env, settings.stream_replicas) == (Environment.PRODUCTION, 3)
        assert (settings.nats_user, bool(settings.nats_password)) == (service, True)
