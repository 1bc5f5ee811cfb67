"""The kernels' own exp(z) - 1 and fused multiply-add (coursekit.solvers._expm1).

``expm1v`` against numpy's expm1 (libm), scalar and in a loop that LLVM vectorises; ``fma`` against exact
rational arithmetic (``fractions.Fraction``, which is also its JIT-off form), including triples whose
fused result differs from a*b + c rounded twice.
"""
from fractions import Fraction

import numpy as np
import pytest

from coursekit import _jit
from coursekit._jit import njit
from coursekit.solvers._expm1 import expm1v, fma, pow2f

jit_only = pytest.mark.skipif(not _jit.JIT_ENABLED, reason="compares the compiled functions")


@njit(error_model="numpy")
def _expm1_loop(z, out):
    for i in range(z.size):
        out[i] = expm1v(z[i])


@njit(error_model="numpy")
def _fma_loop(a, b, c, out):
    for i in range(a.size):
        out[i] = fma(a[i], b[i], c[i])


def _rel(got, want):
    return np.abs(got - want) / np.maximum(np.abs(want), np.finfo(float).tiny)


@pytest.mark.parametrize("lo, hi", [(-1e-12, 1e-12), (-1e-3, 1e-3), (-1.0, 1.0), (-40.0, 40.0), (-700.0, 700.0)])
def test_expm1v_is_within_a_few_ulp_of_libm(lo, hi):
    z = np.random.default_rng(1).uniform(lo, hi, 20001)
    got = np.empty_like(z)
    _expm1_loop(z, got)
    assert _rel(got, np.expm1(z)).max() < 5e-16
    # the scalar call is the same function as the loop's
    assert all(expm1v(x) == g for x, g in zip(z[:50], got[:50]))


def test_expm1v_at_its_edges():
    assert expm1v(0.0) == 0.0
    assert expm1v(-800.0) == np.expm1(-700.0) == -1.0  # clipped at -700: exp(-700) is below an ulp of 1
    assert _rel(expm1v(700.0), np.expm1(700.0)) < 5e-16
    assert np.isfinite(expm1v(800.0))  # clipped, never inf
    tiny = 2.0 ** -60
    assert expm1v(tiny) == tiny and expm1v(-tiny) == -tiny


@njit(error_model="numpy")
def _pow2_loop(kf, out):
    for i in range(kf.size):
        out[i] = pow2f(kf[i])


def test_pow2f_is_exact_over_the_exponent_range_expm1v_uses():
    """2**k read off kf + 1.5 * 2**52 (no float -> int conversion): every k that expm1v's reduction
    can give (|z| <= 700, so |k| <= 1010) and the whole normal range, in a loop that vectorises."""
    k = np.arange(-1022, 1024)
    got = np.empty(k.size)
    _pow2_loop(k.astype(np.float64), got)
    np.testing.assert_array_equal(got, np.ldexp(1.0, k))


def _exact_fma(a, b, c):
    return float(Fraction(a) * Fraction(b) + Fraction(c))


@jit_only
def test_compiled_fma_rounds_once():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=2000) * 10.0 ** rng.integers(-8, 8, 2000), rng.normal(size=2000)
    c = -a * b * (1 + rng.normal(size=2000) * 1e-12)  # cancellation: where one rounding shows
    got = np.empty_like(a)
    _fma_loop(a, b, c, got)
    want = np.array([_exact_fma(x, y, z) for x, y, z in zip(a, b, c)])
    np.testing.assert_array_equal(got, want)
    assert (got != a * b + c).sum() > 100  # two roundings differ, so the test can tell them apart
    assert all(fma(x, y, z) == w for x, y, z, w in zip(a[:50], b[:50], c[:50], want[:50]))


def test_fma_of_a_product_that_one_rounding_loses():
    e = 2.0 ** -30
    assert (1 + e) * (1 - e) - 1.0 == 0.0  # a*b rounds to 1 first
    assert fma(1 + e, 1 - e, -1.0) == -(2.0 ** -60)  # compiled and plain Python alike
