"""Rubrics and personas meet through reaction kinds: a rubric with new keys works with every persona."""

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from app.content.catalog import load_catalog
from app.content.loader import load_model
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.grading.judge import JudgeModel, LlmJudge
from app.grading.judge_prompt import JudgePrompt, verdict_schema
from app.grading.offline import load_offline_grader
from app.persona.reactions import triggered_reactions
from app.validation.report import report_content
from tests.factories import say, start_session
from tests.fault_server import verdict_for
from tests.llm_support import FakeChatModel
from tests.persona_kit import ROOT, SHIPPED_PERSONAS, Conversation, crss_core

RENAMED = {"pressure": "steering", "authority": "expert_stance", "dependency": "rescuing",
           "boundaries": "role_blur", "empathy": "attunement"}
MI_KEYS = {"reflecting", "evoking", "directing", "confronting", "fixing"}


def content_with_rubric(tmp_path: Path, rubric: dict[str, Any]) -> Path:
    """Every shipped persona and the shared files, unedited, beside one rubric file."""
    shutil.copytree(ROOT / "personas", tmp_path / "personas")
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / f"{rubric['id']}.yaml").write_text(yaml.safe_dump(rubric, sort_keys=False), "utf-8")
    return tmp_path


def renamed_copy() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "rubrics" / "crss-core.yaml").read_text(encoding="utf-8"))
    data["id"] = "agency-policy"
    for dimension in data["dimensions"]:
        dimension["key"] = RENAMED[dimension["key"]]
    return data


def report(content: Path) -> tuple[int, str]:
    out = io.StringIO()
    return report_content(content, out=out), out.getvalue()


@pytest.mark.parametrize("risks_only", [False, True], ids=["renamed", "renamed-risks-only"])
def test_a_copy_of_crss_core_with_new_keys_validates_with_no_persona_edited(tmp_path: Path, risks_only: bool) -> None:
    rubric = renamed_copy()
    if risks_only:
        rubric["dimensions"] = [d for d in rubric["dimensions"] if d["kind"] == "risk"]
    code, output = report(content_with_rubric(tmp_path, rubric))
    assert code == 0, output
    assert f"1 rubric(s), {len(SHIPPED_PERSONAS)} persona(s), 0 invalid" in output


@pytest.mark.parametrize(
    ("triggers", "expected"),
    [
        (None, "field 'dimensions.0.triggers.when_flagged' is missing"),
        ({"when_flagged": "annoyed"}, "is 'annoyed', not a reaction kind; expected one of ['pushed', 'talked_down'"),
        ({"when_flagged": "heard"}, "is 'heard', a skill kind; dimension 'steering' (a risk) needs one of"),
        ({"when_flagged": "pushed", "when_present": "heard"}, "field 'dimensions.0.triggers.when_present' is not used"),
    ],
)
def test_validate_says_which_reaction_kind_a_dimension_lacks(
    tmp_path: Path, triggers: dict[str, str] | None, expected: str
) -> None:
    rubric = renamed_copy()
    rubric["dimensions"][0].pop("triggers")
    if triggers is not None:
        rubric["dimensions"][0]["triggers"] = triggers
    code, output = report(content_with_rubric(tmp_path, rubric))
    assert code == 1
    assert "INVALID rubrics/agency-policy.yaml" in output and expected in output, output


def test_a_persona_without_a_kind_is_told_which(tmp_path: Path) -> None:
    content = content_with_rubric(tmp_path, renamed_copy())
    path = content / "personas" / "dana-alcohol.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["reactions"].pop("took_over")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    code, output = report(content)
    assert code == 1
    assert "field 'reactions' has no reaction for kind 'took_over'" in output


def test_new_keys_trigger_the_same_reactions_strongest_first() -> None:
    dana = load_model(ROOT / "personas" / "dana-alcohol.yaml", Persona)
    renamed = Rubric.model_validate(renamed_copy())
    scores = {"steering": 2, "expert_stance": 0, "rescuing": 4, "role_blur": 1, "attunement": 3}
    found = triggered_reactions(persona=dana, rubric=renamed, scores=scores)
    assert [(t.kind, t.dimension, t.level) for t in found] == [
        ("took_over", "rescuing", 4), ("heard", "attunement", 3), ("pushed", "steering", 2),
        ("crossed_line", "role_blur", 1),
    ]
    assert found[0].reaction == dana.reactions["took_over"]
    assert [t.felt for t in found] == [True, True, True, False]


@pytest.mark.parametrize(("boundaries", "first"), [(3, "crossed_line"), (2, "took_over")])
def test_on_a_tie_the_line_crossed_is_answered_first(boundaries: int, first: str) -> None:
    """"Here's my cell, text me anytime" is dependency and boundaries alike: the peer answers the line crossed."""
    dana = load_model(ROOT / "personas" / "dana-alcohol.yaml", Persona)
    scores = {"pressure": 0, "authority": 0, "dependency": 3, "boundaries": boundaries, "empathy": 0}
    assert triggered_reactions(persona=dana, rubric=crss_core(), scores=scores)[0].kind == first


