"""The permission model as data: what each user may publish and subscribe to, and local credentials."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from common import nats_auth


def test_services_publish_only_their_own_events_and_dead_letters() -> None:
    perms = nats_auth.service_permissions("journey", root="crm")
    domain = [s for s in perms.publish_allow if not s.startswith("$")]
    assert domain == ["crm.evt.*.journey.>", "crm.dlq.journey"]
    assert perms.subscribe_allow == ("_INBOX.journey.>",)


def test_partner_permissions_name_one_tenant_and_one_durable() -> None:
    perms = nats_auth.partner_permissions("acme", root="crm")
    assert perms.publish_allow == (
        "crm.in.acme.>",
        "$JS.API.CONSUMER.INFO.CRM_EVT.partner-acme",
        "$JS.API.CONSUMER.MSG.NEXT.CRM_EVT.partner-acme",
        "$JS.ACK.CRM_EVT.partner-acme.>",
    )
    assert "$JS.API.DIRECT.GET.>" in perms.publish_deny
    assert perms.subscribe_allow == ("_INBOX.partner-acme.>",)


def test_wildcard_root_covers_every_test_namespace_without_repeats() -> None:
    perms = nats_auth.service_permissions("tags", root="*")
    assert "*.evt.*.tags.>" in perms.publish_allow
    assert "$JS.API.STREAM.CREATE.*" in perms.publish_allow
    assert len(perms.publish_allow) == len(set(perms.publish_allow))


def test_gateway_publishes_nothing() -> None:
    assert nats_auth.gateway_permissions(root="crm").publish_deny == (">",)


def test_a_partner_for_an_invalid_tenant_is_refused() -> None:
    with pytest.raises(ValueError, match="tenant"):
        nats_auth.partner_user("acme.>")


def test_local_credentials_are_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "auth" / "credentials.json"
    first = nats_auth.load_or_generate(path, partners=["demo"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = nats_auth.load_or_generate(path, partners=["demo", "acme"])
    assert again.password("tags") == first.password("tags")
    assert again.password("partner-acme") != first.password("partner-demo")
    assert len({first.password(name) for name in nats_auth.user_names(["demo"])}) == 7


def test_rendered_config_quotes_literals_and_leaves_variable_references_bare() -> None:
    text = nats_auth.render_authorization(
        [nats_auth.User(name="a", password="p w"), nats_auth.User(name="b", password="$B_PASSWORD")]
    )
    assert '{ user: "a", password: "p w" }' in text
    assert '{ user: "b", password: $B_PASSWORD }' in text
