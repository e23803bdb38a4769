"""Tools for the course's staff, never imported by a student's notebook.

The demo, the reference-notebook runner, the nbgrader course helpers and the sample submissions live
here, outside :mod:`resnet_course`, which holds only what a student's notebook imports.
"""
