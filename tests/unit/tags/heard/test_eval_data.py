"""Checks of the labelled evaluation set itself (bench/data) and that the evaluation script runs on it."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.tags.assignments.values import check_value
from services.tags.library.rules import define
from services.tags.model import TagDef

DATA = Path(__file__).resolve().parents[4] / "bench" / "data"
CHANNELS = {"call", "wechat", "wecom", "meeting", "email"}
UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# A decimal without trailing zeros ("200000", "3500.5"), or "min-max" of two of them.
DECIMAL = r"(?:0|[1-9]\d*)(?:\.\d*[1-9])?"
AMOUNT_VALUE = re.compile(rf"^{DECIMAL}(?:-{DECIMAL})?$")


def cases() -> list[dict[str, Any]]:
    lines = (DATA / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def library() -> dict[str, TagDef]:
    """library.json as the tags service stores it: each entry through the library rules (`define`)."""
    from bench.conversation_eval import definition_from_json

    docs = json.loads((DATA / "library.json").read_text(encoding="utf-8"))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {doc["key"]: define(definition_from_json(doc), existing=None, now=now) for doc in docs}


def test_every_line_is_one_well_formed_conversation() -> None:
    seen: set[str] = set()
    for case in cases():
        assert re.fullmatch(r"c\d{3}", case["id"]) and case["id"] not in seen, case["id"]
        seen.add(case["id"])
        assert case["channel"] in CHANNELS, case["id"]
        started_at = datetime.fromisoformat(case["started_at"])
        assert started_at.tzinfo is not None, case["id"]
        ZoneInfo(case["time_zone"])  # raises for an unknown zone
        turns = case["turns"]
        assert 2 <= len(turns) <= 12, case["id"]
        assert all(t["speaker"] in ("customer", "rep") and t["text"].strip() for t in turns), case["id"]
        offsets = [t["offset_ms"] for t in turns]
        assert offsets == sorted(offsets) and offsets[0] >= 0, case["id"]
        assert set(case["expected"]) == {"tags", "negated", "callback_at", "amounts"}, case["id"]


def test_the_set_has_at_least_80_cases_and_about_20_holdout() -> None:
    all_cases = cases()
    holdout = [case for case in all_cases if case.get("holdout")]

    assert len(all_cases) >= 80
    assert 15 <= len(holdout) <= 30


def test_every_phenomenon_has_at_least_8_cases() -> None:
    from bench.conversation_eval import PHENOMENA

    counts = Counter(p for case in cases() for p in case["phenomena"])

    assert set(counts) == set(PHENOMENA)
    assert {p: n for p, n in counts.items() if n < 8} == {}


def test_nothing_cases_expect_nothing_and_other_cases_expect_something() -> None:
    for case in cases():
        expected = case["expected"]
        empty = not (
            expected["tags"] or expected["negated"] or expected["callback_at"] or expected["amounts"]
        )
        assert empty == ("nothing" in case["phenomena"]), case["id"]


def test_every_expected_tag_exists_with_a_valid_value_for_its_type() -> None:
    definitions = library()
    for case in cases():
        expected = case["expected"]
        for kind in ("tags", "negated"):
            for item in expected[kind]:
                definition = definitions.get(item["tag_key"])
                assert definition is not None, f"{case['id']}: unknown tag {item['tag_key']}"
                check_value(definition, item["value"], field=f"{case['id']}.{kind}")
        heard = {(t["tag_key"], t["value"]) for t in expected["tags"]}
        negated = {(t["tag_key"], t["value"]) for t in expected["negated"]}
        assert not heard & negated, case["id"]
        keys = [t["tag_key"] for t in expected["tags"]]
        assert len(keys) == len(set(keys)), f"{case['id']}: one value per tag"
        groups = [definitions[k].group for k in keys if definitions[k].exclusive]
        assert len(groups) == len(set(groups)), f"{case['id']}: one tag per exclusive group"


def test_callbacks_are_iso_utc_with_z_and_after_the_conversation_started() -> None:
    expected = [case for case in cases() if case["expected"]["callback_at"] is not None]
    for case in expected:
        value = case["expected"]["callback_at"]
        assert UTC_ISO.match(value), case["id"]
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        assert at > datetime.fromisoformat(case["started_at"]).astimezone(UTC), case["id"]
    assert len(expected) >= 8


def test_amounts_are_normalised_and_budget_tags_match_a_budget_amount() -> None:
    for case in cases():
        amounts = case["expected"]["amounts"]
        for amount in amounts:
            assert amount["kind"] in ("budget", "amount"), case["id"]
            assert AMOUNT_VALUE.match(amount["value"]), f"{case['id']}: {amount['value']}"
            low, _, high = amount["value"].partition("-")
            assert not high or float(low) < float(high), case["id"]
        # A number tag takes the budget said (a range gives its upper bound).
        budgets = {a["value"].rpartition("-")[2] for a in amounts if a["kind"] == "budget"}
        for tag in case["expected"]["tags"]:
            if tag["tag_key"] == "budget" and budgets:
                assert tag["value"] in budgets, case["id"]


def test_library_definitions_are_valid_tag_definitions() -> None:
    docs = json.loads((DATA / "library.json").read_text(encoding="utf-8"))
    definitions = library()

    assert len(definitions) == len(docs)
    assert 25 <= len(definitions) <= 40
    assert {d.value_type for d in definitions.values()} == {"flag", "enum", "number"}
    assert all(not d.hints.is_empty() for d in definitions.values())


def test_evaluation_runs_on_a_five_case_slice_and_prints_both_systems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench.conversation_eval import main

    assert main(["--limit", "5", "--min-seconds", "0.05", "--json"]) == 0

    out = capsys.readouterr().out
    assert "naive keyword baseline" in out
    assert "ours (all)" in out and "baseline (all)" in out
    figures = json.loads(out.strip().splitlines()[-1])
    for system in ("ours", "baseline"):
        assert figures["blind"][system]["cases"] == 5  # the first 5 of the blind set come along
        scored = figures["all"][system]
        assert scored["cases"] == 10
        assert scored["tags"]["expected"] > 0
        assert 0 <= scored["tags"]["recall"] <= 1
        assert scored["callback"]["expected"] >= 1
    assert figures["speed"]["ours_per_second"] > 0 and figures["speed"]["baseline_per_second"] > 0
    assert figures["speed"]["lexicon_build_ms"] > 0


def test_the_blind_set_is_well_formed_and_labels_only_library_tags() -> None:
    lines = (DATA / "holdout_blind.jsonl").read_text(encoding="utf-8").splitlines()
    blind = [json.loads(line) for line in lines if line.strip()]
    definitions = library()
    assert len(blind) >= 30
    assert len({case["id"] for case in blind}) == len(blind)
    for case in blind:
        assert case["channel"] in CHANNELS and case["turns"], case["id"]
        assert datetime.fromisoformat(case["started_at"]).tzinfo is not None, case["id"]
        ZoneInfo(case["time_zone"])
        for kind in ("tags", "negated"):
            for item in case["expected"][kind]:
                check_value(definitions[item["tag_key"]], item["value"], field=f"{case['id']}.{kind}")
        callback = case["expected"]["callback_at"]
        assert callback is None or UTC_ISO.match(callback), case["id"]
        assert all(AMOUNT_VALUE.match(a["value"]) for a in case["expected"]["amounts"]), case["id"]
