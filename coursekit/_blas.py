"""One BLAS thread where coursekit asks for it (threadpoolctl; where it cannot act, nothing changes).

Two users:

* training (:mod:`coursekit.learning.snn.train`): the products of a batch are small ((T B) x N by
  N x n_in), so BLAS threads gain nothing on them, and on a machine whose cores are busy they cost up to
  7x (measured: 129 ms against 18 ms per BPTT batch of the digits network with the load at 6 per core);
* grading (:func:`coursekit.course.grading.pipeline.autograde`): the grader computes the references with
  the arithmetic the student's code gets in the sandbox, which runs one BLAS thread (a threaded dot
  product splits its sum and rounds it differently), however the grader was started; and it grades
  students in parallel threads, where threaded BLAS calls from several of them at once can deadlock
  (OpenBLAS's threaded ``syrk``, which ``x.T @ x`` calls, was seen to hang for good, two grading threads
  each waiting on the other's BLAS workers).
"""
import contextlib


def single_threaded_blas():
    """A context in which BLAS uses one thread in this process (the old count comes back on exit)."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=1, user_api="blas")
    except Exception:  # threadpoolctl missing or unable to read the libraries: compute as before
        return contextlib.nullcontext()
