from __future__ import annotations

import pytest

from scripts.kustomize_transforms import (
    KustomizeError,
    add_labels,
    set_images,
    set_namespace,
    set_replicas,
    split_image,
    strategic_merge,
)


def deployment(name: str = "tags", image: str = "crm-intel:0.1.0") -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": image,
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"name": "grpc", "containerPort": 50051}],
                        }
                    ]
                },
            },
        },
    }


def test_patch_merges_env_by_name_and_keeps_other_entries() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "tags", "env": [{"name": "B", "value": "9"}, {"name": "C", "value": "3"}]}
                    ]
                }
            }
        }
    }
    merged = strategic_merge(deployment(), patch)
    container = merged["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "9"},
        {"name": "C", "value": "3"},
    ]
    assert container["image"] == "crm-intel:0.1.0"


def test_patch_null_deletes_a_field_and_delete_directive_removes_a_list_item() -> None:
    patch = {
        "spec": {
            "selector": None,
            "template": {
                "spec": {"containers": [{"name": "tags", "env": [{"name": "A", "$patch": "delete"}]}]}
            },
        }
    }
    merged = strategic_merge(deployment(), patch)
    assert "selector" not in merged["spec"]
    assert merged["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "B", "value": "2"}]


def test_patch_replaces_lists_without_a_merge_key_and_leaves_the_input_unchanged() -> None:
    original = deployment()
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "tags", "command": ["python", "-m", "x"]}]}}}
    }
    merged = strategic_merge(original, {**patch})
    merged = strategic_merge(
        merged, {"spec": {"template": {"spec": {"containers": [{"name": "tags", "command": ["y"]}]}}}}
    )
    assert merged["spec"]["template"]["spec"]["containers"][0]["command"] == ["y"]
    assert "command" not in original["spec"]["template"]["spec"]["containers"][0]


def test_configmap_patch_overrides_only_the_given_keys() -> None:
    config = {
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"CRM_ENV": "prod", "LOG_LEVEL": "INFO"},
    }
    merged = strategic_merge(
        config, {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"CRM_ENV": "dev"}}
    )
    assert merged["data"] == {"CRM_ENV": "dev", "LOG_LEVEL": "INFO"}


def test_unsupported_patch_directive_is_rejected() -> None:
    with pytest.raises(KustomizeError, match="retainKeys"):
        strategic_merge(deployment(), {"spec": {"$retainKeys": ["x"]}})


def test_namespace_is_set_on_namespaced_objects_only() -> None:
    objects = [{"kind": "Namespace", "metadata": {"name": "crm"}}, deployment()]
    namespaced = set_namespace(objects, "crm")
    assert "namespace" not in namespaced[0]["metadata"]
    assert namespaced[1]["metadata"]["namespace"] == "crm"


def test_labels_reach_templates_but_never_selectors() -> None:
    statefulset = {
        "kind": "StatefulSet",
        "metadata": {"name": "nats"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
        },
    }
    labelled = add_labels([deployment(), statefulset], {"part-of": "crm"}, include_templates=True)
    assert labelled[0]["metadata"]["labels"]["part-of"] == "crm"
    assert labelled[0]["spec"]["template"]["metadata"]["labels"] == {
        "app.kubernetes.io/name": "tags",
        "part-of": "crm",
    }
    assert labelled[0]["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "tags"}}
    assert labelled[1]["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] == {"part-of": "crm"}
    plain = add_labels([deployment()], {"part-of": "crm"}, include_templates=False)
    assert "part-of" not in plain[0]["spec"]["template"]["metadata"]["labels"]


def test_replicas_are_set_by_name_and_an_unknown_name_is_an_error() -> None:
    assert set_replicas([deployment()], {"tags": 1})[0]["spec"]["replicas"] == 1
    with pytest.raises(KustomizeError, match="tagz"):
        set_replicas([deployment()], {"tagz": 1})


def test_images_are_renamed_and_retagged_by_name_ignoring_the_old_tag() -> None:
    objects = [deployment(image="crm-intel:0.1.0"), deployment(name="nats", image="nats:2.10-alpine")]
    rewritten = set_images(
        objects, [{"name": "crm-intel", "newName": "ghcr.io/acme/crm-intel", "newTag": "1.2.3"}]
    )
    images = [o["spec"]["template"]["spec"]["containers"][0]["image"] for o in rewritten]
    assert images == ["ghcr.io/acme/crm-intel:1.2.3", "nats:2.10-alpine"]
    pinned = set_images(objects, [{"name": "crm-intel", "digest": "sha256:abc"}])
    assert pinned[0]["spec"]["template"]["spec"]["containers"][0]["image"] == "crm-intel@sha256:abc"


def test_image_split_does_not_mistake_a_registry_port_for_a_tag() -> None:
    assert split_image("registry:5000/crm-intel") == ("registry:5000/crm-intel", "", "")
    assert split_image("registry:5000/crm-intel:dev@sha256:1") == (
        "registry:5000/crm-intel",
        "dev",
        "sha256:1",
    )
