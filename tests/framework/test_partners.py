"""Partners, joint commitments and surveys (with disclosure control on the summaries)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from healthgap.data.disclosure import find_disclosive_cells
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.partners import ALL, Partnerships, suggested_partners
from healthgap.framework.powers import register
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import GM_EDITOR, SY_EDITOR

QUESTIONS = [
    {"id": "q1", "text": "The partnership listens to residents.", "kind": "scale"},
    {"id": "q2", "text": "Your sector", "kind": "choice", "options": ["NHS", "council", "VCSE"]},
    {"id": "q3", "text": "Anything else?", "kind": "text"},
]


def test_suggested_partners_come_from_the_register(store: Store) -> None:
    wm = register(store).get("West Midlands")
    got = suggested_partners(wm)
    assert (got["type"] == "council").sum() == len(wm.members) == 7
    assert set(got.loc[got["type"] == "icb", "code"]) == set(
        wm.icbs.loc[wm.icbs["partner"], "icb_code"]
    )


def test_partners(ws: Workspace) -> None:
    p = Partnerships(ws, "E47000001")
    a = p.add_partner(GM_EDITOR, "NHS Greater Manchester", "icb")
    b = p.add_partner(GM_EDITOR, "Voluntary Sector North", "voluntary sector", role="convenor")
    got = p.partners()
    assert got["id"].tolist() == [a, b] and got.loc[1, "role"] == "convenor"
    with pytest.raises(InputError, match="type must be one of council, icb"):
        p.add_partner(GM_EDITOR, "X", "club")
    with pytest.raises(InputError, match="a partner must have a name; got ''"):
        p.add_partner(GM_EDITOR, "  ", "icb")
    with pytest.raises(NotPermittedError):
        p.add_partner(SY_EDITOR, "Not mine", "council")


def test_survey_summary_is_disclosure_controlled(ws: Workspace) -> None:
    p = Partnerships(ws, "E47000001")
    sid = p.add_survey(GM_EDITOR, "Partnership health check", QUESTIONS)
    rng = np.random.default_rng(9)
    scale = rng.integers(1, 6, size=40).tolist()
    sector = rng.choice(["NHS", "council", "VCSE"], size=40, p=[0.6, 0.35, 0.05]).tolist()
    for s, sec in zip(scale, sector, strict=True):
        p.add_response(GM_EDITOR, sid, {"q1": s, "q2": sec, "q3": "free text"})
    got = p.survey_summary(sid)
    assert set(got["question"]) == {"q1", "q2"}  # free text is not counted
    assert find_disclosive_cells(
        got, count_columns="count", margins={"answer": ALL}, group_by="question"
    ).empty
    # a published count is the true count rounded to 5 and above 7; withheld ones are NaN
    truth = {("q1", str(k)): scale.count(k) for k in range(1, 6)}
    truth |= {("q2", k): sector.count(k) for k in ("NHS", "council", "VCSE")}
    truth |= {("q1", ALL): 40, ("q2", ALL): 40}
    for row in got.itertuples(index=False):
        n = truth[(row.question, row.answer)]
        if math.isnan(row.count):
            assert math.isnan(row.percent)
        else:
            assert row.count == 5 * math.floor(n / 5 + 0.5) and n > 7
    vcse = got[(got["question"] == "q2") & (got["answer"] == "VCSE")].iloc[0]
    assert sector.count("VCSE") <= 7 and math.isnan(vcse["count"])
    total = got[(got["question"] == "q1") & (got["answer"] == ALL)].iloc[0]
    assert total["count"] == 40 and total["percent"] == 100


def test_survey_checks(ws: Workspace) -> None:
    p = Partnerships(ws, "E47000001")
    with pytest.raises(
        InputError, match="question kind must be one of scale, choice, text; got 'stars'"
    ):
        p.add_survey(GM_EDITOR, "s", [{"id": "q1", "kind": "stars"}])
    with pytest.raises(InputError, match="a choice question must have at least two options"):
        p.add_survey(
            GM_EDITOR, "s", [{"id": "q1", "kind": "choice", "text": "Q", "options": ["a"]}]
        )
    with pytest.raises(InputError, match="each question must have a unique id; got 'q1'"):
        p.add_survey(GM_EDITOR, "s", [{"id": "q1", "kind": "text"}, {"id": "q1", "kind": "text"}])
    sid = p.add_survey(GM_EDITOR, "s", QUESTIONS)
    with pytest.raises(
        InputError, match="an answer to scale question 'q1' must be 1, 2, 3, 4 or 5; got 6"
    ):
        p.add_response(GM_EDITOR, sid, {"q1": 6})
    with pytest.raises(
        InputError, match="an answer to 'q2' must be one of its options; got 'police'"
    ):
        p.add_response(GM_EDITOR, sid, {"q2": "police"})
    with pytest.raises(InputError, match="answers must be for questions of"):
        p.add_response(GM_EDITOR, sid, {"q9": 1})
    with pytest.raises(InputError, match="survey must be a survey of E47000002"):
        Partnerships(ws, "E47000002").survey_summary(sid)


# --------------------------------------------- publication in batches (issue 17, item 8)
def test_survey_summary_changes_only_in_batches_of_ten(ws: Workspace) -> None:
    """Two successive publications never differ by one response: the summary counts whole
    batches of 10 responses, so adding responses one at a time changes it only at 10,
    20, 30 (differencing reveals a batch of 10, never one person's answer)."""
    p = Partnerships(ws, "E47000001")
    sid = p.add_survey(GM_EDITOR, "Batches", QUESTIONS[:2])
    rng = np.random.default_rng(17)
    published = []
    for n in range(1, 31):
        answers = {"q1": int(rng.integers(1, 6)), "q2": str(rng.choice(["NHS", "council"]))}
        p.add_response(GM_EDITOR, sid, answers)
        published.append(p.survey_summary(sid))
        if n < 10:
            assert published[-1]["count"].isna().all(), n  # nothing before 10 responses
            assert p.survey_note(sid).startswith("No summary yet: answers are published once")
    for n in range(2, 31):  # published[n - 1] is the summary after n responses
        same = published[n - 1].equals(published[n - 2])
        assert same == (n % 10 != 0), n
    totals = [int(t.loc[t["answer"] == ALL, "count"].iloc[0]) for t in published[9::10]]
    assert totals == [10, 20, 30]
    assert p.survey_note(sid) == (
        "The summary covers the first 30 responses; it is updated for each further 10, so "
        "no single response can be worked out from changes."
    )


def test_no_summary_while_a_question_has_too_few_answers(ws: Workspace) -> None:
    p = Partnerships(ws, "E47000001")
    sid = p.add_survey(GM_EDITOR, "Optional second question", QUESTIONS[:2])
    for i in range(20):
        answers: dict[str, object] = {"q1": 4}
        if i < 9:  # q2 answered by only 9 of the 20
            answers["q2"] = "NHS"
        p.add_response(GM_EDITOR, sid, answers)
    got = p.survey_summary(sid)
    assert len(got) == 5 + 1 + 3 + 1 and got["count"].isna().all() and got["percent"].isna().all()
    assert p.survey_note(sid) == (
        "No summary yet: every question must have at least 10 answers among the 20 responses "
        "published; q2 has fewer. Published in batches of 10 responses."
    )
    p.add_response(GM_EDITOR, sid, {"q1": 4, "q2": "NHS"})  # 21 responses: still batch 20
    assert p.survey_summary(sid)["count"].isna().all()
