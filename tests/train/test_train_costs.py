"""Cost matrices: matched uniform control, permuted control, AU-augmented cost."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affectctl.domain.geometries import get_geometry
from affectctl.domain.taxonomies import get_taxonomy
from affectctl.train.conditions import parse_condition
from affectctl.train.costs import (
    au_cost,
    au_distance,
    build_cost,
    circumplex_cost,
    class_permutation,
    offdiag_mean,
    permuted_cost,
    uniform_cost,
)

TAXA = ("affwild2-expr8", "affectnet8")


def _off(c):
    return c[~np.eye(c.shape[0], dtype=bool)]


@pytest.mark.parametrize("tax", TAXA)
def test_circumplex_cost_is_the_geometry_cost(tax):
    t = get_taxonomy(tax)
    np.testing.assert_array_equal(circumplex_cost(t),
                                  get_geometry("nrc-vad").cost(t, missing="mean"))


@pytest.mark.parametrize("tax", TAXA)
def test_uniform_control_matches_the_circumplex_mean(tax):
    t = get_taxonomy(tax)
    U, C = uniform_cost(t), circumplex_cost(t)
    assert offdiag_mean(U) == pytest.approx(offdiag_mean(C), rel=1e-15)
    assert np.unique(_off(U)).size == 1 and np.all(np.diag(U) == 0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tax=st.sampled_from(TAXA))
def test_permuted_cost_same_spectrum_other_assignment(seed, tax):
    t = get_taxonomy(tax)
    C, P = circumplex_cost(t), permuted_cost(t, seed=seed)
    np.testing.assert_array_equal(np.sort(_off(P)), np.sort(_off(C)))  # same multiset
    assert not np.array_equal(P, C)                                     # other assignment
    np.testing.assert_array_equal(P, P.T)
    perm = class_permutation(t.n_classes, seed)
    assert not (perm == np.arange(t.n_classes)).any()                   # a derangement


def test_permuted_cost_is_fixed_by_its_seed():
    t = get_taxonomy("affwild2-expr8")
    np.testing.assert_array_equal(permuted_cost(t, seed=3), permuted_cost(t, seed=3))


def test_au_distance_hand_values():
    t = get_taxonomy("affwild2-expr8")
    D = au_distance(t)
    i = t.index
    # anger {4,5,7,23} vs fear {1,2,4,5,7,20,26}: |∩| = 3, |∪| = 8
    assert D[i("Anger"), i("Fear")] == pytest.approx(1 - 3 / 8)
    # neutral has an empty prototype: distance 1 from every expressive class
    assert D[i("Neutral"), i("Happiness")] == 1.0
    # Other has no prototype: mean of the defined off-diagonal distances
    defined = [D[a, b] for a in range(7) for b in range(7) if a != b]
    assert D[i("Other"), i("Anger")] == pytest.approx(np.mean(defined))
    # restricted to the 12 ABAW AUs: anger {4,7,23}, fear {1,2,4,7,26}: 2 / 6
    assert au_distance(t, "abaw12")[i("Anger"), i("Fear")] == pytest.approx(1 - 2 / 6)


@pytest.mark.parametrize("tax,pair", [("affwild2-expr8", ("Anger", "Fear")),
                                      ("affectnet8", ("Anger", "Contempt"))])
def test_au_cost_separates_the_degenerate_pair_at_the_same_mean(tax, pair):
    t = get_taxonomy(tax)
    C, A = circumplex_cost(t), au_cost(t)
    a, b = (t.index(x) for x in pair)
    assert offdiag_mean(A) == pytest.approx(offdiag_mean(C))
    assert A[a, b] > C[a, b]
    # the pair's cost relative to the mean grows
    assert A[a, b] / offdiag_mean(A) > C[a, b] / offdiag_mean(C)
    np.testing.assert_allclose(au_cost(t, weight=0.0), C)


def test_build_cost_dispatches_on_the_condition():
    t = get_taxonomy("affwild2-expr8")
    assert build_cost(parse_condition("", name="b"), t) is None
    for kind, ref in [("circumplex", circumplex_cost(t)), ("uniform", uniform_cost(t)),
                      ("permuted", permuted_cost(t, seed=0)), ("au", au_cost(t))]:
        c = parse_condition(f'ot_weight = 1.0\ncost = "{kind}"', name=kind)
        np.testing.assert_array_equal(build_cost(c, t), ref)
