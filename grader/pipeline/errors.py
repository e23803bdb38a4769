"""The errors that mean grading could not run, as opposed to a submission that scored low."""


class GradingError(RuntimeError):
    """Grading itself could not run.

    The judge or the grading process failed, or the sandbox is unusable.
    """


class IsolationError(GradingError):
    """A requested isolation level is unknown or does not work on this machine."""
