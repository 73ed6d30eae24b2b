"""The appreciative enquiry: stages, notes, the check and the lever map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.framework import enquiry as fw_enquiry
from healthgap.framework.actions import ActionPlan
from healthgap.framework.enquiry import CATEGORIES, STAGES, Enquiry, prompts
from healthgap.framework.powers import (
    COMPETENCES,
    Authority,
)
from healthgap.framework.storage import Actor, Workspace
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    form_version,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    On,
    OnAuthority,
    _authority,
    _call,
    _context,
    _reader,
    _records,
    _writer,
    the_register,
    workspace,
)

router = APIRouter()


STAGE_LABELS = {
    "discover": "Discover: what already works",
    "dream": "Dream: what could be",
    "design": "Design: levers and partners",
    "deliver": "Deliver: actions and measures",
}
CATEGORY_LABELS = {
    "asset": "Asset (something that already works or exists)",
    "opportunity": "Opportunity",
    "lever": "Lever (a power, budget, decision or contract the authority can use)",
    "partner": "Partner (who needs to be involved)",
}
CATEGORY_HINT = "Select whether this is an asset, an opportunity, a lever or a partner"


# ---------------------------------------------------------------------------- enquiry
def _stage_prompts(competence: str | None, stage: str) -> list[Any]:
    """The general prompts of ``stage``, then those of the chosen area of competence."""
    if competence:
        return prompts(stage, competence)
    return [p for p in prompts(stage) if p.competence is None]


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise WebError(
            404,
            "not_found",
            f"stage must be one of {', '.join(STAGES)}; got {stage!r}. Start at discover.",
        )
    return stage


def _competence_or_none(competence: str) -> str | None:
    if not competence:
        return None
    if competence not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {competence!r}. "
            "E.g. 'health'."
        )
    return competence


@router.get("/framework/{code}/enquiry", response_class=HTMLResponse, include_in_schema=False)
def enquiry_page(on: OnAuthority, competence: str = "") -> Any:
    a = on.reading()
    comp = _competence_or_none(competence)
    notes = Enquiry(on.ws, a.code).notes()
    counts = notes.groupby("stage").size().to_dict() if len(notes) else {}
    return render(
        on.request,
        "framework_enquiry.html",
        {
            **_context(on.request, on.session, a),
            "stages": [(s, STAGE_LABELS[s], int(counts.get(s, 0))) for s in STAGES],
            "competences": COMPETENCES,
            "competence": comp or "",
            "purposes": {s: fw_enquiry._seed()["stages"][s]["purpose"] for s in STAGES},
        },
    )


def _stage_render(
    on: On,
    a: Authority,
    stage: str,
    competence: str,
    errors: list[tuple[str, str]],
    form: dict[str, str],
    status: int = 200,
) -> Any:
    notes = Enquiry(on.ws, a.code).notes()
    here = notes[notes["stage"] == stage] if len(notes) else notes
    i = STAGES.index(stage)
    return render(
        on.request,
        "framework_enquiry_stage.html",
        {
            **_context(on.request, on.session, a),
            "stage": stage,
            "stage_label": STAGE_LABELS[stage],
            "step": i + 1,
            "next_stage": STAGES[i + 1] if i + 1 < len(STAGES) else None,
            "purpose": fw_enquiry._seed()["stages"][stage]["purpose"],
            "prompts": _stage_prompts(competence, stage),
            "competence": competence,
            "competence_label": COMPETENCES.get(competence, ""),
            "categories": CATEGORY_LABELS,
            "notes": here.to_dict("records"),
            "prompt_text": {p.id: p.text for p in prompts(stage)},
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


@router.get("/framework/{code}/enquiry/check", response_class=HTMLResponse, include_in_schema=False)
def enquiry_check_page(on: OnAuthority, competence: str = "") -> Any:
    a = on.reading()
    notes = Enquiry(on.ws, a.code).notes()
    text = {p.id: p.text for p in prompts()}
    by_stage = [
        (s, STAGE_LABELS[s], notes[notes["stage"] == s].to_dict("records") if len(notes) else [])
        for s in STAGES
    ]
    return render(
        on.request,
        "framework_enquiry_check.html",
        {
            **_context(on.request, on.session, a),
            "by_stage": by_stage,
            "prompt_text": text,
            "categories": CATEGORY_LABELS,
            "competence": _competence_or_none(competence) or "",
            "total": len(notes),
        },
    )


@router.get(
    "/framework/{code}/enquiry/result", response_class=HTMLResponse, include_in_schema=False
)
def enquiry_result_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    reg = the_register(request, st)
    a = _authority(reg, code)
    enq = Enquiry(workspace(request), a.code)
    levers = enq.lever_map(reg)
    used = {v.data.get("lever") for v in workspace(request).current("action", a.code)}
    drafts = [{**d, "in_plan": d["lever"] in used} for d in enq.draft_plan()]
    return render(
        request,
        "framework_enquiry_result.html",
        {
            **_context(request, session, a),
            "levers": levers.to_dict("records"),
            "drafts": drafts,
            "competences": COMPETENCES,
            "new_drafts": sum(not d["in_plan"] for d in drafts),
        },
    )


@router.post(
    "/framework/{code}/enquiry/result",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def enquiry_to_plan(on: OnAuthority, csrf_token: str = Form("")) -> Any:
    a, who = on.writing("action", csrf_token)
    add_drafts(on.ws, who, a.code)
    return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)


def add_drafts(ws: Workspace, who: Actor, code: str) -> list[str]:
    """Add each draft action of the enquiry whose lever is not yet in the plan."""
    plan = ActionPlan(ws, code)
    used = {v.data.get("lever") for v in ws.current("action", code)}
    added = []
    for d in Enquiry(ws, code).draft_plan():
        if d["lever"] in used:
            continue
        added.append(
            _call(
                plan.add,
                who,
                title=d["title"],
                lever=d["lever"],
                competence=d["competence"],
                partners=d["partners"],
                status="draft",
            )
        )
    return added


@router.get(
    "/framework/{code}/enquiry/notes/{note_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def enquiry_note_page(on: OnAuthority, note_id: str) -> Any:
    a = on.reading()
    note = _note(on.ws, a.code, note_id)
    return _note_render(on, a, note_id, note, [], note)


def _note(ws: Workspace, code: str, note_id: str) -> dict[str, Any]:
    v = ws.get("enquiry", note_id)
    if v is None or v.deleted or v.authority_code != code:
        raise WebError(
            404,
            "not_found",
            f"note must be an enquiry note of {code}; got {note_id!r}. "
            f"See /framework/{code}/enquiry/check.",
        )
    return v.data


def _note_render(
    on: On,
    a: Authority,
    note_id: str,
    note: dict[str, Any],
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status_code: int | None = None,
) -> Any:
    current = on.ws.get("enquiry", note_id)
    return render(
        on.request,
        "framework_enquiry_note.html",
        {
            **_context(on.request, on.session, a),
            "note_id": note_id,
            # the version this form is based on: as first read, kept through corrections
            "version": form.get("version") or (current.version if current else ""),
            "prompt": fw_enquiry.prompt(note["prompt"]),
            "categories": CATEGORY_LABELS,
            "errors": errors,
            "form": form,
        },
        status_code=status_code or (400 if errors else 200),
    )


@router.post(
    "/framework/{code}/enquiry/notes/{note_id}",
    include_in_schema=False,
    dependencies=[requires("enquiry")],
)
def enquiry_note_change(
    on: OnAuthority,
    note_id: str,
    category: str = Form(""),
    text: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a, who = on.writing("enquiry", csrf_token)
    note = _note(on.ws, a.code, note_id)
    read = form_version(version, f"note {note_id}")
    form = {"category": category, "text": text, "version": str(read)}
    errors = _note_errors(category, text)
    if errors:
        return _note_render(on, a, note_id, note, errors, form)
    try:
        Enquiry(on.ws, a.code).answer(
            who, note["prompt"], category, text, note_id=note_id, expected_version=read
        )
    except StaleVersionError as exc:
        return _note_render(on, a, note_id, note, [("text", str(exc))], form, 409)
    return RedirectResponse(f"/framework/{a.code}/enquiry/check", status_code=303)


def _note_errors(category: str, text: str) -> list[tuple[str, str]]:
    errors = []
    if category not in CATEGORIES:
        errors.append(("category", CATEGORY_HINT))
    if not text.strip():
        errors.append(("text", "Enter your answer"))
    return errors


@router.get(
    "/framework/{code}/enquiry/{stage}", response_class=HTMLResponse, include_in_schema=False
)
def enquiry_stage_page(on: OnAuthority, stage: str, competence: str = "") -> Any:
    a = on.reading()
    comp = _competence_or_none(competence) or ""
    return _stage_render(on, a, _check_stage(stage), comp, [], {})


@router.post(
    "/framework/{code}/enquiry/{stage}",
    include_in_schema=False,
    dependencies=[requires("enquiry")],
)
def enquiry_stage_answer(
    on: OnAuthority,
    stage: str,
    prompt: str = Form(""),
    category: str = Form(""),
    text: str = Form(""),
    competence: str = Form(""),
    action: str = Form("save"),
    csrf_token: str = Form(""),
) -> Any:
    a = on.authority()
    _check_stage(stage)  # a 404 for the stage before the write checks, as it always was
    who = _writer(on.request, on.session, "enquiry", a.code, csrf_token)
    comp = _competence_or_none(competence) or ""
    valid = {p.id for p in _stage_prompts(comp, stage)}
    errors = []
    if prompt not in valid:
        errors.append(("prompt-0", "Select the question you are answering"))
    errors += _note_errors(category, text)
    if errors:
        form = {"prompt": prompt, "category": category, "text": text}
        return _stage_render(on, a, stage, comp, errors, form, 400)
    Enquiry(on.ws, a.code).answer(who, prompt, category, text)
    i = STAGES.index(stage)
    query = f"?competence={comp}" if comp else ""
    if action == "continue":
        target = (
            f"/framework/{a.code}/enquiry/{STAGES[i + 1]}"
            if i + 1 < len(STAGES)
            else f"/framework/{a.code}/enquiry/check"
        )
        return RedirectResponse(target + query, status_code=303)
    return RedirectResponse(f"/framework/{a.code}/enquiry/{stage}{query}", status_code=303)


@router.get(f"{API}/{{code}}/enquiry", tags=["framework"], summary="Enquiry notes, lever map")
def api_enquiry(on: OnAuthority) -> Any:
    a = on.reading()
    reg = the_register(on.request, on.st)
    enq = Enquiry(on.ws, a.code)
    return {
        "notes": _records(enq.notes()),
        "lever_map": _records(enq.lever_map(reg)),
        "draft_plan": enq.draft_plan(),
    }


class NoteIn(BaseModel):
    """An enquiry answer: an asset, opportunity, lever or partner against a prompt."""

    prompt: str
    category: str
    text: str
    note_id: str | None = None


@router.post(
    f"{API}/{{code}}/enquiry/notes",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("enquiry")],
)
def api_enquiry_note(on: OnAuthority, body: NoteIn, x_csrf_token: str | None = CsrfHeader) -> Any:
    a, who = on.writing("enquiry", x_csrf_token)
    if body.note_id is not None:
        _note(on.ws, a.code, body.note_id)
    nid = Enquiry(on.ws, a.code).answer(
        who, body.prompt, body.category, body.text, note_id=body.note_id
    )
    return {"id": nid}
