"""One typed grading result, and the forms it is shown in: text report, Gradescope results, feedback."""
