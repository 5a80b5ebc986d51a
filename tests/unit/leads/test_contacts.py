"""Phone, email and WeChat id normalisation: the forms people type and the garbage they paste."""

from __future__ import annotations

import pytest

from common.errors import InvalidArgument
from services.leads.contacts import normalise_email, normalise_phone, normalise_wechat_id


@pytest.mark.parametrize(
    "written",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "(138) 0013-8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+86 (138) 0013 8000",
        "0086 138 0013 8000",
        "008613800138000",
        "  13800138000  ",
        "１３８００１３８０００",  # full-width digits from a Chinese input method
        "＋８６　１３８－００１３－８０００",
    ],
)
def test_chinese_mobile_in_any_written_form_becomes_the_same_e164_number(written: str) -> None:
    assert normalise_phone(written) == "+8613800138000"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+49 30 901820", "+4930901820"),
        ("+86 10 6552 9988", "+861065529988"),  # Beijing landline
        ("+852 2123 4567", "+85221234567"),
    ],
)
def test_international_number_with_country_code_is_kept_in_e164(written: str, expected: str) -> None:
    assert normalise_phone(written) == expected


def test_missing_phone_stays_empty() -> None:
    assert normalise_phone("") == ""
    assert normalise_phone("   ") == ""


@pytest.mark.parametrize(
    "garbage",
    [
        "call me",
        "138-0013-800O",  # letter O for a zero
        "138001380001",  # 12 digits, no country code
        "12345",
        "020 7946 0018",  # national number without a country code: ambiguous
        "0044 20 7946 0018",  # only 0086 is understood as an international prefix
        "+0 123 4567 890",
        "+1 23",
        "+86 120 0013 8000",  # mobile numbers never start with 12
        "+1234567890123456",  # 16 digits is longer than E.164 allows
        "+86 138+0013 8000",
        "138 0013 8000 ext 12",
    ],
)
def test_phone_that_is_not_a_number_is_rejected_naming_the_field(garbage: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        normalise_phone(garbage)
    assert caught.value.field == "customer.phone"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Zhang.San@Example.COM", "zhang.san@example.com"),
        ("  li_si+crm@mail.example.cn ", "li_si+crm@mail.example.cn"),
        ("wang-wu@sub.domain.co.uk", "wang-wu@sub.domain.co.uk"),
        ("ZHAO@QQ.COM", "zhao@qq.com"),
        ("x@xn--fiqs8s.cn", "x@xn--fiqs8s.cn"),
    ],
)
def test_email_is_trimmed_and_lower_cased(written: str, expected: str) -> None:
    assert normalise_email(written) == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "zhangsan",
        "zhangsan@",
        "@example.com",
        "zhang san@example.com",
        "zhangsan@example",
        "zhangsan@@example.com",
        "zhang..san@example.com",
        ".zhangsan@example.com",
        "zhangsan@example..com",
        "zhangsan@-example.com",
        "zhangsan@example.c",
        "a" * 65 + "@example.com",
        "zhangsan@" + "a" * 250 + ".com",
    ],
)
def test_implausible_email_is_rejected_naming_the_field(garbage: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        normalise_email(garbage)
    assert caught.value.field == "customer.email"


@pytest.mark.parametrize("valid", ["wxid_abc123", "Zhang_San-88", "abcdef", "a" + "b" * 19])
def test_wechat_id_of_six_to_twenty_characters_starting_with_a_letter_is_accepted(valid: str) -> None:
    assert normalise_wechat_id(f" {valid} ") == valid


@pytest.mark.parametrize(
    "invalid", ["abcde", "1abcdef", "_abcdef", "a" * 21, "zhang san", "张三微信号码", "abc.def"]
)
def test_malformed_wechat_id_is_rejected_naming_the_field(invalid: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        normalise_wechat_id(invalid)
    assert caught.value.field == "customer.wechat_id"