async def test_a_renamed_rubric_moves_the_peer_like_the_original() -> None:
    dana = load_model(ROOT / "personas" / "dana-alcohol.yaml", Persona)
    renamed = Rubric.model_validate(renamed_copy())
    original, copy = Conversation(dana, crss_core()), Conversation(dana, renamed)
    turns = [({"empathy": 3}, "It sounds lonely."), ({"pressure": 3, "authority": 2}, "You have to go tonight.")]
    for scores, text in turns:
        first, said = await original.say(text, scores)
        second, said_too = await copy.say(text, {RENAMED[key]: level for key, level in scores.items()})
        assert (first.reactions, first.heard, said) == (second.reactions, second.heard, said_too)
    assert original.state.trust == copy.state.trust


def test_every_persona_can_be_practised_on_the_second_rubric(client: TestClient) -> None:
    rubrics = {r["id"]: {d["key"] for d in r["dimensions"]} for r in client.get("/api/rubrics").json()}
    assert rubrics["mi-consistency"] == MI_KEYS and rubrics["crss-core"] != MI_KEYS
    for persona in load_catalog(ROOT).personas:
        session = start_session(client, persona=persona, rubric="mi-consistency")
        result = say(client, session["id"], "You should just stop. Here's the plan: I'll call them for you.")
        assert set(result["grade"]["scores"]) == MI_KEYS
        assert result["reply"]["text"]
    transcript = client.get(f"/api/sessions/{session['id']}").json()
    assert set(next(t for t in transcript["turns"] if t["role"] == "trainee")["grade"]["scores"]) == MI_KEYS


def test_the_second_rubric_works_from_picker_to_summary_and_replay(client: TestClient) -> None:
    home = client.get("/")
    assert {"crss-core", "mi-consistency"} <= {r.id for r in home.context["rubrics"]}  # type: ignore[attr-defined]
    assert 'value="mi-consistency"' in home.text
    crss = start_session(client, persona="dana-alcohol")
    say(client, crss["id"], "It sounds like the evenings are the hardest part.")
    response = client.post("/sessions", data={"persona": "marcus-buprenorphine", "rubric": "mi-consistency"})
    session_id = str(response.url).rsplit("/", 1)[-1]
    for text in ["Part of you wants to stop, and part of you is scared of the nights.", "You need to quit today."]:
        client.post(f"/sessions/{session_id}/turns", data={"text": text})
    client.post(f"/sessions/{session_id}/end")
    summary = client.get(f"/sessions/{session_id}/summary")
    assert set(summary.context["summary"].averages) == MI_KEYS  # type: ignore[attr-defined]
    assert summary.text.count('class="bar-row"') == len(MI_KEYS) and "Reflective listening" in summary.text
    listing = client.get("/supervisor")
    groups = {g.rubric.id: g.rows for g in listing.context["groups"]}  # type: ignore[attr-defined]
    assert set(groups["mi-consistency"][0].averages) == MI_KEYS and set(groups["crss-core"][0].averages) != MI_KEYS
    assert "MI-consistent practice" in listing.text and "Evoking" in listing.text
    replay = client.get(f"/supervisor/sessions/{session_id}")
    assert replay.status_code == 200 and "Directing without permission" in replay.text


async def test_the_llm_judge_judges_the_second_rubric_from_its_file(fake_llm: FakeChatModel) -> None:
    entry = load_catalog(ROOT).rubrics["mi-consistency"]
    prompt = JudgePrompt(content_dir=ROOT, rubric=entry.item)
    assert all(d.name in prompt.system() and d.anchors[3] in prompt.system() for d in entry.item.dimensions)
    fallback = load_offline_grader(content_dir=ROOT, rubric=entry.item, version=entry.version)
    judge = LlmJudge(rubric=entry.item, llm=fake_llm, model=JudgeModel("judge", 500), prompt=prompt, fallback=fallback)
    answer = verdict_for(verdict_schema(entry.item.keys).schema, 0)
    answer["scores"]["directing"] = {"evidence": ["You need to quit"], "reason": "Advice unasked.", "level": 2}
    fake_llm.enqueue(json.dumps(answer))
    grade = await judge.grade(context=[], reply="You need to quit today.")
    assert grade.grader == "llm:judge" and grade.scores == {**dict.fromkeys(MI_KEYS, 0), "directing": 2}


def test_a_retired_rubric_leaves_past_sessions_readable(client: TestClient, content_copy: Path) -> None:
    session = start_session(client, persona="dana-alcohol", rubric="mi-consistency")
    say(client, session["id"], "It sounds like the evenings are the hardest part.")
    client.post(f"/sessions/{session['id']}/end")
    (content_copy / "rubrics" / "mi-consistency.yaml").unlink()
    assert "mi-consistency" not in {r["id"] for r in client.get("/api/rubrics").json()}
    summary = client.get(f"/sessions/{session['id']}/summary")
    assert summary.status_code == 200 and "Reflective listening" in summary.text
    assert client.get(f"/supervisor/sessions/{session['id']}").status_code == 200
    listing = client.get("/supervisor")
    assert listing.status_code == 200
    assert [g.rubric for g in listing.context["groups"]] == [None]  # type: ignore[attr-defined]
