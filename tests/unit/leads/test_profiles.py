"""Validating a whole customer input and deriving its identity keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument
from services.leads.profiles import (
    IdentityKey,
    identity_keys,
    new_customer_document,
    validate_customer,
)


def test_valid_input_is_normalised_field_by_field() -> None:
    fields = validate_customer(
        {
            "name": "  张三  ",
            "company": " 上海某某科技有限公司 ",
            "title": "采购经理",
            "phone": "138 0013 8000",
            "email": "Zhang.San@Example.com",
            "wechat_id": "Zhang_San88",
            "region": "上海",
            "industry": "制造业",
            "company_size": "100-499",
            "source_channel": "wechat_ad",
            "campaign": "2024 春季展会",
            "owner_id": "rep-7",
        }
    )
    assert fields.name == "张三"
    assert fields.company == "上海某某科技有限公司"
    assert fields.phone == "+8613800138000"
    assert fields.email == "zhang.san@example.com"
    assert fields.wechat_id == "Zhang_San88"
    assert fields.campaign == "2024 春季展会"


def test_only_a_name_is_required() -> None:
    fields = validate_customer({"name": "Li Si"})
    assert fields.name == "Li Si"
    assert (fields.phone, fields.email, fields.wechat_id, fields.company) == ("", "", "", "")


def test_runs_of_whitespace_inside_a_name_collapse_to_one_space() -> None:
    assert validate_customer({"name": "Wang \t  Wu"}).name == "Wang Wu"


def test_hundred_character_chinese_name_is_accepted_and_one_more_is_not() -> None:
    assert validate_customer({"name": "张" * 100}).name == "张" * 100
    with pytest.raises(InvalidArgument) as caught:
        validate_customer({"name": "张" * 101})
    assert caught.value.field == "customer.name"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({}, "customer.name"),
        ({"name": "   "}, "customer.name"),
        ({"name": "Bad\x00Name"}, "customer.name"),
        ({"name": "Zhang", "company": "c" * 201}, "customer.company"),
        ({"name": "Zhang", "title": "t" * 101}, "customer.title"),
        ({"name": "Zhang", "region": "r" * 65}, "customer.region"),
        ({"name": "Zhang", "industry": "i" * 65}, "customer.industry"),
        ({"name": "Zhang", "company_size": "s" * 33}, "customer.company_size"),
        ({"name": "Zhang", "source_channel": "s" * 65}, "customer.source_channel"),
        ({"name": "Zhang", "campaign": "c" * 101}, "customer.campaign"),
        ({"name": "Zhang", "owner_id": "o" * 65}, "customer.owner_id"),
        ({"name": "Zhang", "phone": "not a phone"}, "customer.phone"),
        ({"name": "Zhang", "email": "not-an-email"}, "customer.email"),
        ({"name": "Zhang", "wechat_id": "x"}, "customer.wechat_id"),
    ],
)
def test_each_invalid_field_is_named_in_the_error(raw: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_customer(raw)
    assert caught.value.field == field
    assert caught.value.message


def test_identity_keys_follow_a_fixed_claim_order_and_skip_empty_contacts() -> None:
    fields = validate_customer(
        {"name": "Zhang", "wechat_id": "Zhang_San88", "phone": "13800138000", "email": "Z@Example.com"}
    )
    assert identity_keys(fields) == [
        IdentityKey("email", "z@example.com"),
        IdentityKey("phone", "+8613800138000"),
        IdentityKey("wechat_id", "zhang_san88"),
    ]
    assert identity_keys(validate_customer({"name": "Zhang", "phone": "13800138000"})) == [
        IdentityKey("phone", "+8613800138000")
    ]
    assert identity_keys(validate_customer({"name": "Zhang"})) == []


def test_identity_key_storage_id_is_scoped_by_tenant() -> None:
    key = IdentityKey("phone", "+8613800138000")
    assert key.storage_id("acme") == "acme|phone|+8613800138000"
    assert key.storage_id("acme") != key.storage_id("globex")


def test_same_phone_written_differently_gives_the_same_identity_key() -> None:
    first = identity_keys(validate_customer({"name": "A", "phone": "+86 138-0013-8000"}))
    second = identity_keys(validate_customer({"name": "B", "phone": "0086 13800138000"}))
    assert first == second


def test_new_customer_document_starts_new_with_millisecond_times() -> None:
    now = datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=UTC)
    doc = new_customer_document(
        validate_customer({"name": "Zhang"}), tenant="acme", customer_id="cus_X", now=now
    )
    assert doc["_id"] == "cus_X"
    assert doc["tenant_id"] == "acme"
    assert doc["status"] == "new"
    assert doc["created_at"] == doc["updated_at"] == datetime(2024, 5, 1, 8, 30, 15, 123000, tzinfo=UTC)
