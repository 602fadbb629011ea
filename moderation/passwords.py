"""Password rules in the spirit of NIST SP 800-63B: long enough, not a common password, no control characters."""
import functools
import gzip
import unicodedata
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).resolve().parents[1] / "data" / "passwords" / "common-passwords.txt.gz"


@functools.cache
def common_passwords():
    """The 20,000 most common passwords (Django's list, see data/README.md), lower-cased."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password):
    """Why a new password is refused, in words for the person choosing it, or None."""
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in password):
        return "Passwords cannot contain control or invisible characters."
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Passwords can be at most {MAX_LENGTH} characters."
    folded = password.strip().lower()
    if len(set(folded)) < 3 or folded in common_passwords():
        return "That password is too common and easy to guess: choose a longer or less usual one, such as a phrase."
    return None
