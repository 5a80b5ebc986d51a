"""The governed library through GraphQL, as a tag steward uses it: create, update without losing
hints, find by Chinese text, merge with history, and another tenant seeing none of it."""

from __future__ import annotations

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, gql, ok
from tests.support.stack import Stack

HINTED = {
    "key": "pref.minimal",
    "displayName": "极简风",
    "hints": {"keywords": ["极简", "简约"]},
}
TAG = """query($k: String!) { tag(key: $k) { definition { key displayName status mergedInto
  hints { keywords } } usage { customers segments { id } rules } } }"""
UPDATE = """mutation($k: String!, $i: UpdateTagInput!) { updateTag(key: $k, input: $i) {
  displayName description hints { keywords } } }"""
SEARCH = """query($s: String) { tagDefinitions(search: $s, first: 10) {
  edges { node { definition { key } } } pageInfo { hasNextPage } } }"""
HISTORY = """query($id: ID!) { customer(id: $id) { tags { key source actor assignedAt }
  tagHistory(first: 20) { entries { tagKey action reason } } } }"""


async def test_a_resent_definition_conflicts_and_an_update_keeps_the_hints(stack: Stack) -> None:
    async with stack.client() as admin:
        await ok(admin, DEFINE_TAG, input=HINTED)
        resent = await gql(admin, DEFINE_TAG, input={"key": "pref.minimal", "displayName": "极简"})
        same = await ok(admin, DEFINE_TAG, input=HINTED)  # an exact retry is fine
        renamed = await ok(admin, UPDATE, k="pref.minimal", i={"displayName": "极简风格"})
        described = await ok(admin, UPDATE, k="pref.minimal", i={"description": "likes clean lines"})
        nulled = await gql(admin, UPDATE, k="pref.minimal", i={"hints": None})
        after = await ok(admin, TAG, k="pref.minimal")

    assert codes(resent) == ["CONFLICT"]
    assert resent["errors"][0]["extensions"]["fields"][0]["field"] == "input.key"
    assert same["defineTag"]["displayName"] == "极简风"
    assert renamed["updateTag"]["hints"]["keywords"] == ["极简", "简约"]
    assert described["updateTag"]["displayName"] == "极简风格"
    assert codes(nulled) == ["BAD_USER_INPUT"]
    assert nulled["errors"][0]["extensions"]["fields"][0]["field"] == "input.hints"
    definition = after["tag"]["definition"]
    assert (definition["displayName"], definition["hints"]["keywords"]) == ("极简风格", ["极简", "简约"])


async def test_the_library_is_found_by_chinese_text_and_case_insensitive_key(stack: Stack) -> None:
    async with stack.client() as admin:
        await ok(admin, DEFINE_TAG, input=HINTED)
        await ok(admin, DEFINE_TAG, input={"key": "vip.gold", "displayName": "黄金客户"})
        await ok(admin, DEFINE_TAG, input={"key": "vip.silver", "displayName": "白银客户"})
        chinese = await ok(admin, SEARCH, s="客户")
        upper = await ok(admin, SEARCH, s="VIP.G")
    async with stack.client("globex") as other:
        theirs = await ok(other, SEARCH, s="客户")
        missing = await gql(other, TAG, k="vip.gold")

    def keys(data: dict) -> list[str]:  # type: ignore[type-arg]
        return [e["node"]["definition"]["key"] for e in data["tagDefinitions"]["edges"]]

    assert keys(chinese) == ["vip.gold", "vip.silver"]
    assert keys(upper) == ["vip.gold"]
    assert keys(theirs) == [] and codes(missing) == ["NOT_FOUND"]


