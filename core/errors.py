"""Errors that are the user's to fix (a missing folder, a bad flag, an unreadable file).

The CLI turns them into a one-line message and exit status 2; the GUI shows them in a
dialog. Anything else is a bug and keeps its traceback.
"""


class InputError(Exception):
    """Bad input from the user: the message names the file, folder or flag."""


class RunFailure(Exception):
    """A run that failed for a reason its message already tells a person (a diverged training): exit 1, no
    class name or traceback in front of it, unlike a bug."""
