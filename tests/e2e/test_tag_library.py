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
