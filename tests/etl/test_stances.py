"""The stance rule (README, "Stances") on its hard cases: each quotation with the words that decide it.

welcomes: the quotation's point is that a proposal is good (a condition does not change that);
concern: its point is a risk, gap or doubt, and any praise on the way is of intent, aim, ambition or a principle;
mixed: it judges a proposal itself good and also raises a risk, gap or doubt ("X is welcome, but Y").
"""

from __future__ import annotations

import pytest
import yaml

from etl.build import RECORDS_DIR

QUOTES = {q["id"]: q for q in yaml.safe_load((RECORDS_DIR / "isos-2026" / "quotes.yaml").read_text(encoding="utf-8"))}

HARD_CASES = [
    # praise of intent, aim or ambition on the way to a risk: concern
    ("q-26", "are well intentioned but it could lead to greater pressure", "concern"),
    ("q-13", "however well-intentioned", "concern"),
    ("q-43", "While the ambition to implement change quickly is commendable", "concern"),
    ("q-23", "is the right ambition. But right now, those experts simply don't exist", "concern"),
    ("q-29", "We agree with the aim to simplify", "concern"),
    ("q-32", "While [the SEND consultation] rightly emphasises inclusion", "concern"),
    ("q-45", "while careful phasing is sensible for managing change", "concern"),
    ("q-44", "While it is understood that reforms of this scale should not be rushed", "concern"),
    ("q-50", "The risk is not that parents don't want this reform to succeed", "concern"),
    # a proposal itself judged good, and a risk raised: mixed
    ("q-48", "While national investment is welcome", "mixed"),
    ("q-36", "in places, genuinely exciting. But ambition without workforce", "mixed"),
    ("q-27", "whilst the proposed capping of costs of independent provision is to be welcomed", "mixed"),
    ("q-28", "while positive in principle", "mixed"),
    # a welcome with a condition: welcomes
    ("q-04", "The inclusion standards, if shaped well, will have a significant impact", "welcomes"),
    ("q-17", "These funds, if distributed fairly, should help", "welcomes"),
]


@pytest.mark.parametrize("qid, words, stance", HARD_CASES, ids=[c[0] for c in HARD_CASES])
def test_stance_rule_hard_cases(qid, words, stance):
    """Each hard case carries the stance the rule gives it, and the words the rule reads are in its text."""
    assert words in QUOTES[qid]["text"]
    assert QUOTES[qid]["stance"] == stance


def test_stance_counts():
    """After applying the rule: 17 welcome, 29 concern, 4 mixed."""
    counts = {s: sum(q["stance"] == s for q in QUOTES.values()) for s in ("welcomes", "concern", "mixed")}
    assert counts == {"welcomes": 17, "concern": 29, "mixed": 4}


def test_parents_trust_is_filed_beyond_timescales():
    """q-50, on parents' trust (tribunals, inclusion, the transition), is filed under each of those themes."""
    assert set(QUOTES["q-50"]["themes"]) == {"timescales", "tribunals", "inclusion"}
