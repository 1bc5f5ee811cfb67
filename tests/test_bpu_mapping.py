"""coursekit.bpu.mapping: cores, partial sums and dropped synapses counted by hand for the course's networks."""
import numpy as np
import pytest

from coursekit.bpu.mapping import cann_ring, decision_network, ei_network, map_network


def test_ei_network_fan_in_and_its_cost():
    W = ei_network(N_E=4000, N_I=1000, C_E=400, C_I=100)
    assert np.all(np.diff(W.indptr) == 500) and W.diagonal().max() == 0          # fixed in-degree, no autapse
    assert np.all((W[:4000] > 0).sum(axis=0) == 400)
    s = map_network(W)
    # 500 > 256: two partial units per neuron -> 3 units each, 15000 units on ceil(15000/1024) = 15 cores
    assert s.n_units == 15000 and s.n_cores == 15 and s.partial_units.max() == 2
    assert s.n_split == 5000 * 500 and s.n_added == 5000 * 2 and s.n_dropped == 0
    d = map_network(W, policy="drop")
    assert d.n_units == 5000 and d.n_cores == 5 and d.n_dropped == 5000 * (500 - 256)
    assert np.all(np.diff(d.kept.indptr) == 256)
    # 400 external Poisson inputs per neuron: fan-in 900 -> 4 partial units, 25000 units, 25 cores
    e = map_network(W, external=400)
    assert e.n_units == 25000 and e.n_cores == 25 and e.n_synapses == 5000 * 900
    small = map_network(ei_network(N_E=800, N_I=200, C_E=80, C_I=20))
    assert (small.n_cores, small.n_units, small.n_split, small.n_dropped) == (1, 1000, 0, 0)


def test_decision_network():
    W = decision_network(n_pool=240, n_inh=400)
    s = map_network(W)
    # a selective neuron: 239 + 240 + 400 = 879 inputs -> 4 partial units; an inhibitory one: 480 -> 2
    assert s.fan_in[0] == 879 and s.fan_in[-1] == 480
    assert s.n_units == 480 * 5 + 400 * 3 == 3600 and s.n_cores == 4
    assert s.n_split == 480 * 879 + 400 * 480 and s.n_added == 480 * 4 + 400 * 2
    d = map_network(W, policy="drop")
    assert d.n_dropped == 480 * (879 - 256) + 400 * (480 - 256) and d.n_cores == 1
    # the strongest inputs stay: a selective neuron keeps its own pool (1.7) and the rest of the 256 are
    # inhibitory (|-1.0| beats 0.88): the cross-pool excitation is what is dropped
    col = d.kept[:, 0].toarray().ravel()
    assert np.sum(col == 1.7) == 239 and np.sum(col == -1.0) == 17 and np.sum(col == 0.88) == 0


def test_cann_ring_fits_or_splits():
    assert map_network(cann_ring(512, 128)).n_cores == 1                    # fan-in exactly 256
    W = cann_ring(512, 200)
    s = map_network(W)
    assert s.fan_in.tolist() == [400] * 512 and s.n_units == 1536 and s.n_cores == 2
    d = map_network(W, policy="drop")
    assert d.n_dropped == 512 * 144
    # dropping keeps the 128 nearest on each side: the ring cut at radius 128
    kept = d.kept.toarray()
    assert np.array_equal(kept != 0, cann_ring(512, 128) != 0)
    assert map_network(cann_ring(2000, 100)).n_cores == 2                   # 2000 neurons, fan-in 200


def test_packing_by_hand_and_bad_input():
    W = np.zeros((5, 5))
    W[:, 0] = [0, 1, 1, 1, 1]           # neuron 0: fan-in 4
    W[0, 1:] = 1                        # the others: fan-in 1
    s = map_network(W, max_fan_in=2, max_neurons=3)
    # neuron 0 needs 2 partial units: units [n0 p p][n1 n2 n3][n4] -> 3 cores
    assert s.partial_units.tolist() == [2, 0, 0, 0, 0] and s.n_units == 7 and s.n_cores == 3
    assert s.core_of.tolist() == [0, 1, 1, 1, 2] and s.units_per_core.tolist() == [3, 3, 1]
    assert "2 partial-sum units; 4 synapses split" in s.summary()
    with pytest.raises(ValueError, match="policy must be 'split' or 'drop'"):
        map_network(W, policy="ignore")
    with pytest.raises(ValueError, match="weights must be square"):
        map_network(np.ones((3, 4)))
