"""What the tags service publishes on NATS: CloudEvents, de-duplicable by their id."""

from __future__ import annotations

from crm.tags.v1 import tags_pb2 as T

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, enum_tag, flag_tag, wait_for_events
from tests.support.events import connect, subscribe
from tests.support.rpc import metadata

MD = metadata("acme")
PLATFORM = metadata("acme", roles="platform")  # an importer: machine provenance is the platform's


async def test_assignment_publishes_an_assigned_cloudevent_with_its_id_as_msg_id(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.>")
        await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
        customer = await tags.customer()
        item = T.TagAssignmentInput(
            tag_key="industry", value="auto", source=T.TAG_SOURCE_IMPORT, confidence=0.8
        )
        await tags.stub.AssignTags(assign(customer, item), metadata=PLATFORM)

        [(event, headers)] = await wait_for_events(
            collector, lambda e: e["type"] == "crm.tags.assigned.v1", 1
        )
    finally:
        await nc.close()

    assert headers["Nats-Msg-Id"] == event["id"]
    assert event["specversion"] == "1.0"
    assert (event["tenantid"], event["subject"]) == ("acme", customer)
    data = event["data"]
    assert {k: data[k] for k in ("customer_id", "tag_key", "value", "previous_value", "source", "actor")} == {
        "customer_id": customer,
        "tag_key": "industry",
        "value": "auto",
        "previous_value": "",
        "source": "import",
        "actor": "user-1",
    }
    assert data["confidence"] == 0.8


async def test_exclusive_replacement_publishes_removed_for_the_displaced_tag(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    for key in ("size-large", "size-small"):
        await tags.stub.DefineTag(flag_tag(key, group="size", exclusive=True), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("size-small", "")), metadata=MD)
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.*")
        await tags.stub.AssignTags(assign(customer, ("size-large", "")), metadata=MD)
        found = await wait_for_events(collector, lambda e: True, 2)
    finally:
        await nc.close()

    by_type = {e["type"]: e["data"] for e, _ in found}
    assert by_type["crm.tags.assigned.v1"]["tag_key"] == "size-large"
    removed = by_type["crm.tags.removed.v1"]
    assert (removed["tag_key"], removed["action"], removed["source"]) == ("size-small", "replaced", "manual")


async def test_define_tag_publishes_definition_changed(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.definition_changed")
        await tags.stub.DefineTag(enum_tag("industry", ["retail"]), metadata=MD)
        [(event, _)] = await wait_for_events(collector, lambda e: True, 1)
    finally:
        await nc.close()

    assert event["type"] == "crm.tags.definition_changed.v1"
    assert {k: event["data"][k] for k in ("key", "value_type", "allowed_values", "created")} == {
        "key": "industry",
        "value_type": "enum",
        "allowed_values": ["retail"],
        "created": True,
    }


async def test_an_archive_says_who_archived_the_tag_and_why(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await tags.stub.DefineTag(flag_tag("old-campaign"), metadata=MD)
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.definition_changed")
        await tags.stub.SetTagStatus(
            T.SetTagStatusRequest(
                key="old-campaign", status=T.TAG_STATUS_DEPRECATED, reason="campaign ended in October"
            ),
            metadata=MD,
        )
        await tags.stub.ArchiveTags(
            T.ArchiveTagsRequest(keys=["old-campaign"], reason="dead-tag review"), metadata=MD
        )
        found = await wait_for_events(collector, lambda e: True, 2)
    finally:
        await nc.close()
    assert [(e["data"]["status"], e["data"]["actor"], e["data"]["reason"]) for e, _ in found] == [
        ("deprecated", "user-1", "campaign ended in October"),
        ("archived", "user-1", "dead-tag review"),
    ]
