"""The lazily resolved public names of coursekit's packages: every name in ``__all__`` resolves, and
``dir()`` lists it (tab completion in IPython and JupyterLab goes through ``dir``)."""
import importlib

import pytest

PACKAGES = ["coursekit", "coursekit.neurons", "coursekit.networks", "coursekit.learning", "coursekit.learning.snn",
            "coursekit.bpu"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_listed_and_resolvable(name):
    mod = importlib.import_module(name)
    listed = set(dir(mod))
    missing = sorted(set(mod.__all__) - listed)
    assert not missing, f"{name}: dir() lacks {missing}"
    for attr in mod.__all__:
        assert getattr(mod, attr) is not None, f"{name}.{attr}"


def test_top_level_lists_the_simulation_api_before_first_use():
    import coursekit

    names = dir(coursekit)
    for attr in ("simulate", "Result", "lookup", "networks", "learning", "bpu", "plotting"):
        assert attr in names
