"""The one error that means grading could not run, as opposed to a submission that scored low."""


class GradingError(RuntimeError):
    """Grading itself could not run.

    The judge or the grading process failed, or the sandbox is unusable.
    """
