"""Unit tests of the lexicon: which hints become phrases, and how they match (services/tags/heard/lexicon.py)."""

from __future__ import annotations

from services.tags.heard.lexicon import Lexicon
from services.tags.model import TagDef
from tests.unit.tags.heard.builders import BRAND, SEDAN, SUV, enum, flag


def heard_in(text: str, *definitions: TagDef) -> list[tuple[str, str, str, str]]:
    """(tag, value, reason, matched text) of every phrase heard in `text`."""
    lexicon = Lexicon.build(definitions)
    return [
        (m.phrase.tag_key, m.phrase.value, m.phrase.reason, text[m.start : m.end]) for m in lexicon.find(text)
    ]


def test_a_keyword_is_heard_where_it_is_said_with_its_reason() -> None:
    lexicon = Lexicon.build([SUV])

    (match,) = lexicon.find("我想买一台SUV给家里用")

    assert (match.phrase.tag_key, match.start, match.end, match.phrase.reason) == (
        "pref.suv",
        5,
        8,
        'keyword "SUV"',
    )


def test_adding_a_keyword_to_the_definition_makes_a_new_phrase_heard() -> None:
    text = "周末想带家人去露营"
    camping = flag("hobby.camping", keywords=("钓鱼",))
    assert heard_in(text, camping) == []

    more = flag("hobby.camping", keywords=("钓鱼", "露营"))

    assert heard_in(text, more) == [("hobby.camping", "", 'keyword "露营"', "露营")]


def test_a_synonym_is_heard_with_a_synonym_reason() -> None:
    assert heard_in("想要个越野车", SUV) == [("pref.suv", "", 'synonym "越野车"', "越野车")]


def test_a_pattern_gap_spans_up_to_eight_characters_of_the_same_clause() -> None:
    parents = flag("buyer.for_parents", patterns=("给*父母",))

    assert heard_in("主要是给我年迈的父母买", parents) == [
        ("buyer.for_parents", "", 'pattern "给*父母"', "给我年迈的父母")
    ]
    assert heard_in("给父母", parents) == [("buyer.for_parents", "", 'pattern "给*父母"', "给父母")]
    assert heard_in("给一位住在乡下很远很远的父母", parents) == []  # a gap of 11 characters
    assert heard_in("给我看看，父母喜欢哪个", parents) == []  # the gap would cross a comma


def test_pattern_text_is_literal_not_a_regular_expression() -> None:
    stack = flag("saas.stack", patterns=("C++*(Java)",))

    assert heard_in("我们用C++和(Java)", stack) == [("saas.stack", "", 'pattern "C++*(Java)"', "C++和(Java)")]
    assert heard_in("我们用CCC和Java", stack) == []


def test_ascii_matches_ignore_case_including_full_width_letters() -> None:
    for said in ("suv", "Suv", "ＳＵＶ"):
        assert heard_in(f"想看看{said}车型", SUV) == [("pref.suv", "", 'keyword "SUV"', said)]


def test_ascii_phrases_match_whole_words_only() -> None:
    trial = flag("saas.trial", keywords=("demo",))

    assert heard_in("能发个demo吗", trial) == [("saas.trial", "", 'keyword "demo"', "demo")]
    assert heard_in("这是一个demonstration", trial) == []


def test_value_hints_of_an_enum_name_their_value() -> None:
    assert heard_in("我比较喜欢凯美瑞", BRAND) == [("car.brand", "丰田", 'keyword "凯美瑞"', "凯美瑞")]


def test_a_value_pattern_of_an_enum_names_its_value() -> None:
    plan = enum("saas.plan", ("基础版", "企业版"), value_patterns={"企业版": ("上千*员工",)})

    assert heard_in("我们有上千名员工", plan) == [
        ("saas.plan", "企业版", 'pattern "上千*员工"', "上千名员工")
    ]


def test_an_allowed_value_said_literally_is_heard_for_an_enum_with_hints() -> None:
    assert heard_in("特斯拉也在看", BRAND) == [("car.brand", "特斯拉", 'value "特斯拉"', "特斯拉")]


def test_an_enum_without_hints_is_not_listened_for() -> None:
    quiet = enum("car.color", ("白色", "黑色"))

    assert heard_in("想要白色的", quiet) == []


def test_a_longer_phrase_wins_over_one_inside_it() -> None:
    district = flag("house.school_district", keywords=("对口小学",))
    grade = enum("edu.grade", ("小学", "初中"), value_keywords={"初中": ("初一",)})

    assert heard_in("对口小学很重要", district, grade) == [
        ("house.school_district", "", 'keyword "对口小学"', "对口小学")
    ]
    assert heard_in("孩子在上小学", district, grade) == [("edu.grade", "小学", 'value "小学"', "小学")]


def test_one_phrase_shared_by_two_tags_is_heard_for_both() -> None:
    ev = flag("pref.ev", keywords=("电车",))
    green = flag("interest.green", keywords=("电车",))

    assert [tag for tag, *_ in heard_in("想买电车", ev, green)] == ["pref.ev", "interest.green"]


def test_only_active_library_tags_with_hints_are_hearable() -> None:
    lexicon = Lexicon.build(
        [
            flag("old.suv", keywords=("SUV",), status="archived"),
            flag("sys.suv", keywords=("SUV",), category="system"),
            flag("note.suv", keywords=("SUV",), value_type="text"),
            flag("bare.suv"),
            SEDAN,
        ]
    )

    assert list(lexicon.definitions) == ["pref.sedan"]
    assert [m.phrase.tag_key for m in lexicon.find("SUV还是轿车")] == ["pref.sedan"]


def test_exclusive_tags_share_their_group_as_one_slot() -> None:
    lexicon = Lexicon.build([SUV, SEDAN, BRAND])

    assert lexicon.slot("pref.suv") == lexicon.slot("pref.sedan") == "group:车型"
    assert lexicon.slot("car.brand") == "tag:car.brand"


def test_a_library_of_hundreds_of_tags_finds_phrases_of_its_first_and_last_tags() -> None:
    library = [
        flag(f"tag.{i}", keywords=tuple(f"词{i}_{j}" for j in range(6)), patterns=(f"想要{i}号*买",))
        for i in range(400)
    ]

    # How long building takes is a benchmark's question (timed asserts fail on a loaded machine).
    lexicon = Lexicon.build(library)

    assert len(lexicon) == 400 * 7
    assert [m.phrase.tag_key for m in lexicon.find("我想要399号车买，还有词7_3")] == ["tag.399", "tag.7"]
