"""Features of one trainee reply in its context.

The reply is encoded on its own (the peer's words would swamp its stance), and also sentence by
sentence, max-pooled, so one pushy sentence inside a warm reply still shows. The context comes in
as separate features: how close the reply is to the peer's last turn and to the trainee's own
previous turn. Indicator phrases and general language cues complete the picture; word n-grams
are kept apart as a sparse row.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.grading.context_cues import CONTEXT_CUE_NAMES, context_cue_values
from app.grading.cues import CUE_NAMES, IndicatorHit, IndicatorMatcher, cue_values, split_sentences
from app.grading.embeddings import DIMENSIONS, FloatArray, SentenceEncoder
from app.grading.ngrams import NgramVocabulary, SparseRow
from app.grading.normalise import plain
from app.transcript import ContextTurn

CONTEXT_NAMES = ("sim_peer", "max_sentence_sim_peer", "sim_previous_trainee", "has_previous")


@dataclass(frozen=True)
class ReplyCase:
    """One trainee reply in its context (the context ends with the peer's turn)."""

    context: Sequence[ContextTurn]
    reply: str

    def last_text(self, role: str) -> str:
        return next((t.text for t in reversed(self.context) if t.role == role), "")


@dataclass
class EncodedCase:
    case: ReplyCase
    sentences: list[str]
    plain_sentences: list[str]  # the sentences in plain text (see normalise.py), as encoded
    reply_vec: FloatArray
    sentence_vecs: FloatArray
    peer_vec: FloatArray | None
    previous_vec: FloatArray | None

    def sentence_case(self, index: int) -> "EncodedCase":
        """One sentence of the reply, seen as if it were the whole reply."""
        vec = self.sentence_vecs[index]
        return EncodedCase(
            case=ReplyCase(context=self.case.context, reply=self.sentences[index]),
            sentences=[self.sentences[index]],
            plain_sentences=[self.plain_sentences[index]],
            reply_vec=vec,
            sentence_vecs=vec[None, :],
            peer_vec=self.peer_vec,
            previous_vec=self.previous_vec,
        )


def sentence_spans(text: str, sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of the sentences inside the text they were split from."""
    spans, cursor = [], 0
    for sentence in sentences:
        start = text.find(sentence, cursor)
        start = cursor if start < 0 else start
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def to_plain(sentences: Sequence[str]) -> list[str]:
    """Sentences as the encoder reads them: texting shorthand spelled out, speech fillers dropped."""
    return [plain(s) or s for s in sentences]


def encode_cases(cases: Sequence[ReplyCase], encoder: SentenceEncoder) -> list[EncodedCase]:
    """Encode every text the features need, in one batched pass (sentences pooled from their reply).

    Replies and context turns are encoded as plain text (texting shorthand spelled out, speech
    fillers dropped); the sentences shown as evidence stay the trainee's own."""
    split = [split_sentences(c.reply) for c in cases]
    plain_split = [to_plain(sentences) for sentences in split]
    joined = [" ".join(p) if c.reply.strip() else "" for c, p in zip(cases, plain_split, strict=True)]
    wanted: dict[str, int] = {}
    for case, reply in zip(cases, joined, strict=True):
        for text in (reply, plain(case.last_text("peer")), plain(case.last_text("trainee"))):
            if text and text not in wanted:
                wanted[text] = len(wanted)
    texts = list(wanted)
    spans: list[list[tuple[int, int]]] = [[] for _ in texts]
    for reply, sentences in zip(joined, plain_split, strict=True):
        if len(sentences) > 1 and reply:
            spans[wanted[reply]] = sentence_spans(reply, sentences)
    vectors, span_vectors = encoder.encode_with_spans(texts, spans)

    def vec(text: str) -> FloatArray | None:
        return vectors[wanted[text]] if text else None

    encoded = []
    for case, sentences, plain_sentences, reply in zip(cases, split, plain_split, joined, strict=True):
        reply_vec = vec(reply)
        if reply_vec is None:
            reply_vec = np.zeros(DIMENSIONS, dtype=np.float32)
        many = len(sentences) > 1 and bool(reply)
        encoded.append(
            EncodedCase(
                case=case,
                sentences=sentences if many else [case.reply.strip()],
                plain_sentences=plain_sentences if many else [reply],
                reply_vec=reply_vec,
                sentence_vecs=span_vectors[wanted[reply]] if many else reply_vec[None, :],
                peer_vec=vec(plain(case.last_text("peer"))),
                previous_vec=vec(plain(case.last_text("trainee"))),
            )
        )
    return encoded


@dataclass
class CaseFeatures:
    dense: FloatArray
    sparse: SparseRow
    hits: dict[str, list[IndicatorHit]]


class FeatureSpace:
    """Turns an encoded reply into a dense vector and a sparse n-gram row."""

    def __init__(self, matcher: IndicatorMatcher, vocabulary: NgramVocabulary) -> None:
        self.matcher = matcher
        self.vocabulary = vocabulary

    @property
    def dense_names(self) -> list[str]:
        names = [f"reply_{i}" for i in range(DIMENSIONS)]
        names += [f"sentence_max_{i}" for i in range(DIMENSIONS)]
        names += [f"indicator_{k}_{what}" for k in self.matcher.keys for what in ("level", "count")]
        return names + list(CONTEXT_NAMES) + list(CUE_NAMES) + list(CONTEXT_CUE_NAMES)

    def features(self, encoded: EncodedCase) -> CaseFeatures:
        """Indicators, cues and n-grams are read from the plain text; the hits kept for evidence
        are found in the trainee's own words."""
        reply = " ".join(encoded.plain_sentences)
        peer = plain(encoded.case.last_text("peer"))
        hits = self.matcher.hits(reply)
        indicator = [
            value
            for key in self.matcher.keys
            for value in (
                max((h.level for h in hits[key]), default=0) / 4,
                min(len(hits[key]), 3) / 3,
            )
        ]
        dense = np.concatenate(
            [
                encoded.reply_vec,
                encoded.sentence_vecs.max(axis=0),
                np.array(indicator + _context_values(encoded), dtype=np.float32),
                np.array(cue_values(reply, encoded.plain_sentences, peer), np.float32),
                np.array(context_cue_values(reply, peer), np.float32),
            ]
        ).astype(np.float32)
        own = self.matcher.hits(encoded.case.reply) if reply != encoded.case.reply else hits
        return CaseFeatures(dense=dense, sparse=self.vocabulary.transform(reply), hits=own)


def _context_values(encoded: EncodedCase) -> list[float]:
    peer, previous = encoded.peer_vec, encoded.previous_vec
    sim_peer = float(encoded.reply_vec @ peer) if peer is not None else 0.0
    max_sentence = float((encoded.sentence_vecs @ peer).max()) if peer is not None else 0.0
    sim_previous = float(encoded.reply_vec @ previous) if previous is not None else 0.0
    return [sim_peer, max_sentence, sim_previous, float(previous is not None)]
