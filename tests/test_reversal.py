"""Nernst and Goldman--Hodgkin--Katz equations against published constants and limits."""
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from coursekit.neurons import HodgkinHuxley
from coursekit.neurons.reversal import (
    SQUID_AXON,
    SQUID_PERMEABILITY,
    ghk_current,
    ghk_voltage,
    nernst,
    thermal_voltage,
)

INSIDE = {ion: c[0] for ion, c in SQUID_AXON.items()}
OUTSIDE = {ion: c[1] for ion, c in SQUID_AXON.items()}


def test_thermal_voltage_against_textbook_values():
    # RT/F = 25.69 mV at 25 deg C; 61.5 mV per decade at 37 deg C (Hille, Ion Channels, ch. 1)
    assert thermal_voltage(25.0) == pytest.approx(25.693, abs=1e-3)
    assert math.log(10) * thermal_voltage(37.0) == pytest.approx(61.54, abs=0.01)
    # and the exact SI constants: R T / F with R = 8.314462618 J/(mol K), F = 96485.33212 C/mol
    assert thermal_voltage(6.3) == pytest.approx(1000 * 8.314462618 * 279.45 / 96485.33212, rel=1e-9)


def test_nernst_formula_signs_and_valence():
    vt = thermal_voltage(20.0)
    assert nernst(20.0, 400.0, T=20.0) == pytest.approx(vt * math.log(20 / 400), rel=1e-12)
    assert nernst(10.0, 10.0) == 0.0
    assert nernst(560.0, 52.0, z=-1) < 0 < nernst(560.0, 52.0, z=1)
    assert nernst(2.0, 1e-4, z=2, T=37.0) == pytest.approx(0.5 * thermal_voltage(37.0) * math.log(2e4), rel=1e-12)
    np.testing.assert_allclose(nernst([20.0, 440.0], [400.0, 50.0]), [nernst(20.0, 400.0), nernst(440.0, 50.0)])


def test_squid_concentrations_give_the_model_batteries():
    """At 6.3 deg C the squid axon's concentrations give E_K, E_Na near the HH model's -77 and +50 mV.

    HH took their batteries from their own axons (E_K 12 mV below and E_Na 115 mV
    above rest), not from these concentrations; the tabulated concentrations
    vary between preparations by 10--20 %, i.e. by ~5 mV in E (24 mV * ln 1.2).
    """
    hh = HodgkinHuxley()
    E_K = nernst(OUTSIDE["K"], INSIDE["K"], T=hh.T)
    E_Na = nernst(OUTSIDE["Na"], INSIDE["Na"], T=hh.T)
    assert E_K == pytest.approx(-72.1, abs=0.05) and abs(E_K - hh.E_K) < 6.0
    assert E_Na == pytest.approx(52.4, abs=0.05) and abs(E_Na - hh.E_Na) < 3.0


def test_ghk_voltage_with_one_ion_is_nernst():
    for ion, z in (("K", 1), ("Na", 1), ("Cl", -1)):
        V = ghk_voltage({ion: 1.0}, OUTSIDE, INSIDE, T=6.3)
        assert V == pytest.approx(nernst(OUTSIDE[ion], INSIDE[ion], z=z, T=6.3), rel=1e-12)
    # divalent: found numerically, still the Nernst potential
    assert ghk_voltage({"Ca": 1.0}, {"Ca": 2.0}, {"Ca": 1e-4}, T=20.0) == pytest.approx(
        nernst(2.0, 1e-4, z=2, T=20.0), abs=1e-9)
    # a permeability of zero removes the ion
    assert ghk_voltage({"K": 1.0, "Na": 0.0}, OUTSIDE, INSIDE) == pytest.approx(nernst(20.0, 400.0), rel=1e-12)


