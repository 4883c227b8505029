"""The shipped personas and rubrics load cleanly, and broken content files give errors that name file and field."""

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.content.catalog import Catalog
from app.content.difficulty import DIFFICULTY_FILE
from app.content.loader import ContentError, load_model
from app.content.personas import Mood, Move, Persona
from app.content.rubrics import Rubric
from app.validation.catalog import load_checked_catalog as load_catalog

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_KEYS = ["pressure", "authority", "dependency", "boundaries", "empathy"]
RISK_KEYS = RUBRIC_KEYS[:4]
PERSONA_FILES = sorted((ROOT / "personas").glob("*.yaml"))
RUBRIC_FILES = sorted((ROOT / "rubrics").glob("*.yaml"))
PERSONA_IDS = [path.stem for path in PERSONA_FILES]
MOVES: tuple[Move, ...] = ("question", "reflection", "statement")
MOODS: tuple[Mood, ...] = ("guarded", "warming", "open")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT)


def all_lines(persona: Persona) -> list[str]:
    """Every line the peer can say in a session."""
    lines = [*persona.opening_lines, *persona.outcome.lines]
    lines += [line for fact in persona.hidden_facts for line in fact.reveal]
    lines += [line for reaction in persona.reactions.values() for line in reaction.lines]
    lines += [line for move in MOVES for mood in MOODS for line in persona.replies.for_move(move).for_mood(mood)]
    return lines


# --- shipped content -------------------------------------------------------------------------------


def test_shipped_content_loads_without_errors(catalog: Catalog) -> None:
    assert [str(error) for error in catalog.errors] == []
    assert set(catalog.personas) == set(PERSONA_IDS)
    assert set(catalog.rubrics) == {path.stem for path in RUBRIC_FILES}
    assert {"dana-alcohol", "marcus-buprenorphine", "lena-depression", "ray-reentry"} <= set(catalog.personas)


