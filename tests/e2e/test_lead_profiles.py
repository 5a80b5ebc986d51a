"""Profiles that change, as a front end sees them through GraphQL: absent vs null, errors, history."""

from __future__ import annotations

from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

UPDATE = """mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { id profile { name company title email status } } }"""
READ = """query($id: ID!) { customer(id: $id) { profile { name company title email status mergedInto }
  profileHistory { actor changes { field oldValue newValue } } } }"""


async def test_update_keeps_absent_fields_clears_null_ones_and_shows_history(stack: Stack) -> None:
    async with stack.client() as admin:
        cid = await create_customer(admin, "张三", "zhang@example.com")
        await ok(admin, UPDATE, id=cid, input={"title": "经理"})
        data = await ok(admin, UPDATE, id=cid, input={"company": None})
        assert data["updateCustomer"]["profile"] == {
            "name": "张三", "company": "", "title": "经理", "email": "zhang@example.com", "status": "new"
        }  # fmt: skip
        read = await ok(admin, READ, id=cid)
        changes = [c for e in read["customer"]["profileHistory"] for c in e["changes"]]
        assert {"field": "company", "oldValue": "Acme", "newValue": ""} in changes
        assert {"field": "title", "oldValue": "", "newValue": "经理"} in changes

        bad = await gql(admin, UPDATE, id=cid, input={"email": "nope"})
        assert codes(bad) == ["BAD_USER_INPUT"]
        assert bad["errors"][0]["extensions"]["fields"][0]["field"] == "input.email"
        other = await create_customer(admin, "李四", "li@example.com")
        taken = await gql(admin, UPDATE, id=cid, input={"email": "LI@example.com"})
        assert (
            codes(taken) == ["CONFLICT"] and taken["errors"][0]["extensions"]["existingCustomerId"] == other
        )

        status = "mutation($id: ID!, $s: CustomerStatus!) { setCustomerStatus(id: $id, status: $s) { id } }"
        assert codes(await gql(admin, status, id=cid, s="OPPORTUNITY")) == []
        assert codes(await gql(admin, status, id=cid, s="NEW")) == ["BAD_USER_INPUT"]
        assert (await ok(admin, READ, id=cid))["customer"]["profile"]["status"] == "opportunity"

        merge = "mutation($s: ID!, $d: ID!) { mergeCustomers(survivorId: $s, duplicateId: $d) { id } }"
        await ok(admin, merge, s=cid, d=other)
        assert (await ok(admin, READ, id=other))["customer"]["profile"]["mergedInto"] == cid

        cost = 'mutation($a: String!) { setChannelCost(channel: "web", period: "2026-11", amount: $a) { amount } }'
        assert codes(await gql(admin, cost, a="-5")) == ["BAD_USER_INPUT"]
        assert (await ok(admin, cost, a="12.50"))["setChannelCost"]["amount"] == "12.50"
