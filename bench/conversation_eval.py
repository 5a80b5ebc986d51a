"""Evaluation: what conversation extraction hears, against a labelled set and a naive keyword baseline.

Reads the tag library (bench/data/library.json) and the labelled conversations
(bench/data/conversations.jsonl), runs OUR extractor and a NAIVE KEYWORD BASELINE over every case in the
same run, and prints for both: tag precision / recall / F1 over (tag_key, value) pairs, the precision of
the tags at or above the default auto-apply threshold, negation accuracy, call-back exact-match rate,
amount exact-match rate, conversations per second, and recall per phenomenon, for all cases and for the
holdout split alone (cases nobody tunes against). Labels were written by reading each conversation
against the conventions in docs/conversation-tags.md, never by copying extractor output.

    python -m bench.conversation_eval [--json] [--verbose] [--limit N] [--min-seconds 2]

--json adds one line of JSON with every figure (the last line of the output); --verbose lists each miss
and false positive of OUR extractor with the case and the quote (holdout cases stay hidden unless
--show-holdout, so that tuning against the listing cannot leak into the holdout figures).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.tags.heard.amounts import find_amounts, format_amount
from services.tags.heard.extract import extract
from services.tags.heard.lexicon import Lexicon
from services.tags.heard.model import (
    AMOUNT,
    BUDGET,
    CALLBACK_AT,
    Heard,
    HeardFact,
    HeardTag,
    Span,
    Transcript,
    Turn,
)
from services.tags.heard.times import find_times
from services.tags.library.rules import define
from services.tags.model import Hints, TagDef, ValueHints

DATA = Path(__file__).resolve().parent / "data"
LIBRARY = DATA / "library.json"
CONVERSATIONS = DATA / "conversations.jsonl"
# Written afterwards by someone who never saw the extractor, its tests or the other cases: the figure to trust.
BLIND = DATA / "holdout_blind.jsonl"
SPLITS = ("all", "holdout", "blind")
# The tenant default of ConversationSettings.auto_apply_threshold (tags.proto): applied without a person.
AUTO_APPLY_THRESHOLD = 0.85
# What each labelled case exercises (a case lists several); every one has at least 8 cases.
# fmt: off
PHENOMENA = (
    "speaker", "negation", "contrast", "exclusive", "callback", "time_no_cue", "time_zone",
    "amount", "non_money", "hedge", "pattern", "enum", "nothing",
)
# fmt: on
BASELINE_DEFINITION = """\
naive keyword baseline (what a keyword tracker does):
  tags      every keyword, synonym, enum value keyword and literal allowed value found anywhere in any
            turn (any speaker; no negation, no exclusive groups, no patterns) -> that tag; a number tag
            takes the first amount after its keyword in the same turn (find_amounts); confidence 1.0
  call-back the first time expression of the conversation (find_times on each turn in order)
  amounts   every find_amounts hit; kind "budget" when 预算 occurs anywhere in the conversation, else "amount"
"""

Pair = tuple[str, str]


@dataclass(frozen=True, kw_only=True)
class Case:
    """One labelled conversation: the transcript and what a careful person hears in it."""

    id: str
    phenomena: tuple[str, ...]
    holdout: bool
    transcript: Transcript
    tags: frozenset[Pair]
    negated: frozenset[Pair]
    callback_at: str | None
    amounts: frozenset[Pair]  # (kind, value); compared as a set per conversation


def definition_from_json(doc: dict[str, Any]) -> TagDef:
    """A TagDef from one entry of library.json (the fields of TagDefinition, hints as nested objects)."""
    hints = doc.get("hints", {})
    return TagDef(
        key=doc["key"],
        display_name=doc["display_name"],
        description=doc.get("description", ""),
        group=doc.get("group", ""),
        category=doc["category"],
        value_type=doc["value_type"],
        allowed_values=tuple(doc.get("allowed_values", ())),
        exclusive=bool(doc.get("exclusive", False)),
        hints=Hints(
            keywords=tuple(hints.get("keywords", ())),
            synonyms=tuple(hints.get("synonyms", ())),
            patterns=tuple(hints.get("patterns", ())),
            values=tuple(
                ValueHints(
                    value=v["value"],
                    keywords=tuple(v.get("keywords", ())),
                    patterns=tuple(v.get("patterns", ())),
                )
                for v in hints.get("values", ())
            ),
        ),
    )


def load_library(path: Path = LIBRARY) -> list[TagDef]:
    """The library as the tags service would store it: every entry validated and normalised by `define`."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    docs = json.loads(path.read_text(encoding="utf-8"))
    return [define(definition_from_json(doc), existing=None, now=now) for doc in docs]


