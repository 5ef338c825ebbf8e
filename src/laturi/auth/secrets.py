"""Random tokens handed out once and stored only as hashes, and password hashing."""

from __future__ import annotations

import hashlib
import secrets
import string

from pwdlib import PasswordHash

from laturi.errors import ValidationFailed

# argon2id with pwdlib's recommended parameters; pwdlib is small, typed and maintained
# by the FastAPI ecosystem, unlike passlib.
_hasher = PasswordHash.recommended()

# A dummy hash verified for unknown usernames so timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

POLICY_MESSAGE = "Password does not conform to password policy."
POLICY_HINT = (
    "At least 10 characters with three of: lower-case letters, upper-case letters, "
    "digits, other characters; not containing the username."
)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough, since the token itself is random."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-time check; an operator without a password never matches."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def check_policy(password: str, username: str) -> None:
    """Raise the manual's policy message when the password is too weak."""
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    weak = len(password) < 10 or sum(classes) < 3
    if weak or (username and username.lower() in password.lower()):
        raise ValidationFailed(POLICY_MESSAGE, field="password")
