"""nbgrader configuration for the coursekit course (repository root = course directory).

``coursekit course ...`` passes the same layout on nbgrader's command line (see
coursekit/course/grading/layout.py), so both agree wherever they are run from.

Autograding: use ``coursekit course autograde`` rather than ``nbgrader
autograde``.  nbgrader's autograde runs student code in an unsandboxed kernel
with the grader's privileges; coursekit's runs it jailed and scores it outside.
"""
c = get_config()  # noqa: F821 (provided by nbgrader's config loader)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
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