def case_from_json(doc: dict[str, Any]) -> Case:
    """A Case from one line of conversations.jsonl."""
    expected = doc["expected"]
    return Case(
        id=doc["id"],
        phenomena=tuple(doc["phenomena"]),
        holdout=bool(doc.get("holdout", False)),
        transcript=Transcript(
            turns=tuple(
                Turn(speaker=t["speaker"], text=t["text"], offset_ms=t.get("offset_ms", 0))
                for t in doc["turns"]
            ),
            started_at=datetime.fromisoformat(doc["started_at"]),
            time_zone=doc["time_zone"],
        ),
        tags=frozenset((t["tag_key"], t["value"]) for t in expected["tags"]),
        negated=frozenset((t["tag_key"], t["value"]) for t in expected["negated"]),
        callback_at=expected["callback_at"],
        amounts=frozenset((a["kind"], a["value"]) for a in expected["amounts"]),
    )


def load_cases(path: Path = CONVERSATIONS) -> list[Case]:
    """Every labelled conversation, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [case_from_json(json.loads(line)) for line in lines if line.strip()]


def amount_value(amount: float, amount_max: float | None) -> str:
    return (
        format_amount(amount)
        if amount_max is None
        else f"{format_amount(amount)}-{format_amount(amount_max)}"
    )


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fact(
    kind: str, value: str, text: str, qualifier: str, evidence: Span, *, at: datetime | None = None
) -> HeardFact:
    return HeardFact(
        kind=kind, value=value, text=text, qualifier=qualifier, confidence=1.0, evidence=evidence, at=at
    )


class KeywordBaseline:
    """The naive keyword tracker of BASELINE_DEFINITION; phrases are collected once, like a lexicon."""

    def __init__(self, definitions: Iterable[TagDef]) -> None:
        self.phrases: list[tuple[str, str, str, bool]] = []  # (lowercased phrase, tag_key, value, is_number)
        for d in definitions:
            if d.status != "active" or d.value_type not in ("flag", "enum", "number"):
                continue
            if d.value_type == "enum":
                for value in d.allowed_values:
                    self.phrases.append((value.lower(), d.key, value, False))
                for vh in d.hints.values:
                    self.phrases.extend((k.lower(), d.key, vh.value, False) for k in vh.keywords)
            else:
                for phrase in (*d.hints.keywords, *d.hints.synonyms):
                    self.phrases.append((phrase.lower(), d.key, "", d.value_type == "number"))

    def extract(self, transcript: Transcript) -> Heard:
        tags: dict[Pair, HeardTag] = {}
        facts: list[HeardFact] = []
        callback: HeardFact | None = None
        said_budget = any("预算" in turn.text for turn in transcript.turns)
        for i, turn in enumerate(transcript.turns):
            lowered = turn.text.lower()
            mentions = find_amounts(turn.text)
            for phrase, key, value, is_number in self.phrases:
                at = lowered.find(phrase)
                if at < 0:
                    continue
                span = Span(
                    turn_index=i, start=at, end=at + len(phrase), quote=turn.text[at : at + len(phrase)]
                )
                if is_number:
                    after = next((m for m in mentions if m.start >= at + len(phrase)), None)
                    if after is None:
                        continue
                    value = format_amount(after.amount_max if after.amount_max is not None else after.amount)
                tags.setdefault(
                    (key, value), HeardTag(tag_key=key, value=value, confidence=1.0, evidence=span)
                )
            kind = BUDGET if said_budget else AMOUNT
            for m in mentions:
                evidence = Span(turn_index=i, start=m.start, end=m.end, quote=m.text)
                value = amount_value(m.amount, m.amount_max)
                facts.append(_fact(kind, value, m.text, m.qualifier, evidence))
            if callback is None:
                spoken_at = transcript.spoken_at(i)
                for t in find_times(turn.text, spoken_at=spoken_at, time_zone=transcript.time_zone)[:1]:
                    evidence = Span(turn_index=i, start=t.start, end=t.end, quote=t.text)
                    callback = _fact(CALLBACK_AT, utc_iso(t.at), t.text, t.qualifier, evidence, at=t.at)
        return Heard(tags=tuple(tags.values()), facts=(*facts, *([callback] if callback else [])))


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pairs(tags: Iterable[HeardTag]) -> set[Pair]:
    return {(t.tag_key, t.value) for t in tags}


def _callback(heard: Heard) -> str | None:
    return next((f.value for f in heard.facts if f.kind == CALLBACK_AT), None)


def _amounts(heard: Heard) -> set[Pair]:
    return {(f.kind, f.value) for f in heard.facts if f.kind in (BUDGET, AMOUNT)}


def count(case: Case, heard: Heard) -> Counter[str]:
    """The raw counts of one case: what was expected, what was heard and what matched."""
    got, negated = _pairs(heard.tags), _pairs(heard.negated)
    auto = _pairs(t for t in heard.tags if t.confidence >= AUTO_APPLY_THRESHOLD)
    callback, amounts = _callback(heard), _amounts(heard)
    n: Counter[str] = Counter(
        tags_correct=len(got & case.tags),
        tags_heard=len(got),
        tags_expected=len(case.tags),
        tags_unexpected=len(got - case.tags),
        auto=len(auto),
        auto_correct=len(auto & case.tags),
        negated_expected=len(case.negated),
        negated_found=len(negated & case.negated),
        negated_unexpected=len(negated - case.negated),
        callback_expected=case.callback_at is not None,
        callback_exact=case.callback_at is not None and callback == case.callback_at,
        callback_false=case.callback_at is None and callback is not None,
        callback_wrong=callback is not None and callback != case.callback_at,
        amounts_expected=len(case.amounts),
        amounts_exact=len(amounts & case.amounts),
        amounts_unexpected=len(amounts - case.amounts),
    )
    n["items_expected"] = sum(
        n[k] for k in ("tags_expected", "negated_expected", "callback_expected", "amounts_expected")
    )
    n["items_found"] = sum(n[k] for k in ("tags_correct", "negated_found", "callback_exact", "amounts_exact"))
    n["items_unexpected"] = n["tags_unexpected"] + n["amounts_unexpected"] + n["callback_wrong"]
    return n


def score(cases: Sequence[Case], outputs: Sequence[Heard]) -> dict[str, Any]:
    """Every figure of one system over `cases` (outputs[i] is what it heard in cases[i])."""
    n: Counter[str] = Counter()
    per: dict[str, Counter[str]] = {p: Counter() for p in PHENOMENA}
    for case, heard in zip(cases, outputs, strict=True):
        counts = count(case, heard)
        n.update(counts)
        for p in case.phenomena:
            per[p].update(cases=1, expected=counts["items_expected"], found=counts["items_found"])
            per[p].update(unexpected=counts["items_unexpected"])
    precision, recall = (
        ratio(n["tags_correct"], n["tags_heard"]),
        ratio(n["tags_correct"], n["tags_expected"]),
    )
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None
    tags = {"precision": precision, "recall": recall, "f1": f1}
    return {
        "cases": len(cases),
        "tags": {
            **tags,
            "heard": n["tags_heard"],
            "expected": n["tags_expected"],
            "correct": n["tags_correct"],
        },
        "auto_applied": {
            "threshold": AUTO_APPLY_THRESHOLD,
            "count": n["auto"],
            "precision": ratio(n["auto_correct"], n["auto"]),
        },
        "negation": {
            "expected": n["negated_expected"],
            "found": n["negated_found"],
            "accuracy": ratio(n["negated_found"], n["negated_expected"]),
            "unexpected": n["negated_unexpected"],
        },
        "callback": {
            "expected": n["callback_expected"],
            "exact": n["callback_exact"],
            "rate": ratio(n["callback_exact"], n["callback_expected"]),
            "false_callbacks": n["callback_false"],
        },
        "amounts": {
            "expected": n["amounts_expected"],
            "exact": n["amounts_exact"],
            "rate": ratio(n["amounts_exact"], n["amounts_expected"]),
            "unexpected": n["amounts_unexpected"],
        },
        "phenomena": {
            p: {**row, "recall": ratio(row["found"], row["expected"])}
            for p, row in per.items()
            if row["cases"]
        },
    }


def per_second(
    run: Callable[[Transcript], object], transcripts: Sequence[Transcript], *, min_seconds: float
) -> float:
    """Conversations per second of `run`, repeating the whole set until at least `min_seconds` passed."""
    done, start = 0, time.perf_counter()
    while True:
        for transcript in transcripts:
            run(transcript)
        done += len(transcripts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def build_milliseconds(definitions: Sequence[TagDef], *, min_seconds: float) -> float:
    """Mean milliseconds of one Lexicon.build over the library (at least 5 builds)."""
    builds, start = 0, time.perf_counter()
    while builds < 5 or time.perf_counter() - start < min_seconds:
        Lexicon.build(definitions)
        builds += 1
    return (time.perf_counter() - start) * 1000 / builds


# (label, section of one system's figures, how its cell shows them)
REPORT_ROWS = (
    ("cases", "", "{cases}"),
    ("tag precision", "tags", "{precision} ({correct}/{heard})"),
    ("tag recall", "tags", "{recall} ({correct}/{expected})"),
    ("tag F1", "tags", "{f1}"),
    (f"precision at >= {AUTO_APPLY_THRESHOLD} (count)", "auto_applied", "{precision} ({count})"),
    ("negation accuracy", "negation", "{accuracy} ({found}/{expected})"),
    ("  negated, not expected", "negation", "{unexpected}"),
    ("call-back exact match", "callback", "{rate} ({exact}/{expected})"),
    ("  false call-backs", "callback", "{false_callbacks}"),
    ("amount exact match", "amounts", "{rate} ({exact}/{expected})"),
    ("  amounts not expected", "amounts", "{unexpected}"),
)


def _cell(values: dict[str, Any], template: str) -> str:
    """`template` filled from `values`: rates with three decimals, "n/a" where nothing was expected."""
    shown = {k: "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else v for k, v in values.items()}
    return template.format(**shown)


def print_figures(figures: dict[str, Any]) -> None:
    """The human-readable report: one table for both systems on all cases and on the holdout split."""
    columns = [(split, system) for split in SPLITS if split in figures for system in ("ours", "baseline")]
    print(f"{'':34}" + "".join(f"{f'{system} ({split})':>22}" for split, system in columns))
    for label, section, template in REPORT_ROWS:
        cells = [figures[split][system] for split, system in columns]
        shown = [_cell(cell[section] if section else cell, template) for cell in cells]
        print(f"{label:34}" + "".join(f"{text:>22}" for text in shown))
    print(
        "\nper phenomenon, all cases: recall of expected items (tags, negations, call-back, amounts); unexpected items"
    )
    print(f"{'':14}{'cases':>6}{'ours':>16}{'baseline':>16}{'ours extra':>12}{'base extra':>12}")
    ours, base = figures["all"]["ours"]["phenomena"], figures["all"]["baseline"]["phenomena"]
    for p in PHENOMENA:
        if p in ours:
            o, b = ours[p], base[p]
            ours_recall = _cell(o, "{recall} ({found}/{expected})")
            base_recall = _cell(b, "{recall} ({found}/{expected})")
            print(
                f"{p:14}{o['cases']:>6}{ours_recall:>16}{base_recall:>16}{o['unexpected']:>12}{b['unexpected']:>12}"
            )
    speed = figures["speed"]
    print(f"\nspeed (extraction only, set repeated >= {speed['min_seconds']} s; lexicon built once):")
    print(
        f"  ours      {speed['ours_per_second']:10.0f} conversations/s   (Lexicon.build: {speed['lexicon_build_ms']:.2f} ms for {speed['definitions']} tags)"
    )
    print(f"  baseline  {speed['baseline_per_second']:10.0f} conversations/s")


def print_misses(cases: Sequence[Case], outputs: Sequence[Heard], *, show_holdout: bool) -> None:
    """Each case where OUR extractor missed or added something: the turns, then every difference."""
    for case, heard in zip(cases, outputs, strict=True):
        if case.holdout and not show_holdout:
            continue
        got = {(t.tag_key, t.value): t for t in heard.tags}
        negated = {(t.tag_key, t.value): t for t in heard.negated}
        facts = {(f.kind, f.value): f for f in heard.facts}
        lines = [f"  missed tag {k}={v}" for k, v in sorted(case.tags - set(got))]
        lines += [
            f"  false tag {k}={v} ({t.confidence:.2f}) turn {t.evidence.turn_index} «{t.evidence.quote}» {t.reason}"
            for (k, v), t in got.items()
            if (k, v) not in case.tags
        ]
        lines += [f"  missed negation {k}={v}" for k, v in sorted(case.negated - set(negated))]
        lines += [f"  missed amount {k} {v}" for k, v in sorted(case.amounts - _amounts(heard))]
        lines += [
            f"  false amount {k} {v} «{f.evidence.quote}»"
            for (k, v), f in facts.items()
            if k != CALLBACK_AT and (k, v) not in case.amounts
        ]
        callback = _callback(heard)
        if callback != case.callback_at:
            quote = next((f"«{f.evidence.quote}»" for f in heard.facts if f.kind == CALLBACK_AT), "")
            lines.append(f"  call-back expected {case.callback_at} heard {callback} {quote}")
        if lines:
            print(f"\n{case.id} ({', '.join(case.phenomena)}){' [holdout]' if case.holdout else ''}")
            for i, turn in enumerate(case.transcript.turns):
                print(f"    {i} {'R' if turn.speaker == 'rep' else 'C'}: {turn.text}")
            print("\n".join(lines))


def evaluate(
    cases: Sequence[Case],
    definitions: Sequence[TagDef],
    *,
    min_seconds: float,
    blind: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[Heard]]:
    """Run both systems over `cases`; returns every figure and OUR outputs (for --verbose).

    Figures cover all cases, the in-file holdout split, and the blind set (case ids in `blind`).
    """
    lexicon = Lexicon.build(definitions)
    baseline = KeywordBaseline(definitions)
    ours = [extract(case.transcript, lexicon) for case in cases]
    base = [baseline.extract(case.transcript) for case in cases]
    holdout = [i for i, case in enumerate(cases) if case.holdout and case.id not in blind]
    unseen = [i for i, case in enumerate(cases) if case.id in blind]
    transcripts = [case.transcript for case in cases]
    figures: dict[str, Any] = {
        "all": {"ours": score(cases, ours), "baseline": score(cases, base)},
        "holdout": {
            "ours": score([cases[i] for i in holdout], [ours[i] for i in holdout]),
            "baseline": score([cases[i] for i in holdout], [base[i] for i in holdout]),
        },
        "blind": {
            "ours": score([cases[i] for i in unseen], [ours[i] for i in unseen]),
            "baseline": score([cases[i] for i in unseen], [base[i] for i in unseen]),
        },
        "speed": {
            "min_seconds": min_seconds,
            "definitions": len(definitions),
            "lexicon_build_ms": round(build_milliseconds(definitions, min_seconds=min(min_seconds, 0.5)), 3),
            "ours_per_second": round(
                per_second(lambda t: extract(t, lexicon), transcripts, min_seconds=min_seconds), 1
            ),
            "baseline_per_second": round(
                per_second(baseline.extract, transcripts, min_seconds=min_seconds), 1
            ),
        },
    }
    return figures, ours


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", action="store_true", help="also print every figure as one line of JSON (last line)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list each miss and false positive of our extractor"
    )
    parser.add_argument("--show-holdout", action="store_true", help="with --verbose, list holdout cases too")
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N cases")
    parser.add_argument(
        "--min-seconds", type=float, default=2.0, help="repeat the set at least this long for speed"
    )
    opts = parser.parse_args(argv)
    definitions = load_library()
    cases = load_cases()
    blind_cases = load_cases(BLIND) if BLIND.exists() else []
    if opts.limit > 0:
        cases, blind_cases = cases[: opts.limit], blind_cases[: opts.limit]
    blind = frozenset(case.id for case in blind_cases)
    cases = [*cases, *blind_cases]
    figures, ours = evaluate(cases, definitions, min_seconds=opts.min_seconds, blind=blind)
    holdout = sum(case.holdout for case in cases) - len(blind)
    print(
        f"conversation extraction: {len(cases)} labelled conversations ({holdout} holdout, {len(blind)} blind), "
        f"{len(definitions)} tags\n"
    )
    print(BASELINE_DEFINITION)
    print_figures(figures)
    if opts.verbose:
        print_misses(cases, ours, show_holdout=opts.show_holdout)
    if opts.json:
        print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
