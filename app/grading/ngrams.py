"""Word n-gram TF-IDF, fitted on the training replies and applied with numpy alone."""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.grading.cues import words

SparseRow = tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]


def ngrams(text: str, max_n: int) -> list[str]:
    tokens = words(text)
    grams = list(tokens)
    for n in range(2, max_n + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


@dataclass
class NgramVocabulary:
    """Terms (word 1..max_n-grams) with their inverse document frequencies."""

    terms: list[str]
    idf: npt.NDArray[np.float32]
    max_n: int = 2

    def __post_init__(self) -> None:
        self._index = {term: i for i, term in enumerate(self.terms)}

    @property
    def size(self) -> int:
        return len(self.terms)

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, max_n: int = 2, min_df: int = 2, max_terms: int = 20000
    ) -> "NgramVocabulary":
        document_freq: Counter[str] = Counter()
        n_docs = 0
        for text in texts:
            n_docs += 1
            document_freq.update(set(ngrams(text, max_n)))
        kept = [(t, df) for t, df in document_freq.items() if df >= min_df]
        kept.sort(key=lambda item: (-item[1], item[0]))
        kept = kept[:max_terms]
        terms = [t for t, _ in kept]
        idf = np.array(
            [math.log((1 + n_docs) / (1 + df)) + 1 for _, df in kept], dtype=np.float32
        )
        return cls(terms=terms, idf=idf, max_n=max_n)

    def transform(self, text: str) -> SparseRow:
        """Sublinear TF-IDF, L2-normalised, as (term indices, values)."""
        counts = Counter(i for g in ngrams(text, self.max_n) if (i := self._index.get(g)) is not None)
        if not counts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        index = np.array(sorted(counts), dtype=np.int32)
        tf = np.array([1 + math.log(counts[int(i)]) for i in index], dtype=np.float32)
        values = tf * self.idf[index]
        values /= np.float32(np.linalg.norm(values))
        return index, values.astype(np.float32)
