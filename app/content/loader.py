"""Read a YAML content file into a pydantic model, with errors that name file, field and expectation."""

import hashlib
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ContentError(Exception):
    """A content file that cannot be used; the message is meant for the staff member who wrote it."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def describe_validation_error(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            problems.append(f"field '{field}' is not allowed here (check its spelling)")
        elif item["type"] == "missing":
            problems.append(f"field '{field}' is required but missing")
        else:
            problems.append(f"field '{field}': {item['msg']} (got {item.get('input')!r:.80})")
    return problems


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C (libyaml) where the wheel has it: about ten times faster on the persona files."""


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, [f"not UTF-8 text ({exc.reason})"]) from exc
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, [f"broken YAML{where}: {problem}"]) from exc


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(path, [f"expected a mapping of fields at the top, got {type(data).__name__}"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(path, describe_validation_error(exc)) from exc


def content_hash(path: Path) -> str:
    """Version of a content file: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
