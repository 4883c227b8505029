"""Sentence embeddings: all-MiniLM-L6-v2, shipped in this package as an int8 ONNX file.

`models/` holds the model and its tokenizer. The model's matrix products run in int8 with a scale
per output channel (onnxruntime dynamic quantisation), made from the float weights at training time
by `scripts/export_encoder.py`. One encoder per process, loaded on first use.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_TOKENS = 128
CACHE_SIZE = 4096
DIMENSIONS = 384
MODELS_DIR = Path(__file__).parent / "models"
SHIPPED_MODEL_PATH = MODELS_DIR / "all-MiniLM-L6-v2-qint8.onnx"
TOKENIZER_PATH = MODELS_DIR / "all-MiniLM-L6-v2-tokenizer.json"

FloatArray = npt.NDArray[np.float32]
Span = tuple[int, int]  # character offsets [start, end)
CacheKey = str | tuple[str, tuple[Span, ...]]  # a text, or a text with the spans pooled from it


@cache
def encoder_fingerprint() -> str:
    """A short hash of the shipped model file: a grader model records the one it was trained on."""
    return hashlib.sha256(SHIPPED_MODEL_PATH.read_bytes()).hexdigest()[:16]


class SentenceEncoder:
    """Mean-pooled, L2-normalised MiniLM embeddings for a batch of texts."""

    def __init__(self, *, threads: int, model_path: Path = SHIPPED_MODEL_PATH) -> None:
        """`threads` per inference (see `use_threads`); `model_path` another export of the same model."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # keeps resident memory flat across text lengths
        # idle threads sleep instead of spinning: the grader shares the CPU with the web app and the LLM
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
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
        pass. Each text takes an onnxruntime run of its own: the int8 model scales a run's activations
        by their range over the whole batch, so a text batched with others (or with padding) would get
        a slightly different vector, and a grade would depend on who else was graded with it. A run of
        one costs no more per text than a padded batch. A span cut off by truncation is encoded alone.
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
        for i, encoding in zip(todo, self._tokenizer.encode_batch([texts[i] or " " for i in todo]), strict=True):
            hidden = self._run(encoding.ids)
            out[i] = _normalise(hidden.mean(axis=0)[None, :])[0]
            if spans[i]:  # the text alone is asked for too: a reply is the context of the next
                span_out[i] = self._pool_spans(hidden, encoding, texts[i], spans[i])
                self._cache.put(texts[i], out[i][None, :])
            self._cache.put(keys[i], np.vstack([out[i][None, :], span_out[i]]))
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

    def _run(self, ids: list[int]) -> FloatArray:
        """The token states of one text (tokens × DIMENSIONS)."""
        row = np.array([ids], dtype=np.int64)
        feeds = {"input_ids": row, "attention_mask": np.ones_like(row)}
        hidden: FloatArray = self._session.run(["last_hidden_state"], feeds)[0][0]
        return hidden


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