@pytest.mark.parametrize("path", [*PERSONA_FILES, *RUBRIC_FILES], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_shipped_file_loads_on_its_own(path: Path) -> None:
    item: Persona | Rubric = load_model(path, Persona) if path.parent.name == "personas" else load_model(path, Rubric)
    assert item.id == path.stem


def test_core_rubric_has_exactly_the_five_dimensions(catalog: Catalog) -> None:
    rubric = catalog.rubric("crss-core")
    assert rubric.keys == RUBRIC_KEYS
    assert {d.key: d.kind for d in rubric.dimensions} == {**dict.fromkeys(RISK_KEYS, "risk"), "empathy": "skill"}


@pytest.mark.parametrize("key", RUBRIC_KEYS)
def test_core_rubric_dimension_is_complete(catalog: Catalog, key: str) -> None:
    dimension = catalog.rubric("crss-core").dimension(key)
    assert 15 <= len(dimension.indicators) <= 40
    assert len(dimension.exemplars) >= 8
    assert {e.level for e in dimension.exemplars} == {0, 1, 2, 3, 4}
    assert len(dimension.coaching_tips) >= 4
    patterns = [i.pattern for i in dimension.indicators]
    assert len(set(patterns)) == len(patterns)


@pytest.mark.parametrize("key", RISK_KEYS)
def test_risk_indicators_stay_quiet_on_good_exemplars(catalog: Catalog, key: str) -> None:
    """A clear (level 2+) risk phrase must not fire on the rubric's own level-0 example replies."""
    dimension = catalog.rubric("crss-core").dimension(key)
    strong = [re.compile(rf"(?<!\w)(?:{i.pattern})(?!\w)", re.IGNORECASE) for i in dimension.indicators if i.level >= 2]
    for exemplar in (e for e in dimension.exemplars if e.level == 0):
        fired = [p.pattern for p in strong if p.search(exemplar.reply)]
        assert fired == [], f"{key} indicator fires on a level-0 exemplar {exemplar.reply!r}: {fired}"


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_persona_reacts_to_every_rubric_dimension(catalog: Catalog, persona_id: str) -> None:
    persona = catalog.persona(persona_id)
    for rubric in catalog.rubrics.values():
        assert set(rubric.item.keys) <= set(persona.reactions)
    for key in RISK_KEYS:
        assert persona.reactions[key].trust_change < 0, key
    assert persona.reactions["empathy"].trust_change > 0
    assert all(len(reaction.lines) >= 6 for reaction in persona.reactions.values())


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_persona_has_enough_distinct_lines_for_a_session(catalog: Catalog, persona_id: str) -> None:
    persona = catalog.persona(persona_id)
    for move in MOVES:
        for mood in MOODS:
            assert len(persona.replies.for_move(move).for_mood(mood)) >= 7, (move, mood)
    repeated = [line for line, n in Counter(line.lower() for line in all_lines(persona)).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_persona_trust_thresholds_make_sense(catalog: Catalog, persona_id: str) -> None:
    persona = catalog.persona(persona_id)
    thresholds = sorted(fact.trust for fact in persona.hidden_facts)
    assert len(thresholds) >= 3
    assert persona.initial_trust < thresholds[0]
    assert len(set(thresholds)) == len(thresholds)
    assert all(len(fact.reveal) >= 2 for fact in persona.hidden_facts)
    assert persona.initial_trust < persona.outcome.trust <= 100
    assert len(persona.outcome.lines) >= 2


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_peer_never_breaks_character(catalog: Catalog, persona_id: str) -> None:
    out_of_character = re.compile(r"\b(as an ai|language model|chatbot|trainee|rubric)\b", re.IGNORECASE)
    assert [line for line in all_lines(catalog.persona(persona_id)) if out_of_character.search(line)] == []


# --- broken content --------------------------------------------------------------------------------

Data = dict[str, Any]


def _drop(field: str) -> Callable[[Data], None]:
    return lambda data: data.pop(field)


def _rename(old: str, new: str) -> Callable[[Data], None]:
    return lambda data: data.update({new: data.pop(old)})


def _set(field: str, value: object) -> Callable[[Data], None]:
    return lambda data: data.update({field: value})


def _first_dimension(change: Callable[[Data], None]) -> Callable[[Data], None]:
    return lambda data: change(data["dimensions"][0])


def _first_indicator_pattern(pattern: str) -> Callable[[Data], None]:
    return lambda data: data["dimensions"][0]["indicators"][0].update(pattern=pattern)


def _drop_anchor(level: int) -> Callable[[Data], None]:
    return lambda data: data["dimensions"][0]["anchors"].pop(level)


def _drop_reaction(key: str) -> Callable[[Data], None]:
    return lambda data: data["reactions"].pop(key)


def _empty_reveal(data: Data) -> None:
    data["hidden_facts"][0]["reveal"] = []


BROKEN = [
    pytest.param("personas", _drop("name"), "field 'name' is required but missing", id="persona-missing-field"),
    pytest.param("personas", _drop("outcome"), "field 'outcome' is required", id="persona-missing-section"),
    pytest.param(
        "personas", _rename("background", "backgroud"), "field 'backgroud' is not allowed", id="persona-misspelled"
    ),
    pytest.param(
        "personas", _set("favourite_colour", "blue"), "field 'favourite_colour' is not allowed", id="persona-extra"
    ),
    pytest.param("personas", _set("age", "forty-one"), "field 'age'", id="persona-wrong-type"),
    pytest.param("personas", _set("stage_of_change", "ready"), "field 'stage_of_change'", id="persona-bad-choice"),
    pytest.param("personas", _set("strengths", "stubborn"), "field 'strengths'", id="persona-list-as-text"),
    pytest.param("personas", _empty_reveal, "field 'hidden_facts.0.reveal'", id="persona-empty-reveal"),
    pytest.param("personas", _set("id", "someone-else"), "field 'id'", id="persona-id-not-file-name"),
    pytest.param("personas", _drop_reaction("boundaries"), "field 'reactions'", id="persona-missing-reaction"),
    pytest.param("rubrics", _drop("name"), "field 'name' is required but missing", id="rubric-missing-field"),
    pytest.param(
        "rubrics",
        _first_dimension(_rename("principle", "principal")),
        "field 'dimensions.0.principal' is not allowed",
        id="rubric-misspelled",
    ),
    pytest.param(
        "rubrics", _first_dimension(_set("kind", "danger")), "field 'dimensions.0.kind'", id="rubric-bad-kind"
    ),
    pytest.param(
        "rubrics",
        _first_dimension(_set("exemplars", "none yet")),
        "field 'dimensions.0.exemplars'",
        id="rubric-wrong-type",
    ),
    pytest.param(
        "rubrics",
        _first_indicator_pattern(r"\byou (have|need to"),
        "field 'dimensions.0.indicators.0.pattern'",
        id="rubric-invalid-regex",
    ),
    pytest.param("rubrics", _drop_anchor(4), "field 'dimensions.0.anchors'", id="rubric-anchor-missing-level"),
    pytest.param("rubrics", _set("id", "crss-other"), "field 'id'", id="rubric-id-not-file-name"),
]


DIFFICULTY = [(str(DIFFICULTY_FILE.parent), DIFFICULTY_FILE.name)]


def _content_copy(tmp_path: Path) -> Path:
    """A content folder with one shipped persona, the core rubric and the difficulty levels, to break one at a time."""
    for folder, name in (("personas", "dana-alcohol.yaml"), ("rubrics", "crss-core.yaml"), *DIFFICULTY):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / name).write_text((ROOT / folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def _the_error(catalog: Catalog, path: Path) -> str:
    messages = [str(error) for error in catalog.errors if error.path == path]
    assert len(messages) == 1, [str(error) for error in catalog.errors]
    return messages[0]


@pytest.mark.parametrize(("folder", "change", "expected"), BROKEN)
def test_broken_file_error_names_file_and_field(
    tmp_path: Path, folder: str, change: Callable[[Data], None], expected: str
) -> None:
    content = _content_copy(tmp_path)
    path = next((content / folder).glob("*.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    catalog = load_catalog(content)

    message = _the_error(catalog, path)
    assert path.name in message
    assert expected in message
    items = catalog.personas if folder == "personas" else catalog.rubrics
    assert path.stem not in items


@pytest.mark.parametrize(
    ("folder", "text", "line"),
    [
        pytest.param("personas", "id: dana-alcohol\nname: Dana\n  age: 41\n", 3, id="bad-indent"),
        pytest.param("personas", 'id: dana-alcohol\nopening_lines: ["Hi."\nname: Dana\n', 3, id="unclosed-list"),
        pytest.param(
            "rubrics", "id: crss-core\ndimensions:\n  - key: pressure\n    pattern: '\\byou\n", 5, id="unclosed-quote"
        ),
    ],
)
def test_broken_yaml_names_file_and_line(tmp_path: Path, folder: str, text: str, line: int) -> None:
    content = _content_copy(tmp_path)
    path = next((content / folder).glob("*.yaml"))
    path.write_text(text, encoding="utf-8")

    message = _the_error(load_catalog(content), path)

    assert path.name in message
    assert "broken YAML" in message
    assert re.search(rf"line {line}\b", message), message


def test_top_level_list_is_rejected_with_file_name(tmp_path: Path) -> None:
    content = _content_copy(tmp_path)
    path = content / "personas" / "dana-alcohol.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")

    with pytest.raises(ContentError) as caught:
        load_model(path, Persona)

    assert caught.value.path == path
    assert path.name in str(caught.value)
    assert "mapping of fields" in str(caught.value)
