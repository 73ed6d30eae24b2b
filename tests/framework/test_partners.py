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
        p.add_survey(GM_EDITOR, "s", [{"id": "q1", "kind": "choice", "options": ["a"]}])
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
