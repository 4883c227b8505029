"""What makes a password acceptable: long enough, and not one that guessing tools try early.

The check is zxcvbn (MIT; Dropbox's estimator, ported to Python): it ships lists of the most common
passwords, English words and names, and scores keyboard walks, repeats, dates and l33t variants too."""

from zxcvbn import zxcvbn

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
# zxcvbn scores 0-4; 3 means more than 10^8 guesses, out of reach of online guessing even without our throttle.
MIN_STRENGTH = 3
_ANALYSED_CHARS = 100  # zxcvbn's time grows with length; the rest of a long password only adds strength


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """What is wrong with a new password, in words the person can act on; None when it is fine.
    `user_inputs`: the username and display name, which anyone who knows them would try."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"A password needs at least {MIN_PASSWORD_CHARS} characters."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"A password is at most {MAX_PASSWORD_CHARS} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    verdict = zxcvbn(password[:_ANALYSED_CHARS], user_inputs=[text for text in user_inputs if text])
    if verdict["score"] >= MIN_STRENGTH:
        return None
    reason = verdict["feedback"]["warning"] or "It is too easy to guess."
    return (
        f"That password is among those guessing tools try first. {reason} "
        "Try a few unrelated words, or a phrase only you would think of."
    )
