"""`python -m app validate`, `check-replies` and `grade`, run as real processes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from app.config import PROJECT_ROOT

DEV_EXAMPLES = PROJECT_ROOT / "bench" / "data" / "crss_examples.jsonl"
KEYS = {"pressure", "authority", "dependency", "boundaries", "empathy"}


def run_app(*args: str, stdin: str | None = None, content_dir: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PEER_CONTENT_DIR": str(content_dir)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


def test_validate_passes_on_shipped_content() -> None:
    result = run_app("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "crss-core" in result.stdout


def test_validate_fails_on_a_broken_persona(tmp_path: Path) -> None:
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "personas").mkdir()
    (tmp_path / "rubrics" / "crss-core.yaml").write_text(
        (PROJECT_ROOT / "rubrics" / "crss-core.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "personas" / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    result = run_app("validate", content_dir=tmp_path)
    assert result.returncode == 1
    assert "personas/broken.yaml" in result.stdout and "broken YAML" in result.stdout


def test_check_replies_names_a_model_reply_the_coach_would_drop(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "rubrics", tmp_path / "rubrics", ignore=shutil.ignore_patterns("examples"))
    shutil.copytree(PROJECT_ROOT / "personas" / "_shared", tmp_path / "personas" / "_shared")
    dana = yaml.safe_load((PROJECT_ROOT / "personas" / "dana-alcohol.yaml").read_text(encoding="utf-8"))
    opening = dana["opening_lines"][0]
    assert isinstance(opening, dict) and opening["better_replies"]
    opening["better_replies"] = ["You need to get to a meeting tonight, no excuses."]
    (tmp_path / "personas" / "dana-alcohol.yaml").write_text(yaml.safe_dump(dana, sort_keys=False), encoding="utf-8")
    result = run_app("check-replies", "dana-alcohol", content_dir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "opening_lines: flagged" in result.stdout and "no excuses" in result.stdout
    assert "1 the coach would drop" in result.stdout
    assert run_app("check-replies", "nobody", content_dir=tmp_path).returncode == 2


def test_grade_writes_one_line_per_input_in_order(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a",
            "context": [{"role": "peer", "text": "I drank again last night."}],
            "reply": "You have to stop. Now.",
        },
        "not json at all",
        {"id": 7, "context": [], "reply": ""},
        {"id": "b", "context": [{"role": "peer", "text": "I feel so alone."}], "reply": "That sounds really lonely."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8")
    result = run_app("grade", str(source))
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, 7, "b"]
    assert "error" in rows[1] and "error" in rows[2]
    assert set(rows[0]["scores"]) == KEYS and rows[0]["grader"].startswith("offline")
    assert rows[0]["scores"]["pressure"] >= 2


def test_grade_handles_the_dev_examples() -> None:
    result = run_app("grade", str(DEV_EXAMPLES))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    inputs = [json.loads(line) for line in DEV_EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in rows] == [i["id"] for i in inputs]
    assert all(set(r["scores"]) == KEYS and all(0 <= v <= 4 for v in r["scores"].values()) for r in rows)


def test_the_shipped_personas_model_replies_all_pass_the_coachs_checks() -> None:
    result = run_app("check-replies")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 the coach would drop" in result.stdout
