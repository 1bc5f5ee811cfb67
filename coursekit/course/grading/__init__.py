"""Trustworthy autograding for nbgrader courses.

* :mod:`.spec` -- the per-assignment grading spec format (``solutions/<id>/grading.py``)
* :mod:`.checks` -- checks students run in their notebook (expected vs got)
* :mod:`.sandbox` -- runs student code in a jailed, unprivileged, limited process
* :mod:`.pipeline` -- restore cells, sandbox, score in the grader, annotate
* :mod:`.gradebook` -- scores into nbgrader's gradebook; CSV export
* :mod:`.layout` -- the course directories and the nbgrader commands
"""