async def test_a_merge_moves_values_with_provenance_and_the_history_says_so(stack: Stack) -> None:
    async with stack.client() as admin:
        await ok(admin, DEFINE_TAG, input={"key": "style.min", "displayName": "极简"})
        await ok(admin, DEFINE_TAG, input=HINTED)
        moved_id = await create_customer(admin, "Merge Ma", "merge.ma@example.com")
        kept_id = await create_customer(admin, "Merge Mo", "merge.mo@example.com")
        await ok(admin, ASSIGN_TAGS, id=moved_id, tags=[{"key": "style.min"}])
        await ok(admin, ASSIGN_TAGS, id=kept_id, tags=[{"key": "style.min"}, {"key": "pref.minimal"}])
        before = await ok(admin, HISTORY, id=moved_id)
        merge = await ok(
            admin,
            'mutation { mergeTags(sourceKey: "style.min", targetKey: "pref.minimal") '
            "{ status moved keptTarget sourceKey targetKey } }",
        )
        moved = await ok(admin, HISTORY, id=moved_id)
        kept = await ok(admin, HISTORY, id=kept_id)
        source = await ok(admin, TAG, k="style.min")
        assign_again = await gql(admin, ASSIGN_TAGS, id=moved_id, tags=[{"key": "style.min"}])
        restore = await gql(admin, 'mutation { restoreTag(key: "style.min") { status } }')

    assert merge["mergeTags"] == {
        "status": "DONE",
        "moved": 1,
        "keptTarget": 1,
        "sourceKey": "style.min",
        "targetKey": "pref.minimal",
    }
    [old] = before["customer"]["tags"]
    [new] = moved["customer"]["tags"]
    assert new == {**old, "key": "pref.minimal"}  # source, actor and assignedAt travel with the value
    entries = moved["customer"]["tagHistory"]["entries"]
    assert entries[:2] == [
        {"tagKey": "pref.minimal", "action": "merged", "reason": "merged from style.min"},
        {"tagKey": "style.min", "action": "merged", "reason": "merged into pref.minimal"},
    ]
    assert [t["key"] for t in kept["customer"]["tags"]] == ["pref.minimal"]
    assert kept["customer"]["tagHistory"]["entries"][0]["reason"].startswith("merged into pref.minimal; kept")
    assert source["tag"]["definition"]["status"] == "ARCHIVED"
    assert source["tag"]["definition"]["mergedInto"] == "pref.minimal"
    assert codes(assign_again) == ["BAD_USER_INPUT"] and codes(restore) == ["CONFLICT"]


DEAD = """query($d: Int!) { deadTags(unusedDays: $d, first: 100) { totalCount
  edges { node { reason definition { key } usage { customers lastAssignedAt lastRemovedAt } } } } }"""
ARCHIVE = """mutation($k: [String!]!) { archiveTags(keys: $k) { archived { key status } skipped { key reason } } }"""
ACTIVE = (
    """query { tagDefinitions(first: 100, status: [ACTIVE]) { edges { node { definition { key } } } } }"""
)
REMOVE = """mutation($id: ID!, $k: String!) { removeTag(customerId: $id, key: $k) { key } }"""


async def test_of_100_tags_with_70_ever_used_the_report_lists_exactly_the_other_30(stack: Stack) -> None:
    """The issue's story: a marketer defined 100 tags; 70 were used (10 of them since removed again)."""
    keys = [f"story.t{i:03d}" for i in range(100)]
    used, removed_again = keys[:70], keys[60:70]
    async with stack.client() as admin:
        for key in keys:
            await ok(admin, DEFINE_TAG, input={"key": key, "displayName": f"标签{key[-3:]}"})
        customers = [await create_customer(admin, f"Story {n}", f"story{n}@example.com") for n in range(7)]
        for n, customer in enumerate(customers):  # ten used tags per customer
            await ok(admin, ASSIGN_TAGS, id=customer, tags=[{"key": k} for k in used[n * 10 : n * 10 + 10]])
        for key in removed_again:
            await ok(admin, REMOVE, id=customers[6], k=key)
        report = await ok(admin, DEAD, d=0)
        archived = await ok(
            admin, ARCHIVE, k=[e["node"]["definition"]["key"] for e in report["deadTags"]["edges"]]
        )
        after = await ok(admin, DEAD, d=0)
        active = await ok(admin, ACTIVE)
        history = await ok(admin, HISTORY, id=customers[6])
    async with stack.client("globex") as other:
        theirs = await ok(other, DEAD, d=0)

    dead = report["deadTags"]
    assert dead["totalCount"] == 30
    assert [e["node"]["definition"]["key"] for e in dead["edges"]] == keys[70:]
    assert {e["node"]["reason"] for e in dead["edges"]} == {"NEVER_USED"}
    assert all(e["node"]["usage"]["lastAssignedAt"] is None for e in dead["edges"])
    assert sorted(a["key"] for a in archived["archiveTags"]["archived"]) == keys[70:]
    assert {a["status"] for a in archived["archiveTags"]["archived"]} == {"ARCHIVED"}
    assert archived["archiveTags"]["skipped"] == []
    assert after["deadTags"]["totalCount"] == 0
    assert sorted(e["node"]["definition"]["key"] for e in active["tagDefinitions"]["edges"]) == used
    # The ten removed tags are not dead (they were used), and their history is all still there.
    actions = [(e["tagKey"], e["action"]) for e in history["customer"]["tagHistory"]["entries"]]
    assert {(k, "removed") for k in removed_again} <= set(actions)
    assert {(k, "assigned") for k in removed_again} <= set(actions)
    assert theirs["deadTags"]["totalCount"] == 0
