"""docs/authorization.md, the code's role tables, the schema and the protos say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from strawberry.permission import PermissionExtension

from common.roles import READ, RPC_ROLES
from gateway.permissions import OPERATION_ROLES, RequireRoles
from gateway.schema import Mutation, Query, Subscription

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "authorization.md"
ANY_AUTHENTICATED = "any authenticated caller"


def doc_table(heading: str) -> dict[str, frozenset[str]]:
    """The `| name | roles | notes |` rows under `heading`, as name -> roles."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        match = re.match(r"^\| `([^`]+)` \| ([^|]+) \|", line)
        if match:
            name, roles = match.group(1), match.group(2).strip()
            assert name not in rows, f"{name} has two rows"
            parsed = (
                frozenset() if roles == ANY_AUTHENTICATED else frozenset(r.strip() for r in roles.split(","))
            )
            rows[name] = parsed
    return rows


def schema_root_fields() -> set[str]:
    """`Type.field` of every root field printed in gateway/schema.graphql."""
    text = (ROOT / "gateway" / "schema.graphql").read_text(encoding="utf-8")
    fields: set[str] = set()
    for root in ("Query", "Mutation", "Subscription"):
        body = text.split(f"\ntype {root} {{\n", 1)[1].split("\n}", 1)[0]
        fields |= {f"{root}.{m}" for m in re.findall(r"^  (\w+)[(:]", body, flags=re.MULTILINE)}
    return fields


def proto_rpcs() -> set[str]:
    """`/package.Service/Method` of every rpc in protos/crm/*/v1/*.proto."""
    names: set[str] = set()
    for proto in sorted((ROOT / "protos" / "crm").glob("*/v1/*.proto")):
        text = proto.read_text(encoding="utf-8")
        [package] = re.findall(r"^package ([\w.]+);", text, flags=re.MULTILINE)
        for service, body in re.findall(r"^service (\w+) \{(.*?)^\}", text, flags=re.MULTILINE | re.DOTALL):
            names |= {f"/{package}.{service}/{rpc}" for rpc in re.findall(r"^\s*rpc (\w+)\(", body, re.M)}
    return names


def test_every_graphql_operation_has_one_row_in_the_doc_and_the_code() -> None:
    fields = schema_root_fields()
    assert len(fields) > 15
    assert set(doc_table("GraphQL operations")) == fields
    assert set(OPERATION_ROLES) == fields


def test_the_doc_and_the_gateway_table_agree_role_by_role() -> None:
    assert doc_table("GraphQL operations") == OPERATION_ROLES


def test_every_rpc_has_one_row_in_the_doc_and_the_code() -> None:
    rpcs = proto_rpcs()
    assert len(rpcs) > 20
    assert set(RPC_ROLES) == rpcs
    assert {f"/{name}" for name in doc_table("gRPC RPCs")} == rpcs


def test_the_doc_and_the_service_table_agree_role_by_role() -> None:
    assert {f"/{name}": roles for name, roles in doc_table("gRPC RPCs").items()} == RPC_ROLES


def test_a_viewer_may_only_read() -> None:
    changes = [op for op in OPERATION_ROLES if op.startswith("Mutation.")]
    assert all("viewer" not in OPERATION_ROLES[op] for op in changes)
    assert all(OPERATION_ROLES[op] == READ for op in OPERATION_ROLES if op.startswith("Subscription."))
    assert OPERATION_ROLES["Mutation.defineTag"] == {"admin", "tag_admin"}


def test_no_end_user_operation_grants_the_platform_role() -> None:
    assert all("platform" not in roles for roles in OPERATION_ROLES.values())


@pytest.mark.parametrize("root", [Query, Mutation, Subscription], ids=lambda t: t.__name__)
def test_every_root_field_carries_the_guard_of_its_own_row(root: type) -> None:
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        name = f"{root.__name__}.{field.graphql_name or _camel(field.python_name)}"
        guards = [
            p.operation
            for ext in field.extensions
            if isinstance(ext, PermissionExtension)
            for p in ext.permissions
            if isinstance(p, RequireRoles)
        ]
        assert guards == [name], f"{name} is guarded by {guards}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
