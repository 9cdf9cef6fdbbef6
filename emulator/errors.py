"""Error types shared by the whole package; the CLI maps them to exit codes."""


class FwError(Exception):
    """Base of every error the sandbox reports to a user."""


class BadInput(FwError):
    """Input the user gave is unusable (image, board, rules, option): exit code 2.

    The message is one line naming the file, key or address and the reason.
    """


class EmulationError(FwError):
    """The engine itself failed in a way that is not the firmware's fault."""
