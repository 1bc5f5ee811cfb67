"""JupyterLab's Assignment List reads the nbgrader config of the folder that fetched
assignments land in (this one), not only the course's: load the course's."""
import os

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "nbgrader_config.py"))  # noqa: F821
