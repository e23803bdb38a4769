"""The one error a refused model file raises: its message is written for the student."""


class ModelFileError(ValueError):
    """A ``.keras`` file was refused before anything of it reached Keras.

    The message says what was wrong, in words a student can act on.
    """
