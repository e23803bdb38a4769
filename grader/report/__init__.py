"""One typed grading result, and the forms it is shown in.

Text report, Gradescope results, feedback.
"""
