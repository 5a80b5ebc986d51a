from __future__ import annotations

import base64
from pathlib import Path

import pytest

from scripts.kustomize_subset import render
from scripts.kustomize_transforms import KustomizeError

BASE_KUSTOMIZATION = """
namespace: crm
labels:
  - pairs: {app.kubernetes.io/part-of: crm}
    includeTemplates: true
resources: [app.yaml]
images:
  - {name: crm-intel, newTag: "0.1.0"}
"""
APP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: crm-config}
data: {CRM_ENV: prod, LOG_LEVEL: INFO}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tags}
spec:
  selector: {matchLabels: {app: tags}}
  template:
    metadata: {labels: {app: tags}}
    spec:
      containers:
        - {name: tags, image: crm-intel, env: [{name: A, value: "1"}]}
"""
OVERLAY_KUSTOMIZATION = """
namespace: crm
resources: [../base]
replicas: [{name: tags, count: 1}]
images: [{name: crm-intel, newTag: dev}]
generatorOptions: {disableNameSuffixHash: true}
secretGenerator:
  - {name: crm-secrets, envs: [secrets.env], literals: ["EXTRA=x"]}
patches:
  - path: config.yaml
  - patch: |
      kind: Deployment
      metadata: {name: tags}
      spec: {template: {spec: {containers: [{name: tags, env: [{name: B, value: "2"}]}]}}}
"""


def write_tree(root: Path, *, overlay: str = OVERLAY_KUSTOMIZATION) -> Path:
    (root / "base").mkdir()
    (root / "base" / "kustomization.yaml").write_text(BASE_KUSTOMIZATION)
    (root / "base" / "app.yaml").write_text(APP)
    (root / "dev").mkdir()
    (root / "dev" / "kustomization.yaml").write_text(overlay)
    (root / "dev" / "secrets.env").write_text("# comment\nTOKEN=s3cret=yes\n\n")
    (root / "dev" / "config.yaml").write_text(
        "kind: ConfigMap\nmetadata: {name: crm-config}\ndata: {CRM_ENV: dev}\n"
    )
    return root / "dev"


def by_kind(objects: list[dict]) -> dict[str, dict]:
    return {o["kind"]: o for o in objects}


def test_overlay_renders_base_with_patches_generators_replicas_and_images(tmp_path: Path) -> None:
    objects = by_kind(render(write_tree(tmp_path)))
    assert objects["ConfigMap"]["data"] == {"CRM_ENV": "dev", "LOG_LEVEL": "INFO"}
    deployment = objects["Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "crm-intel:dev"
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["metadata"]["namespace"] == "crm"
    assert deployment["spec"]["template"]["metadata"]["labels"] == {
        "app": "tags",
        "app.kubernetes.io/part-of": "crm",
    }
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "tags"}}
    secret = objects["Secret"]
    assert secret["metadata"] == {"name": "crm-secrets", "namespace": "crm"}
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {
        "TOKEN": "s3cret=yes",
        "EXTRA": "x",
    }


def test_a_field_outside_the_subset_is_rejected_by_name(tmp_path: Path) -> None:
    overlay = write_tree(
        tmp_path, overlay="resources: [../base]\ncommonAnnotations: {a: b}\nnamePrefix: x-\n"
    )
    with pytest.raises(KustomizeError, match="commonAnnotations, namePrefix"):
        render(overlay)


def test_generators_with_hashed_names_are_rejected(tmp_path: Path) -> None:
    overlay = write_tree(
        tmp_path, overlay="resources: [../base]\nsecretGenerator: [{name: s, literals: [A=b]}]\n"
    )
    with pytest.raises(KustomizeError, match="disableNameSuffixHash"):
        render(overlay)


def test_missing_env_file_is_an_error_naming_the_generator(tmp_path: Path) -> None:
    overlay = write_tree(tmp_path)
    (overlay / "secrets.env").unlink()
    with pytest.raises(KustomizeError, match="crm-secrets"):
        render(overlay)


def test_patch_for_an_object_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    overlay = write_tree(tmp_path, overlay="resources: [../base]\npatches: [{path: config.yaml}]\n")
    (overlay / "config.yaml").write_text("kind: ConfigMap\nmetadata: {name: other}\ndata: {}\n")
    with pytest.raises(KustomizeError, match="ConfigMap/other matches 0 objects"):
        render(overlay)


def test_an_object_defined_twice_is_an_error(tmp_path: Path) -> None:
    overlay = write_tree(tmp_path, overlay="namespace: crm\nresources: [../base, ../base/app.yaml]\n")
    with pytest.raises(KustomizeError, match="defined twice"):
        render(overlay)


def test_selector_labels_are_refused(tmp_path: Path) -> None:
    overlay = write_tree(
        tmp_path, overlay="resources: [../base]\nlabels: [{pairs: {a: b}, includeSelectors: true}]\n"
    )
    with pytest.raises(KustomizeError, match="includeSelectors"):
        render(overlay)
