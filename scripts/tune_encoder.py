"""Fine-tune the float MiniLM weights on a rubric's labelled replies (training time only).

The encoder learns to tell the rubric's levels apart: the mean-pooled, normalised vector of each
reply (its plain text, as the grader encodes it) feeds a throwaway linear head that predicts
P(level >= k) for every dimension and level, with binary cross-entropy. To keep what the encoder
knows of language in general, each step also pulls the vectors of a batch of peer lines (never
labelled, never a reply) towards where the untouched model put them. Only the encoder is kept: the
grader's own ordinal models are fitted on it afterwards by `python -m app train`.

Called by `scripts/export_encoder.py`; needs the `export` extra (PyTorch, transformers).
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.loader import load_model
from app.content.rubrics import Rubric
from app.grading.cues import split_sentences
from app.grading.embeddings import DIMENSIONS, MAX_TOKENS
from app.grading.examples import LabelledCase, load_labelled
from app.grading.features import to_plain
from app.grading.normalise import plain
from app.grading.training import rubric_path

LEVEL_CUTS = (1, 2, 3, 4)
HEAD_LEARNING_RATE = 1e-3
HEAD_INPUT_SCALE = 10.0
"""Unit vectors, scaled so the throwaway head reaches confident logits quickly."""
ANCHOR_SCALE = 10.0
"""Squared distances between unit vectors are small; this brings the anchor term near the task's."""


@dataclass(frozen=True)
class TuneParams:
    epochs: float = 3.0
    learning_rate: float = 5e-5
    anchor_weight: float = 0.3
    batch_size: int = 32
    seed: int = 0


@dataclass(frozen=True)
class TuningData:
    replies: list[str]
    levels: list[list[int]]  # per reply, one level per rubric dimension; -1 where unlabelled
    anchors: list[str]


def grader_text(reply: str) -> str:
    """The reply as the grader encodes it: sentence by sentence in plain text, joined."""
    return " ".join(to_plain(split_sentences(reply)))


def tuning_data(cases: Sequence[LabelledCase], keys: Sequence[str]) -> TuningData:
    replies = [grader_text(c.case.reply) for c in cases]
    levels = [[c.labels.get(key, -1) for key in keys] for c in cases]
    anchors = sorted({plain(c.case.last_text("peer")) for c in cases} - {""})
    return TuningData(replies, levels, anchors)


def load_tuning_data(content_dir: Path, rubric_id: str) -> tuple[TuningData, int]:
    """The rubric's labelled replies and peer lines, and how many dimensions it has."""
    rubric = load_model(rubric_path(content_dir, rubric_id), Rubric)
    cases, _ = load_labelled(content_dir, rubric)
    return tuning_data(cases, rubric.keys), len(rubric.keys)


def tune(model_dir: Path, target_dir: Path, data: TuningData, dimensions: int, params: TuneParams) -> None:
    """Fine-tune the BERT weights in `model_dir` and save them to `target_dir` (the tokenizer is unchanged)."""
    import torch
    from transformers import BertModel

    torch.manual_seed(params.seed)
    shuffle = random.Random(params.seed)
    pool = Pooler(model_dir)
    model = BertModel.from_pretrained(str(model_dir), attn_implementation="eager")
    anchor_targets = pool.untouched_vectors(data.anchors)
    head = torch.nn.Linear(DIMENSIONS, dimensions * len(LEVEL_CUTS))
    total = int(params.epochs * -(-len(data.replies) // params.batch_size))
    optimiser, schedule = _optimiser(model, head, params, total)
    model.train()
    for step, rows in enumerate(_batches(len(data.replies), params.batch_size, total, shuffle)):
        task = _task_loss(
            head(pool.vectors(model, [data.replies[i] for i in rows]) * HEAD_INPUT_SCALE),
            [data.levels[i] for i in rows],
            dimensions,
        )
        picked = shuffle.sample(range(len(data.anchors)), min(params.batch_size, len(data.anchors)))
        drift = ((pool.vectors(model, [data.anchors[i] for i in picked]) - anchor_targets[picked]) ** 2).sum(-1).mean()
        optimiser.zero_grad()
        (task + params.anchor_weight * ANCHOR_SCALE * drift).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        if step % 25 == 0 or step == total - 1:
            print(f"tuning step {step + 1}/{total}: task loss {task.item():.3f}, drift {drift.item():.3f}", flush=True)
    model.eval().save_pretrained(str(target_dir))


class Pooler:
    """Mean-pooled, normalised sentence vectors from a BERT model, as the app's encoder makes them."""

    def __init__(self, model_dir: Path) -> None:
        from transformers import BertModel, PreTrainedTokenizerFast

        self.tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"), pad_token="[PAD]")
        self.untouched = BertModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    def vectors(self, bert: Any, texts: Sequence[str]) -> Any:
        import torch

        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        hidden = bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    def untouched_vectors(self, texts: Sequence[str]) -> Any:
        """Where the model before tuning puts `texts`: what the anchor loss holds them near."""
        import torch

        with torch.no_grad():
            return torch.cat([self.vectors(self.untouched, texts[i : i + 64]) for i in range(0, len(texts), 64)])


def _optimiser(model: Any, head: Any, params: TuneParams, total: int) -> tuple[Any, Any]:
    """AdamW over the encoder and the head (each at its own rate), with a linear warm-up and decay."""
    import torch

    optimiser = torch.optim.AdamW(
        [
            {"params": model.parameters(), "lr": params.learning_rate},
            {"params": head.parameters(), "lr": HEAD_LEARNING_RATE},
        ],
        weight_decay=0.01,
    )
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / total)
    )
    return optimiser, schedule


def _batches(count: int, size: int, total: int, shuffle: random.Random) -> Iterator[list[int]]:
    """`total` batches of row indexes, each pass over the rows in a new shuffled order."""
    order = list(range(count))
    step = 0
    while step < total:
        shuffle.shuffle(order)
        for start in range(0, count, size):
            if step >= total:
                return
            yield order[start : start + size]
            step += 1


def _task_loss(logits: Any, levels: list[list[int]], dimensions: int) -> Any:
    """Binary cross-entropy of P(level >= k) for every dimension and cut, over the labelled dimensions only."""
    import torch

    cuts = torch.tensor(LEVEL_CUTS, dtype=torch.float32)
    known_levels = torch.tensor(levels, dtype=torch.float32)
    known = (known_levels >= 0).unsqueeze(-1).expand(-1, -1, len(LEVEL_CUTS)).float()
    target = (known_levels.unsqueeze(-1) >= cuts).float()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits.view(len(levels), dimensions, len(LEVEL_CUTS)), target, reduction="none"
    )
    return (loss * known).sum() / known.sum()
