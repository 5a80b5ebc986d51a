from __future__ import annotations

import pytest

from common import cloudevents
from common.errors import InvalidArgument
from common.ids import client_id_or_new, is_valid_tenant, new_customer_id, require_customer_id, ulid
from common.paging import decode_cursor, encode_cursor, page_size


def test_customer_ids_are_well_formed_and_sort_by_creation_time() -> None:
    earlier, later = ulid(1_700_000_000_000), ulid(1_700_000_000_001)
    assert earlier < later
    assert require_customer_id(new_customer_id())


@pytest.mark.parametrize("bad", ["", "cus_", "cus_123", "abc", "cus_" + "I" * 26, "'; drop"])
def test_malformed_customer_id_names_the_field(bad: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        require_customer_id(bad, field="customer.id")
    assert err.value.field == "customer.id"


def test_client_ids_are_kept_or_generated() -> None:
    assert client_id_or_new("web:visit-1", prefix="sig", field="id") == "web:visit-1"
    assert client_id_or_new("", prefix="sig", field="id").startswith("sig_")
    with pytest.raises(InvalidArgument):
        client_id_or_new("has space", prefix="sig", field="signals[0].id")


@pytest.mark.parametrize(
    ("tenant", "ok"), [("acme", True), ("demo-2", True), ("a.b", False), ("", False), ("A", False)]
)
def test_tenants_are_subject_safe_slugs(tenant: str, ok: bool) -> None:
    assert is_valid_tenant(tenant) is ok


def test_cursor_round_trips_and_tampering_is_a_client_error() -> None:
    token = encode_cursor({"id": "cus_1", "at": "2026-01-01"})
    assert decode_cursor(token) == {"id": "cus_1", "at": "2026-01-01"}
    assert decode_cursor("") is None
    with pytest.raises(InvalidArgument) as err:
        decode_cursor("!!not-a-token")
    assert err.value.field == "page_token"


def test_page_size_defaults_and_rejects_out_of_range() -> None:
    assert page_size(0) == 50
    assert page_size(10) == 10
    with pytest.raises(InvalidArgument):
        page_size(201)
    with pytest.raises(InvalidArgument):
        page_size(-1)


def test_cloudevent_envelope_and_its_checks() -> None:
    event = cloudevents.make_event(
        type="crm.tags.assigned.v1", source="crm/tags", tenant="acme", data={"a": 1}
    )
    assert event["specversion"] == "1.0" and event["tenantid"] == "acme" and event["id"].startswith("evt_")
    assert cloudevents.decode(cloudevents.encode(event)) == event
    for bad in [
        b"not json",
        b"[]",
        b'{"specversion":"1.0"}',
        b'{"specversion":"0.3","id":"1","source":"s","type":"t"}',
    ]:
        with pytest.raises(InvalidArgument):
            cloudevents.decode(bad)
