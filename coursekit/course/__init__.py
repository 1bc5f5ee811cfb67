"""The course spine: the timetable (schedule.yaml), concept lookup and grading."""
