"""Log a failure without its message: exception messages can quote what a trainee wrote."""

import logging
import sys
import traceback


def log_failure(logger: logging.Logger, message: str, *args: object) -> None:
    """Call inside an `except` block: logs the message, the exception's type and where it was raised."""
    error = sys.exc_info()[1]
    if error is None:
        logger.error(message, *args)
        return
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown place"
    logger.error(message + " (%s at %s)", *args, type(error).__name__, where)
