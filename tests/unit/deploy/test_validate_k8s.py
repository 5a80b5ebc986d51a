from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.validate_k8s import ROOT, main, normalised


def test_shipped_overlays_validate_and_print_one_summary_per_overlay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--kubernetes-version", "1.30.0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "dev: 23 objects valid for Kubernetes 1.30.0 (ConfigMap 3, Deployment 5, Job 1, Namespace 1, Secret 3, Service 8, StatefulSet 2)",
        "prod: 40 objects valid for Kubernetes 1.30.0 (ConfigMap 3, Deployment 5, HorizontalPodAutoscaler 5, Job 1, "
        "Namespace 1, NetworkPolicy 5, PodDisruptionBudget 7, Secret 3, Service 8, StatefulSet 2)",
    ]


def copy_of_manifests(tmp_path: Path) -> Path:
    root = tmp_path / "k8s"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("secrets.env"))
    (root / "overlays" / "dev" / "secrets.env").write_text(
        (ROOT / "overlays" / "dev" / "secrets.env").read_text()
    )
    return root


def test_unknown_field_fails_strict_schema_validation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of_manifests(tmp_path)
    gateway = root / "base" / "gateway.yaml"
    gateway.write_text(
        gateway.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 5\n  replica: 2")
    )
    assert main(["--root", str(root), "--kubernetes-version", "1.30.0", "dev"]) == 1
    err = capsys.readouterr().err
    assert "dev: 1 problem(s)" in err
    assert "Deployment/gateway: invalid for Kubernetes 1.30.0" in err
    assert "'replica' was unexpected" in err


def test_wrong_type_and_render_errors_are_reported_per_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_of_manifests(tmp_path)
    tags = root / "base" / "tags.yaml"
    tags.write_text(
        tags.read_text().replace(
            "port: 50051\n            periodSeconds: 5", "port: grpc-port\n            periodSeconds: 5"
        )
    )
    (root / "overlays" / "prod" / "disruption-budgets.yaml").unlink()
    assert main(["--root", str(root), "--kubernetes-version", "1.30.0"]) == 1
    err = capsys.readouterr().err
    assert (
        "dev: Deployment/tags: invalid for Kubernetes 1.30.0: spec.template.spec.containers.0.readinessProbe.grpc.port"
        in err
    )
    assert "prod: cannot render:" in err and "disruption-budgets.yaml" in err


def test_unknown_overlay_name_fails() -> None:
    assert main(["staging"]) == 1


def test_comparison_ignores_the_order_of_list_items_but_not_of_arguments() -> None:
    a = {
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"env": [{"name": "A"}, {"name": "B"}], "args": ["x", "y"]},
    }
    b = {
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"env": [{"name": "B"}, {"name": "A"}], "args": ["x", "y"]},
    }
    c = {
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"env": [{"name": "A"}, {"name": "B"}], "args": ["y", "x"]},
    }
    assert normalised([a]) == normalised([b])
    assert normalised([a]) != normalised([c])
