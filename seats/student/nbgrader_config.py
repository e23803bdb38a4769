"""nbgrader settings of the student's JupyterLab: the course's exchange, for the Assignments tab."""
import os

c = get_config()

_COURSE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or os.path.join(_COURSE, "exchange")
# nbgrader refuses an exchange folder that does not exist, even just to list what was released.
os.makedirs(c.Exchange.root, exist_ok=True)
