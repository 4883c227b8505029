"""The metrics of bench/human_style.py on inputs small enough to check by hand."""

import math

import numpy as np
import pytest

from bench.grader import spearman
from bench.human_style import auroc, ordered_share


@pytest.mark.parametrize(
    ("scores", "positive", "expected"),
    [
        ([0.1, 0.2, 0.8, 0.9], [False, False, True, True], 1.0),  # perfect ranking
        ([0.8, 0.9, 0.1, 0.2], [False, False, True, True], 0.0),  # perfectly reversed
        ([0.5, 0.5, 0.5, 0.5], [False, False, True, True], 0.5),  # all tied
        ([0.1, 0.5, 0.5, 0.9], [False, True, False, True], 0.875),  # one tie of four pairs: (3 + 0.5) / 4
        ([0.3, 0.1, 0.2], [True, False, False], 1.0),
    ],
)
def test_auroc_counts_ordered_pairs_and_half_ties(scores: list[float], positive: list[bool], expected: float) -> None:
    assert auroc(np.array(scores), np.array(positive)) == pytest.approx(expected)


def test_auroc_needs_both_classes() -> None:
    assert math.isnan(auroc(np.array([0.1, 0.2]), np.array([True, True])))


def test_ordered_share_counts_ties_half() -> None:
    assert ordered_share(np.array([2.0, 1.0, 1.0, 0.0]), np.array([1.0, 2.0, 1.0, 0.0])) == pytest.approx(0.5)
    assert ordered_share(np.array([3.0, 2.0]), np.array([1.0, 0.5])) == 1.0


def test_spearman_of_levels_against_a_continuous_score() -> None:
    tied = spearman(np.array([0, 0, 1, 2]), np.array([0.1, 0.3, 1.2, 3.5]))  # gold ranks 0.5 0.5 2 3
    assert tied == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert spearman(np.array([0, 1, 2]), np.array([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
