"""nbgrader configuration for the course.

Instructor sources in solutions/, student releases in assignments/.
"""

import os

from grader.nbgrader_bridge import autograde_preprocessors

c = get_config()

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.course_id = "resnets-course"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.keras", "*.h5"]

# The exchange through which assignments are released, submitted, collected and returned as
# feedback: a folder in the course, so the whole cycle works on one machine; COURSE_EXCHANGE names
# another (a shared one).
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or os.path.join(
    c.CourseDirectory.root, "exchange"
)
# nbgrader refuses an exchange folder that does not exist, even just to list what was released.
os.makedirs(c.Exchange.root, exist_ok=True)

# Autograding scores every test_<exercise> grade cell from the sandboxed grader's hidden checks,
# never from the outputs of student code run in nbgrader's kernel (see grader/nbgrader_bridge.py).
c.Autograde.autograde_preprocessors = autograde_preprocessors()
# A student who deletes a locked test cell gets it back (and graded) instead of silently losing its
# points; nbgrader restores the source of locked cells that were edited in any case.
c.OverwriteCells.add_missing_cells = True
# Importing TensorFlow and building ResNet50 in a fresh kernel takes well over nbgrader's
# default 30 s per cell.
c.Execute.timeout = 600
