"""Unit tests of time expressions and call-back promises (services/tags/heard/times.py, callbacks.py).

Unless a test says otherwise the conversation starts on Monday 2026-11-23 at 10:00 in Asia/Shanghai
(02:00Z, UTC+8 all year); expected instants are worked out by hand in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from common.errors import InvalidArgument
from services.tags.heard.callbacks import callback_fact, find_times
from services.tags.heard.model import CALLBACK_AT, CUSTOMER, REP, Transcript, Turn

SHANGHAI = "Asia/Shanghai"
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo(SHANGHAI))


def times(
    text: str, *, spoken_at: datetime = MONDAY_10AM, time_zone: str = SHANGHAI
) -> list[tuple[str, str, str]]:
    return [
        (m.text, m.at.strftime("%Y-%m-%dT%H:%M:%SZ"), m.qualifier)
        for m in find_times(text, spoken_at=spoken_at, time_zone=time_zone)
    ]


def conversation(
    *turns: tuple[str, str] | Turn, started_at: datetime = MONDAY_10AM, time_zone: str = SHANGHAI
) -> Transcript:
    return Transcript(
        turns=tuple(t if isinstance(t, Turn) else Turn(speaker=t[0], text=t[1]) for t in turns),
        started_at=started_at,
        time_zone=time_zone,
    )


def callback(
    *turns: tuple[str, str] | Turn, started_at: datetime = MONDAY_10AM, time_zone: str = SHANGHAI
) -> str | None:
    fact = callback_fact(conversation(*turns, started_at=started_at, time_zone=time_zone))
    return None if fact is None else fact.value


@pytest.mark.parametrize(
    ("said", "utc", "qualifier"),
    [
        ("明天下午三点", "2026-11-24T07:00:00Z", "at"),
        ("明儿上午九点半", "2026-11-24T01:30:00Z", "at"),
        ("后天", "2026-11-25T02:00:00Z", "day"),
        ("大后天上午", "2026-11-26T02:00:00Z", "day_part"),
        ("今天下午", "2026-11-23T07:00:00Z", "day_part"),
        ("今晚", "2026-11-23T12:00:00Z", "day_part"),
        ("明晚八点", "2026-11-24T12:00:00Z", "at"),
        ("中午", "2026-11-23T04:00:00Z", "day_part"),
        ("傍晚", "2026-11-23T10:00:00Z", "day_part"),
    ],
)
def test_relative_days_and_day_parts_resolve_in_the_conversation_zone(
    said: str, utc: str, qualifier: str
) -> None:
    assert times(said) == [(said, utc, qualifier)]


@pytest.mark.parametrize(
    ("said", "utc"),
    [
        ("周五下午两点半", "2026-11-27T06:30:00Z"),
        ("星期天下午", "2026-11-29T07:00:00Z"),
        ("礼拜三", "2026-11-25T02:00:00Z"),
        ("周一下午", "2026-11-23T07:00:00Z"),  # today, still ahead
        ("周一", "2026-11-30T02:00:00Z"),  # today 10:00 is not ahead of 10:00: a week later
        ("这周五", "2026-11-27T02:00:00Z"),
        ("本周一", "2026-11-23T02:00:00Z"),  # this week's Monday, even though it is now
        ("下周一上午十点", "2026-11-30T02:00:00Z"),
        ("下个星期三", "2026-12-02T02:00:00Z"),
        ("下礼拜日", "2026-12-06T02:00:00Z"),
    ],
)
def test_weekdays_resolve_to_the_next_such_day_or_the_named_week(said: str, utc: str) -> None:
    assert [(text, at) for text, at, _ in times(said)] == [(said, utc)]


@pytest.mark.parametrize(
    ("said", "utc"),
    [
        ("25号", "2026-11-25T02:00:00Z"),
        ("23号下午", "2026-11-23T07:00:00Z"),  # today, still ahead
        ("23号", "2026-12-23T02:00:00Z"),  # today 10:00 is not ahead: next month
        ("12月3号", "2026-12-03T02:00:00Z"),
        ("1月5日", "2027-01-05T02:00:00Z"),
        ("下个月5号", "2026-12-05T02:00:00Z"),
        ("过两天", "2026-11-25T02:00:00Z"),
    ],
)
def test_days_of_month_resolve_to_the_next_such_day(said: str, utc: str) -> None:
    assert [(text, at) for text, at, _ in times(said)] == [(said, utc)]


@pytest.mark.parametrize(
    ("said", "utc", "qualifier"),
    [
        ("三点", "2026-11-23T07:00:00Z", "at"),  # a bare 1–6 is the afternoon
        ("九点", "2026-11-24T01:00:00Z", "at"),  # 09:00 has passed: tomorrow
        ("十二点", "2026-11-23T04:00:00Z", "at"),
        ("中午一点", "2026-11-23T05:00:00Z", "at"),
        ("早上八点", "2026-11-24T00:00:00Z", "at"),
        ("晚上十二点", "2026-11-23T16:00:00Z", "at"),  # 24:00 is the next day's midnight
        ("15:30", "2026-11-23T07:30:00Z", "at"),
        ("下午3:30", "2026-11-23T07:30:00Z", "at"),
        ("3点30", "2026-11-23T07:30:00Z", "at"),
        ("三点一刻", "2026-11-23T07:15:00Z", "at"),
        ("三点三刻", "2026-11-23T07:45:00Z", "at"),
        ("三点二十分", "2026-11-23T07:20:00Z", "at"),
        ("四点整", "2026-11-23T08:00:00Z", "at"),
        ("晚上八点以后", "2026-11-23T12:00:00Z", "after"),
        ("三点之后", "2026-11-23T07:00:00Z", "after"),
        ("下午五点前", "2026-11-23T09:00:00Z", "before"),
        ("十点以前", "2026-11-24T02:00:00Z", "before"),
    ],
)
def test_hours_follow_the_day_part_and_bounds_set_the_qualifier(said: str, utc: str, qualifier: str) -> None:
    assert times(said) == [(said, utc, qualifier)]


@pytest.mark.parametrize(
    ("said", "utc"),
    [
        ("半小时后", "2026-11-23T02:30:00Z"),
        ("半个小时以后", "2026-11-23T02:30:00Z"),
        ("10分钟后", "2026-11-23T02:10:00Z"),
        ("两个小时之后", "2026-11-23T04:00:00Z"),
        ("一个半小时后", "2026-11-23T03:30:00Z"),
    ],
)
def test_relative_durations_count_from_the_moment_spoken(said: str, utc: str) -> None:
    assert times(said) == [(said, utc, "at")]


def test_relative_durations_round_down_to_the_minute() -> None:
    spoken = datetime(2026, 11, 23, 10, 0, 45, tzinfo=ZoneInfo(SHANGHAI))
    assert times("十分钟后", spoken_at=spoken) == [("十分钟后", "2026-11-23T02:10:00Z", "at")]


@pytest.mark.parametrize(
    "said", ["快一点", "便宜一点吧", "下周再说", "几点都行", "预算三点五万", "有两个孩子"]
)
def test_phrases_that_name_no_time_are_not_times(said: str) -> None:
    assert times(said) == []


def test_a_day_and_a_time_split_by_a_comma_are_one_time() -> None:
    assert times("周五吧，上午十点") == [("周五吧，上午十点", "2026-11-27T02:00:00Z", "at")]


def test_a_time_window_resolves_to_its_start() -> None:
    assert times("下午两点到四点之间都行") == [("下午两点到四点之间", "2026-11-23T06:00:00Z", "at")]


def test_a_naive_moment_or_an_unknown_zone_is_rejected() -> None:
    with pytest.raises(InvalidArgument):
        find_times("明天", spoken_at=datetime(2026, 11, 23, 10, 0), time_zone=SHANGHAI)
    with pytest.raises(InvalidArgument):
        find_times("明天", spoken_at=MONDAY_10AM, time_zone="Mars/Olympus_Mons")


def test_new_york_times_keep_the_wall_clock_across_the_end_of_daylight_saving() -> None:
    saturday = datetime(2026, 10, 31, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # EDT, UTC-4
    # Sunday 1 November is standard time (UTC-5); Saturday is still daylight time.
    assert times("明天下午三点", spoken_at=saturday, time_zone="America/New_York") == [
        ("明天下午三点", "2026-11-01T20:00:00Z", "at")
    ]
    assert times("今天下午三点", spoken_at=saturday, time_zone="America/New_York") == [
        ("今天下午三点", "2026-10-31T19:00:00Z", "at")
    ]


def test_new_york_times_keep_the_wall_clock_across_the_start_of_daylight_saving() -> None:
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # EST, UTC-5
    assert times("明天上午十点", spoken_at=saturday, time_zone="America/New_York") == [
        ("明天上午十点", "2026-03-08T14:00:00Z", "at")
    ]


def test_the_day_is_read_in_the_conversation_zone_not_in_utc() -> None:
    # 01:00 on Tuesday in Shanghai is still Monday in UTC: 明天 is Wednesday.
    spoken = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert times("明天上午十点", spoken_at=spoken) == [("明天上午十点", "2026-11-25T02:00:00Z", "at")]


def test_a_reps_promise_is_a_callback() -> None:
    fact = callback_fact(
        conversation((CUSTOMER, "我现在开车不方便"), (REP, "好的，我明天下午三点给您回电话。"))
    )
    assert fact is not None
    assert (fact.kind, fact.value, fact.text, fact.qualifier) == (
        CALLBACK_AT,
        "2026-11-24T07:00:00Z",
        "明天下午三点",
        "at",
    )
    assert fact.at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert fact.at is not None and fact.at.tzinfo is UTC


def test_a_customers_request_with_a_cue_is_a_callback() -> None:
    assert callback((CUSTOMER, "我在开会，你晚上八点以后再打给我吧")) == "2026-11-23T12:00:00Z"


def test_the_customers_answer_to_a_callback_question_is_a_callback() -> None:
    assert callback((REP, "您什么时候方便接电话？"), (CUSTOMER, "明天下午三点吧")) == "2026-11-24T07:00:00Z"


def test_a_refusal_with_a_counter_offer_takes_the_counter() -> None:
    assert (
        callback((REP, "那我什么时候再联系您？"), (CUSTOMER, "明天不行，后天上午吧"))
        == "2026-11-25T02:00:00Z"
    )


def test_a_refused_rep_proposal_gives_way_to_the_customers_counter() -> None:
    assert callback((REP, "明天下午三点给您打？"), (CUSTOMER, "不行，周五吧")) == "2026-11-27T02:00:00Z"


def test_a_counter_offer_to_a_reps_stated_promise_replaces_it() -> None:
    assert callback((REP, "我明天下午三点给您打电话。"), (CUSTOMER, "不行，周五吧")) == "2026-11-27T02:00:00Z"


def test_a_refused_proposal_without_a_counter_leaves_no_callback() -> None:
    assert callback((REP, "我明天下午三点给您回电话。"), (CUSTOMER, "明天下午我有个会")) is None


def test_a_refused_proposal_leaves_the_earlier_agreement_standing() -> None:
    assert (
        callback(
            (CUSTOMER, "周五下午再联系我吧"),
            (REP, "好的。要不明天上午十点我先给您打一个？"),
            (CUSTOMER, "不用了"),
        )
        == "2026-11-27T07:00:00Z"
    )


def test_a_time_without_a_cue_or_question_is_not_a_callback() -> None:
    assert callback((CUSTOMER, "我明天下午有个会"), (REP, "好的，了解")) is None


def test_a_question_about_a_visit_is_not_a_callback_question() -> None:
    assert callback((REP, "那您看什么时候方便来试驾？"), (CUSTOMER, "周末吧，我周六带他来")) is None


def test_the_last_agreed_callback_wins() -> None:
    assert (
        callback(
            (CUSTOMER, "你明天下午三点打给我吧"),
            (REP, "好的"),
            (CUSTOMER, "哦对了，明天我要出差，改成后天上午十点再联系吧"),
        )
        == "2026-11-25T02:00:00Z"
    )


def test_turn_offsets_move_the_moment_a_time_is_read_from() -> None:
    late_evening = datetime(2026, 11, 23, 23, 50, tzinfo=ZoneInfo(SHANGHAI))
    # The turn is spoken 20 minutes in, on Tuesday: 明天 is Wednesday.
    assert (
        callback(
            (REP, "您好"),
            Turn(speaker=CUSTOMER, text="明天上午十点给我回电话", offset_ms=20 * 60_000),
            started_at=late_evening,
        )
        == "2026-11-25T02:00:00Z"
    )
    assert callback(Turn(speaker=REP, text="半小时后我再打给您", offset_ms=90_000)) == "2026-11-23T02:31:00Z"


def test_callbacks_resolve_in_the_tenants_zone() -> None:
    friday = datetime(2026, 10, 30, 16, 0, tzinfo=ZoneInfo("America/New_York"))
    # Next Monday 2 November is after the change to standard time: 10:00 EST is 15:00Z.
    assert (
        callback((CUSTOMER, "下周一上午十点给我打电话"), started_at=friday, time_zone="America/New_York")
        == "2026-11-02T15:00:00Z"
    )


def test_a_little_is_not_one_oclock() -> None:
    fact = callback_fact(conversation((CUSTOMER, "你快一点，明天给我打电话")))
    assert fact is not None
    assert (fact.value, fact.text, fact.qualifier) == ("2026-11-24T02:00:00Z", "明天", "day")


def test_evidence_is_the_sentence_holding_the_time() -> None:
    text = "好的，了解了。那我明天下午三点给您回个电话！再见"
    fact = callback_fact(conversation((CUSTOMER, "我再想想"), (REP, text)))
    assert fact is not None
    evidence = fact.evidence
    assert (evidence.turn_index, evidence.quote) == (1, "那我明天下午三点给您回个电话")
    assert text[evidence.start : evidence.end] == evidence.quote


def test_a_vague_or_hedged_callback_has_lower_confidence() -> None:
    exact = callback_fact(conversation((CUSTOMER, "明天下午三点打给我")))
    vague = callback_fact(conversation((CUSTOMER, "明天打给我")))
    hedged = callback_fact(conversation((CUSTOMER, "可能明天下午三点打给我吧")))
    assert exact is not None and vague is not None and hedged is not None
    assert 0 < hedged.confidence < vague.confidence < exact.confidence <= 1
