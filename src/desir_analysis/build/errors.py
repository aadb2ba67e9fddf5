"""The build's error: one line for the user, no traceback (the CLI prints it, exit status 2)."""


class BuildError(RuntimeError):
    """The build cannot proceed (missing inputs, unbalanced accounting)."""
