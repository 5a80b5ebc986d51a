"""deploy/k8s ships the NATS permission model: users in a Secret, one password per workload."""

from __future__ import annotations

import base64
import copy
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from common import nats_auth
from common.config import SERVICES
from common.local_servers import _binary
from scripts.k8s_checks import check_all
from scripts.kustomize_subset import render
from scripts.nats_config import render as render_auth
from scripts.validate_k8s import ROOT, renderable_copy

WORKLOADS = (*SERVICES, nats_auth.GATEWAY)


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, list[dict]]]:
    with renderable_copy(ROOT) as root:
        yield {name: render(root / "overlays" / name) for name in ("dev", "prod")}


def find(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def secret_values(objects: list[dict], name: str) -> dict[str, str]:
    data = find(objects, "Secret", name).get("data", {})
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def test_shipped_auth_conf_is_what_the_model_renders(rendered: dict[str, list[dict]]) -> None:
    for objects in rendered.values():
        assert find(objects, "Secret", "nats-auth")["stringData"]["auth.conf"] == render_auth(), (
            "deploy/k8s/base/nats.yaml is stale: paste `python -m scripts.nats_config` into Secret nats-auth"
        )
        assert not any(
            "authorization" in value
            for o in objects
            if o["kind"] == "ConfigMap"
            for value in o.get("data", {}).values()
        )


def test_each_workload_connects_as_its_own_user(rendered: dict[str, list[dict]]) -> None:
    for objects in rendered.values():
        for workload in WORKLOADS:
            env = {
                e["name"]: e
                for e in find(objects, "Deployment", workload)["spec"]["template"]["spec"]["containers"][0][
                    "env"
                ]
            }
            assert env["NATS_USER"]["value"] == workload
            assert env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
                "name": "nats-credentials",
                "key": nats_auth.password_variable(workload),
            }


def test_credentials_secret_has_a_password_for_every_user(rendered: dict[str, list[dict]]) -> None:
    for objects in rendered.values():
        keys = set(secret_values(objects, "nats-credentials"))
        assert keys == {nats_auth.password_variable(name) for name in nats_auth.user_names()}


def test_a_missing_auth_secret_is_reported(rendered: dict[str, list[dict]]) -> None:
    objects = [o for o in copy.deepcopy(rendered["dev"]) if o["metadata"]["name"] != "nats-auth"]
    assert "StatefulSet/nats: uses Secret/nats-auth, which is not rendered" in check_all(
        objects, production=False
    )


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_nats_server_accepts_the_rendered_config(
    rendered: dict[str, list[dict]], tmp_path: Path, overlay: str
) -> None:
    """The real nats-server parses nats.conf + auth.conf with the passwords, and refuses without them."""
    objects = rendered[overlay]
    (tmp_path / "nats.conf").write_text(find(objects, "ConfigMap", "nats-config")["data"]["nats.conf"])
    (tmp_path / "auth.conf").write_text(find(objects, "Secret", "nats-auth")["stringData"]["auth.conf"])
    env = {"POD_NAME": "nats-0", **secret_values(objects, "nats-credentials")}
    command = [_binary("nats-server"), "-c", "nats.conf", "-t"]
    ok = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    del env[nats_auth.password_variable("tags")]
    refused = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0
    assert "NATS_PASSWORD_TAGS" in refused.stderr
