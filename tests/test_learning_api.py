"""coursekit.learning's public names: a function named like its module is the function, in any import order."""
import subprocess
import sys

import pytest

SHADOWED = ("bptt", "rtrl", "eprop", "train")


@pytest.mark.parametrize("first", ["package", "submodule"])
def test_functions_named_like_their_module_are_functions(first):
    code = "\n".join([
        "import importlib, types",
        *(["import coursekit.learning.bptt, coursekit.learning.rtrl, coursekit.learning.eprop, "
           "coursekit.learning.train"] if first == "submodule" else []),
        f"from coursekit.learning import {', '.join(SHADOWED)}",
        f"for f in ({', '.join(SHADOWED)},):",
        "    assert callable(f) and not isinstance(f, types.ModuleType), f",
        "    m = importlib.import_module('coursekit.learning.' + f.__name__)",
        "    assert isinstance(m, types.ModuleType) and getattr(m, f.__name__) is f",
        "from coursekit.learning.bptt import jacobian_products",
        "import coursekit.learning as L",
        "assert L.bptt is bptt and 'bptt' in L.__all__ and 'narma10' in L.__all__",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_every_exported_name_resolves():
    import coursekit.learning as L

    for name in L.__all__:
        assert getattr(L, name) is not None, name
