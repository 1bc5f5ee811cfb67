"""Old names kept for one release after a rename, each with a ``DeprecationWarning``.

A renamed function, method, attribute or result key keeps working under its
old name and gives the same value; the warning names the new one.  Remove the
alias (and its test in ``tests/test_names.py``) in the release after.
"""
from __future__ import annotations

import warnings


class CoursekitDeprecationWarning(DeprecationWarning):
    """A coursekit name that still works but is going away (a ``DeprecationWarning``).

    Its own class, as numpy and matplotlib do, so that the course's tests can
    turn coursekit's deprecations (and only them) into errors while running
    the lectures: a lecture never shows a student a warning about our own names.
    """


def warn_renamed(old: str, new: str, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (``stacklevel`` 3: the caller of the alias)."""
    warnings.warn(f"{old} is deprecated and will be removed in the next release; use {new} "
                  f"(the same quantity)", CoursekitDeprecationWarning, stacklevel=stacklevel)


class RenamedKeys(dict):
    """A dict of results whose old keys still read their renamed entries, with a warning.

    ``renamed`` maps each old key to its new one; only the new keys are stored
    (iteration, ``len`` and ``keys()`` show them alone), and ``d[old]`` warns and
    returns ``d[new]``.  ``where`` names the producer in the warning.
    """

    def __init__(self, data, renamed: dict, where: str):
        super().__init__(data)
        self._renamed = dict(renamed)
        self._where = where

    def __missing__(self, key):
        new = self._renamed.get(key)
        if new is None:
            raise KeyError(key)
        warn_renamed(f'{self._where}["{key}"]', f'{self._where}["{new}"]')
        return self[new]

    def __reduce__(self):
        return (RenamedKeys, (dict(self), self._renamed, self._where))
