"""The kernels' random stream (coursekit.networks._rng): xoshiro256+ against a plain
Python transcription of the published algorithm, Poisson counts by table
inversion against the Poisson distribution, and the compiled per-neuron
``rng.choice`` against numpy's own."""
import math

import numpy as np
import pytest
from scipy import stats

from coursekit._jit import njit
from coursekit.networks import _rng

M64 = (1 << 64) - 1


def _reference(state, n):
    """xoshiro256+ as Blackman & Vigna (2018) publish it, in Python integers."""
    s = [int(x) for x in state]
    out = []
    for _ in range(n):
        result = (s[0] + s[3]) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        out.append(result)
    return out


@njit(cache=False)
def _draw_uint64(s, n):
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = _rng.next_uint64(s)
    return out


@njit(cache=False)
def _draw_uniform(s, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = _rng.uniform(s)
    return out


@njit(cache=False)
def _draw_poisson(s, cdf, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = _rng.poisson(s, cdf)
    return out


@njit(cache=False)
def _draw_poisson_rows(s, tables, rows):
    out = np.empty(rows.size, np.int64)
    for i in range(rows.size):
        out[i] = _rng.poisson_row(s, tables, rows[i])
    return out


def test_poisson_row_draws_what_poisson_draws_from_that_row():
    """The in-place row read of the network kernels: the same counts, from the same stream, as
    poisson() given each row, rows alternating as a kernel's populations do."""
    tables = _rng.poisson_tables([2.0, 0.3, 7.5])
    rows = np.random.default_rng(0).integers(0, 3, 3000)
    got = _draw_poisson_rows(_rng.seed_state(9), tables, rows)
    s = _rng.seed_state(9)
    want = np.array([_draw_poisson(s, np.ascontiguousarray(tables[r]), 1)[0] for r in rows])
    np.testing.assert_array_equal(got, want)
    assert len(set(got[rows == 2])) > 5  # the rows differ, so a wrong row would show


def test_generator_is_xoshiro256plus_and_seeding_is_splitmix64():
    # splitmix64's first outputs from seed 0 (Vigna's reference implementation)
    assert [int(x) for x in _rng.seed_state(0)[:2]] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4]
    s = _rng.seed_state(12345)
    want = _reference(s, 1000)
    got = _draw_uint64(s.copy(), 1000)
    assert [int(x) for x in got] == want
    # the state advances in place: two halves of a stream are the stream
    s2 = _rng.seed_state(12345)
    assert [int(x) for x in np.concatenate([_draw_uint64(s2, 400), _draw_uint64(s2, 600)])] == want


def test_uniforms_are_uniform_on_the_unit_interval():
    u = _draw_uniform(_rng.seed_state(7), 200_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # a different seed gives a different stream
    assert not np.array_equal(u[:10], _draw_uniform(_rng.seed_state(8), 10))


@pytest.mark.parametrize("lam", [0.3, 2.0, 4.0, 25.0])
def test_poisson_counts_follow_the_poisson_distribution(lam):
    cdf = _rng.poisson_cdf(lam)
    assert cdf[-1] == 1.0 and np.all(np.diff(cdf) >= 0)
    n = 200_000
    k = _draw_poisson(_rng.seed_state(3), cdf, n)
    assert abs(k.mean() - lam) < 5 * math.sqrt(lam / n)
    assert abs(k.var() / lam - 1.0) < 0.02
    # chi-square over the counts that expect >= 20 observations, the tail pooled
    top = int(stats.poisson.ppf(1 - 20 / n, lam))
    observed = np.bincount(np.minimum(k, top + 1), minlength=top + 2)
    expected = n * np.append(stats.poisson.pmf(np.arange(top + 1), lam), stats.poisson.sf(top, lam))
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_poisson_tables_and_bad_rates():
    t = _rng.poisson_tables([0.0, 2.0])
    assert t.shape[0] == 2 and np.all(t[0] == 1.0) and t[1, 0] == pytest.approx(math.exp(-2.0))
    assert np.all(_draw_poisson(_rng.seed_state(1), t[0], 100) == 0)  # no drive, no count
    for bad in (-1.0, float("nan"), float("inf"), 1e4):
        with pytest.raises(ValueError, match="lam must be"):
            _rng.poisson_cdf(bad)


@pytest.mark.parametrize("pops_a, k_a, pops_b, k_b", [
    ([9999] * 40 + [10000] * 40, 1000, [2500] * 40 + [2499] * 40, 250),  # Brunel's sizes: Floyd's algorithm
    ([19999] * 12, 1000, [5000] * 12, 100),        # pop > 10000 and k > pop // 50: numpy's tail shuffle
    ([20000] * 8, 400, [7] * 8, 7),                # k = pop // 50 exactly (Floyd), and the whole population
    ([1, 2, 3, 1], 1, [5, 5, 5, 5], 0),            # one member, no samples
    ([50000] * 2, 50000, [10001] * 2, 10001),      # every member, both branches
])
def test_choice_rows_draws_what_numpy_choice_draws(pops_a, k_a, pops_b, k_b):
    """Row by row, A then B, equal to rng.choice(pop, k, replace=False); the generator ends in numpy's state."""
    for seed in (0, 1, 2):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        A, B = _rng.choice_rows(ours, pops_a, k_a, pops_b, k_b)
        for i, (pa, pb) in enumerate(zip(pops_a, pops_b)):
            assert np.array_equal(A[i], theirs.choice(pa, k_a, replace=False)), (seed, i)
            assert np.array_equal(B[i], theirs.choice(pb, k_b, replace=False)), (seed, i)
        assert ours.bit_generator.state == theirs.bit_generator.state
        assert ours.random() == theirs.random()


def test_choice_rows_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="pops_a.*at least the 5 samples"):
        _rng.choice_rows(rng, [4, 9], 5, [9, 9], 1)
    with pytest.raises(ValueError, match="pops_b.*at least the 2 samples"):
        _rng.choice_rows(rng, [9, 9], 1, [1, 9], 2)
    with pytest.raises(ValueError, match="same length"):
        _rng.choice_rows(rng, [9, 9], 1, [9], 1)
