"""Model replies for coaching: the training examples that got everything right.

Kept beside the model (`coaching.npz` + `coaching.json`). Each reply carries the embeddings of
its peer turn and of itself, and per dimension a tag: whether another reply to the same peer turn
was flawed on that dimension, which makes it a worked correction for exactly that flaw.
"""

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.content.rubrics import Rubric
from app.grading.embeddings import FloatArray
from app.grading.examples import LabelledCase
from app.grading.features import EncodedCase

BANK_WEIGHTS = "coaching.npz"
BANK_TEXTS = "coaching.json"
MAX_WORDS = 70
NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(thir|four|fif|six|seven|eigh|nine)teen|(twen|thir|for|fif|six|seven|eigh|nine)ty|"
    r"hundred|thousand|dozen|first|second|third|(four|fif|six|seven|eigh|nin|ten)th)\b"
    r"|\b(a|an|whole|another|last|next) (night|day|week|month|year)s?\b",
    re.IGNORECASE,
)
TEXTING = re.compile(r"\b(u|ur|ya|lol|omg|idk|tbh|rn)\b|[\u2600-\u27bf\U0001f300-\U0001faff]", re.IGNORECASE)
NAME_INSIDE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!I\b|I'|I’)[A-Z][a-z]+")


def portable(reply: str) -> bool:
    """Whether a reply can model a better answer for another peer: well written, and free of the
    particulars (numbers, names, places) of the peer it was written for."""
    text = reply.strip()
    return (
        len(text.split()) <= MAX_WORDS
        and text[:1].isupper()
        and text[-1:] in ".?!"
        and not any(ch.isdigit() for ch in text)
        and not NUMBER_WORDS.search(text)
        and not TEXTING.search(text)
        and not NAME_INSIDE.search(text)
    )


@dataclass
class CoachingBank:
    keys: list[str]
    replies: list[str]
    peer_vecs: FloatArray
    reply_vecs: FloatArray
    tags: npt.NDArray[np.bool_]  # (replies, keys)

    def tagged(self, key: str) -> npt.NDArray[np.bool_]:
        return self.tags[:, self.keys.index(key)] if key in self.keys else np.zeros(len(self.replies), bool)

    def save(self, folder: Path) -> None:
        np.savez_compressed(
            folder / BANK_WEIGHTS,
            peer_vecs=self.peer_vecs.astype(np.float16),
            reply_vecs=self.reply_vecs.astype(np.float16),
            tags=self.tags,
        )
        texts = {"keys": self.keys, "replies": self.replies}
        (folder / BANK_TEXTS).write_text(json.dumps(texts, indent=0, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "CoachingBank | None":
        if not (folder / BANK_WEIGHTS).is_file() or not (folder / BANK_TEXTS).is_file():
            return None
        texts = json.loads((folder / BANK_TEXTS).read_text(encoding="utf-8"))
        with np.load(folder / BANK_WEIGHTS, allow_pickle=False) as data:
            return cls(
                keys=texts["keys"],
                replies=texts["replies"],
                peer_vecs=data["peer_vecs"].astype(np.float32),
                reply_vecs=data["reply_vecs"].astype(np.float32),
                tags=data["tags"],
            )


def build_bank(rubric: Rubric, cases: Sequence[LabelledCase], encoded: Sequence[EncodedCase]) -> CoachingBank:
    """Replies labelled on every dimension with no risk and every skill present."""
    by_peer: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_peer[case.case.last_text("peer").strip().lower()].append(i)

    def flawed(labels: dict[str, int], key: str) -> bool:
        return labels.get(key, 0) >= 2 if rubric.dimension(key).kind == "risk" else labels.get(key, 4) < 2

    chosen, tags = [], []
    for i, case in enumerate(cases):
        labels = case.labels
        good = len(labels) == len(rubric.keys) and not any(flawed(labels, k) for k in rubric.keys)
        if not good or not portable(case.case.reply) or encoded[i].peer_vec is None:
            continue
        siblings = by_peer[case.case.last_text("peer").strip().lower()]
        chosen.append(i)
        tags.append([any(flawed(cases[j].labels, k) for j in siblings if j != i) for k in rubric.keys])
    zeros = np.zeros((len(chosen), 0 if not chosen else encoded[0].reply_vec.shape[0]), np.float32)
    return CoachingBank(
        keys=rubric.keys,
        replies=[cases[i].case.reply.strip() for i in chosen],
        peer_vecs=np.stack([encoded[i].peer_vec for i in chosen]) if chosen else zeros,  # type: ignore[misc]
        reply_vecs=np.stack([encoded[i].reply_vec for i in chosen]) if chosen else zeros,
        tags=np.array(tags, dtype=bool).reshape(len(chosen), len(rubric.keys)),
    )
