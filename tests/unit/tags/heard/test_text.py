"""Unit tests of the shared Chinese text rules (services/tags/heard/text.py)."""

from __future__ import annotations

import pytest

from services.tags.heard import text as zh


def test_sentence_and_clause_bounds_leave_out_marks_and_blanks() -> None:
    said = "你好。 我想要SUV，空间大一点！"
    at = said.index("SUV")

    assert said[slice(*zh.sentence_bounds(said, at))] == "我想要SUV，空间大一点"
    assert said[slice(*zh.clause_bounds(said, at))] == "我想要SUV"
    assert [said[s:e] for s, e in zh.spans(said)] == ["你好", "我想要SUV，空间大一点"]


@pytest.mark.parametrize(
    ("said", "negated"),
    [
        ("不是很喜欢SUV", True),
        ("不是轿车而是SUV", False),
        ("我不是不喜欢SUV", False),
        ("SUV", False),
        ("有没有SUV", False),
        ("不知道能不能买SUV", False),
        ("不是说SUV不好", False),
    ],
)
def test_negation_scopes_to_the_clause_up_to_a_contrast(said: str, negated: bool) -> None:
    assert zh.is_negated(said, said.index("SUV")) is negated


@pytest.mark.parametrize(
    ("said", "rejected"),
    [
        ("SUV我不太喜欢", True),
        ("SUV我不太想", True),
        ("SUV就算了", True),
        ("SUV的话我就不考虑了", True),
        ("SUV不要太贵", False),
        ("SUV不错", False),
        ("SUV，不要轿车", False),
        ("SUV不要轿车", False),
        ("SUV但是轿车不要", False),
    ],
)
def test_a_rejection_must_close_the_clause_after_the_object(said: str, rejected: bool) -> None:
    assert zh.rejected_after(said, said.index("SUV") + len("SUV")) is rejected


def test_hedges_are_read_in_the_clause_and_a_short_clause_before() -> None:
    def hedge(said: str, word: str) -> str:
        at = said.index(word)
        return zh.hedge_around(said, at, at + len(word))

    assert hedge("我可能还要考虑一下分期", "分期") == "可能"
    assert hedge("也许吧，SUV", "SUV") == "也许"
    assert hedge("对，我想看看三房的，孩子明年上小学", "小学") == ""
    assert hedge("我不考虑SUV", "SUV") == ""
    assert hedge("我就随便问问", "随便问问") == ""


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("对，我想给我爸妈买一台", "strong"),
        ("嗯，对的", "strong"),
        ("嗯对", "strong"),
        ("就是！", "strong"),
        ("好的", "accept"),
        ("嗯，好的", "accept"),
        ("没问题", "accept"),
        ("嗯", "backchannel"),
        ("是吗？", ""),
        ("就是有点贵", ""),
        ("不是，给我自己", ""),
        ("不错", ""),
    ],
)
def test_affirmation_tells_strong_agreement_from_acceptance_and_listening(reply: str, kind: str) -> None:
    assert zh.affirmation(reply) == kind
    assert zh.affirms(reply) is bool(kind)


@pytest.mark.parametrize(
    ("reply", "denied"),
    [
        ("不是，给我自己", True),
        ("并不是，我已经有一套了", True),
        ("都没有", True),
        ("不行，周五吧", True),
        ("没问题", False),
        ("不错", False),
        ("不是吗？", False),
        ("对", False),
    ],
)
def test_denials_open_the_reply(reply: str, denied: bool) -> None:
    assert zh.denies(reply) is denied


def test_only_the_asking_clause_is_a_question() -> None:
    said = "我想要SUV，有现车吗？"

    assert not zh.clause_asks(said, said.index("SUV"))
    assert zh.clause_asks(said, said.index("现车"))
    assert zh.is_question(said, 0, 1)  # the sentence as a whole asks


@pytest.mark.parametrize(
    ("turn", "answered"),
    [
        ("好的。您是给父母买吗？", "您是给父母买吗"),
        ("您是想要七座的SUV吧，方便一家人出行", "您是想要七座的SUV吧"),
        ("您预算二十万，对吧？", "您预算二十万，对吧"),
        ("我们顶配二十三万，中配十九万八。", "中配十九万八"),
        ("", ""),
    ],
)
def test_last_statement_is_the_clause_a_reply_answers(turn: str, answered: str) -> None:
    assert turn[slice(*zh.last_statement(turn))] == answered
