"""Random tokens handed out once and stored only as hashes, and password hashing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import string
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

from pwdlib import PasswordHash
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

from laturi.errors import ValidationFailed

# argon2id with pwdlib's recommended parameters; pwdlib is small, typed and maintained
# by the FastAPI ecosystem, unlike passlib.
_hasher = PasswordHash.recommended()

# A dummy hash verified for unknown usernames so timing does not reveal which exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

POLICY_MESSAGE = "Password does not conform to password policy."
# zxcvbn's score 0-4; 3 is "safely unguessable" against an online attack with throttling.
MIN_GUESS_SCORE = 3
# zxcvbn's time grows with the length; a longer password passes on its first 72 characters.
GUESS_CHECK_LENGTH = 72
POLICY_HINT = (
    "At least 10 characters with three of: lower-case letters, upper-case letters, "
    "digits, other characters; not containing the username; not a common or easily "
    "guessed password."
)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough, since the token itself is random."""
    return hashlib.sha256(token.encode()).hexdigest()


# argon2 costs ~0.2 s of CPU: run it beside the event loop, never on it, and on one core
# fewer than there are, so a flood of log-ins queues instead of starving stations (with as
# many hashes as cores, benchmarks/hardening.py saw Heartbeats wait seconds for the CPU).
_HASHERS = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="argon2"
)

STATION_SCHEME = "hmac-sha256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-time check; an operator without a password never matches."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHERS, hash_password, password)


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    """verify_password in the bounded hashing pool (the dummy hash too, for equal timing)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHERS, verify_password, password, password_hash)


def hash_station_secret(secret: str) -> str:
    """A station's password: a machine secret, so a keyed fast hash (HMAC-SHA-256, random key).

    Stations are given 16-40 random characters (the OCPP security whitepaper): guessing
    is hopeless without stretching, and a reconnect storm of thousands of stations must not
    cost seconds of CPU each.
    """
    key = secrets.token_bytes(16)
    mac = hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()
    return f"{STATION_SCHEME}${key.hex()}${mac}"


def is_station_scheme(stored: str) -> bool:
    """Whether a stored station password uses the fast scheme (else argon2, from before)."""
    return stored.startswith(STATION_SCHEME + "$")


def verify_station_secret(secret: str, stored: str) -> bool:
    """Constant-time check of a fast-scheme station password."""
    _, key, mac = stored.split("$", 2)
    expected = hmac.new(bytes.fromhex(key), secret.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, mac)


def check_policy(password: str, username: str) -> None:
    """Raise the manual's policy message when the password is too weak."""
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    if len(password) < 10:
        _refuse("it has fewer than 10 characters.")
    if sum(classes) < 3:
        _refuse(
            "it needs three of lower-case letters, upper-case letters, digits, other characters."
        )
    if username and username.lower() in password.lower():
        _refuse("it contains the username.")
    # zxcvbn knows the common and leaked passwords (and their l33t and keyboard variants):
    # "Password123" and "Qwerty-123" pass the rules above but are among the first guessed.
    found = zxcvbn(password[:GUESS_CHECK_LENGTH], user_inputs=[username] if username else [])
    if found["score"] < MIN_GUESS_SCORE:
        warning = found["feedback"]["warning"] or "It is too easy to guess."
        _refuse(warning.replace("This is", "It is"))


def _refuse(reason: str) -> NoReturn:
    """The manual's message, then which rule failed."""
    raise ValidationFailed(f"{POLICY_MESSAGE} {reason[0].upper()}{reason[1:]}", field="password")