def test_ghk_voltage_is_where_the_ghk_currents_cancel():
    """The closed form (monovalent) against a root of the summed GHK currents."""
    P = {ion: 1e-6 * r for ion, r in SQUID_PERMEABILITY.items()}  # cm/s; only ratios matter
    for T in (6.3, 20.0):
        V = ghk_voltage(SQUID_PERMEABILITY, OUTSIDE, INSIDE, T=T)
        z = {"K": 1, "Na": 1, "Cl": -1}

        def total(v):
            return sum(ghk_current(v, P[i], OUTSIDE[i], INSIDE[i], z[i], T) for i in P)

        assert V == pytest.approx(brentq(total, -100.0, 50.0, xtol=1e-13), abs=1e-9)
        # between E_K and E_Na, nearer E_K (P_K dominates)
        E_K, E_Na = nernst(20.0, 400.0, T=T), nernst(440.0, 50.0, T=T)
        assert E_K < V < E_Na and V - E_K < E_Na - V
    # with a calcium permeability the numerical path agrees with the current balance too
    out, inn = dict(OUTSIDE, Ca=10.0), dict(INSIDE, Ca=1e-4)
    perm = dict(SQUID_PERMEABILITY, Ca=0.1)
    V = ghk_voltage(perm, out, inn)
    zs = {"K": 1, "Na": 1, "Cl": -1, "Ca": 2}
    currents = [ghk_current(V, perm[i], out[i], inn[i], zs[i]) for i in perm]
    assert abs(sum(currents)) < 1e-12 * max(map(abs, currents))


def test_ghk_current_limits():
    P, co, ci = 1e-5, 440.0, 50.0  # cm/s, mM
    E = nernst(co, ci)
    assert ghk_current(E, P, co, ci) == pytest.approx(0.0, abs=1e-9)
    # V -> 0: I = P z F (c_in - c_out), continuous (uA/cm^2 with P in cm/s and c in mM)
    I0 = P * 96485.33212 * (ci - co)
    assert ghk_current(0.0, P, co, ci) == pytest.approx(I0, rel=1e-9)
    assert ghk_current(1e-9, P, co, ci) == pytest.approx(I0, rel=1e-8)
    # far from the reversal potential the current is ohmic in the concentration on the upstream side:
    # V >> RT/F: I -> P z F (zFV/RT) c_in
    V = 500.0
    assert ghk_current(V, P, co, ci) == pytest.approx(P * 96485.33212 * V / thermal_voltage(6.3) * ci, rel=1e-6)
    # inward below E, outward above; array input
    I = ghk_current(np.array([E - 10.0, E + 10.0]), P, co, ci)
    assert I[0] < 0 < I[1]


@pytest.mark.parametrize("call, match", [
    (lambda: nernst(-1.0, 10.0), r"c_out must be > 0 mM"),
    (lambda: nernst(1.0, 0.0), r"c_in must be > 0 mM"),
    (lambda: nernst(1.0, 1.0, z=0), r"z must be a non-zero integer"),
    (lambda: nernst(1.0, 1.0, z=1.5), r"z must be a non-zero integer"),
    (lambda: nernst(1.0, 1.0, T=-300.0), r"T must be above absolute zero \(> -273.15 degC\)"),
    (lambda: nernst(1.0, 1.0, T="warm"), r"T must be a temperature in degC"),
    (lambda: ghk_current(0.0, -1.0, 1.0, 1.0), r"P must be >= 0 cm/s"),
    (lambda: ghk_current(float("nan"), 1.0, 1.0, 1.0), r"V must be finite \(mV\)"),
    (lambda: ghk_voltage({"K": 1.0}, {"K": 20.0}, {}), r"c_in has no concentration \(mM\) for 'K'"),
    (lambda: ghk_voltage({"X": 1.0}, {"X": 1.0}, {"X": 2.0}), r"valence of 'X' unknown"),
    (lambda: ghk_voltage({"K": 0.0}, OUTSIDE, INSIDE), r"at least one permeability must be > 0"),
    (lambda: ghk_voltage({"K": -1.0}, OUTSIDE, INSIDE), r"permeability of K must be >= 0"),
    (lambda: ghk_voltage([1.0], OUTSIDE, INSIDE), r"permeability must be a mapping"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
