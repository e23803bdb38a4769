"""The one exception the package raises for bad data or bad arguments."""


class SignsDataError(ValueError):
    """A data file, folder or argument is not what the SIGNS loaders expect.

    The message says why.
    """
