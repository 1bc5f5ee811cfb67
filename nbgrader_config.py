"""nbgrader configuration for the coursekit course (repository root = course directory).

``coursekit course ...`` passes the same layout on nbgrader's command line (see
coursekit/course/grading/layout.py), so both agree wherever they are run from.

Autograding: use ``coursekit course autograde`` rather than ``nbgrader
autograde``.  nbgrader's autograde runs student code in an unsandboxed kernel
with the grader's privileges; coursekit's runs it jailed and scores it outside.

The student side (JupyterLab's *Nbgrader > Assignment List*, ``nbgrader
fetch_assignment / submit``) needs a course id and an exchange directory:

* course id ``coursekit`` (``$COURSEKIT_COURSE_ID`` overrides it);
* exchange ``$COURSEKIT_EXCHANGE`` if set -- a class sets it to a directory every
  student can write to, e.g. ``/srv/nbgrader/exchange`` (see nbgrader's docs on
  setting up the exchange) -- else ``.exchange/`` in this course directory: it
  works on one machine without root and git ignores it.  This file creates that
  default directory when it is missing, so the Assignment List shows an empty
  course list instead of "The exchange directory does not exist";
* fetched assignments land in ``work/<assignment>/`` (git ignores what is in
  ``work/``), never in ``assignments/``, which holds the release as committed.

Nothing else changes for the instructor's commands.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader's config loader)

# the directory of this file, wherever nbgrader or JupyterLab is started from
COURSE = os.path.dirname(os.path.abspath(__file__))  # noqa: F821 (__file__ is set by the config loader)

c.CourseDirectory.root = COURSE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE, "gradebook.db")
# the grading spec (references, hidden cases) never leaves solutions/
c.CourseDirectory.ignore = ["grading.py", "__pycache__", "*.pyc", ".ipynb_checkpoints", "feedback"]

# Hidden tests are stripped on release; coursekit's autograded notebooks never
# contain them, and feedback strips them again in case a notebook was autograded
# by plain nbgrader.
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Students get no output beyond this from a cell, even in plain nbgrader runs.
c.LimitOutput.max_lines = 200
c.Execute.timeout = 30

# ---------------------------------------------------------------- the exchange (students and class)
c.CourseDirectory.course_id = os.environ.get("COURSEKIT_COURSE_ID") or "coursekit"
LOCAL_EXCHANGE = os.path.join(COURSE, ".exchange")
c.Exchange.root = os.environ.get("COURSEKIT_EXCHANGE") or LOCAL_EXCHANGE
# JupyterLab's Assignment List reads the nbgrader config of this folder again
# (work/nbgrader_config.py loads this file)
c.Exchange.assignment_dir = os.path.join(COURSE, "work")
if c.Exchange.root == LOCAL_EXCHANGE and not os.path.isdir(LOCAL_EXCHANGE):
    try:
        os.mkdir(LOCAL_EXCHANGE)
    except OSError:  # a read-only checkout: the Assignment List then says the exchange is missing
        pass
