"""A person's assignment is manual with confidence 1.0; machine provenance is the platform's."""

from __future__ import annotations

import pytest

from common.errors import PermissionDenied
from services.tags.assignments.values import check_person_provenance
from services.tags.model import AssignInput, Evidence


def test_manual_with_a_note_or_an_unset_confidence_passes() -> None:
    check_person_provenance(
        [
            AssignInput(tag_key="a", value="", evidence=Evidence(note="said on the phone")),
            AssignInput(tag_key="b", value="", source="", confidence=0.0),
            AssignInput(tag_key="c", value="", source="manual", confidence=1.0),
        ]
    )


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (AssignInput(tag_key="t", value="", source="model"), "tags[1].source"),
        (AssignInput(tag_key="t", value="", source="system"), "tags[1].source"),
        (AssignInput(tag_key="t", value="", confidence=0.99), "tags[1].confidence"),
        (AssignInput(tag_key="t", value="", confidence=float("nan")), "tags[1].confidence"),
        (AssignInput(tag_key="t", value="", evidence=Evidence(rule_id="r")), "tags[1].evidence.rule_id"),
        (AssignInput(tag_key="t", value="", evidence=Evidence(quote="q")), "tags[1].evidence.quote"),
        (
            AssignInput(tag_key="t", value="", evidence=Evidence(event_ids=("e",))),
            "tags[1].evidence.event_ids",
        ),
    ],
)
def test_a_machine_claim_is_refused_naming_the_field(item: AssignInput, field: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_person_provenance([AssignInput(tag_key="ok", value=""), item])
    assert refused.value.field == field
    assert "platform" in refused.value.message
