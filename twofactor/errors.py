"""Error codes of the two-factor endpoints (docs/api.md §2.5-§2.9, §2.14). The codes are the
contract.
"""

from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail


def _field_error(attr: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({attr: [ErrorDetail(message, code=code)]})


class SetupExpired(exceptions.ValidationError):
    """400: no pending secret (setup never started, or older than 10 minutes)."""

    default_detail = "Two-factor setup has expired or was never started. Start it again."
    default_code = "setup_expired"


class TwoFactorNotEnabled(exceptions.ValidationError):
    default_detail = "Two-factor authentication is not enabled for this account."
    default_code = "2fa_not_enabled"


def token_invalid() -> exceptions.ValidationError:
    """400 at setup validation: the code does not match the pending secret."""
    return _field_error(
        "token", "The code is not valid. Check your authenticator app.", "token_invalid"
    )


class SecondFactorExpired(exceptions.AuthenticationFailed):
    """401 at ``/api/login/token/``: no password step in this session, or older than 10 min."""

    default_detail = "The login has expired. Sign in with your password again."
    default_code = "2fa_expired"


class SecondFactorInvalid(exceptions.AuthenticationFailed):
    """401 at ``/api/login/token/``: wrong, used or replayed code."""

    default_detail = "The code is not valid."
    default_code = "2fa_invalid"


def incorrect_password() -> exceptions.ValidationError:
    """400 at ``/api/reauthenticate/`` (the session stays valid, so not a 401)."""
    return _field_error("password", "The password is not correct.", "incorrect_password")


def reauth_token_required() -> exceptions.ValidationError:
    """400 at ``/api/reauthenticate/``: the account has 2FA and no ``token`` was sent."""
    return _field_error("token", "Enter a code from your authenticator app.", "2fa_required")


def reauth_passkey_required() -> exceptions.ValidationError:
    """400 at ``/api/reauthenticate/``: passkeys are the account's second factor, none was sent."""
    return _field_error("passkey", "Confirm with one of your passkeys.", "2fa_required")


def reauth_passkey_expired() -> exceptions.ValidationError:
    return _field_error(
        "passkey",
        "The passkey request has expired or was already used. Start again.",
        "challenge_expired",
    )


def reauth_token_invalid() -> exceptions.ValidationError:
    """400 at ``/api/reauthenticate/``: wrong, used or replayed code."""
    return _field_error("token", "The code is not valid.", "2fa_invalid")


# --- Passkeys (docs/api.md §2.18) ---------------------------------------------------------------


class PasskeyChallengeExpired(exceptions.ValidationError):
    """400 at registration: no ceremony begun in this session, or older than its lifetime."""

    default_detail = "The passkey request has expired or was already used. Start again."
    default_code = "challenge_expired"


def passkey_invalid(attr: str = "credential") -> exceptions.ValidationError:
    """400: the WebAuthn response does not verify (origin, challenge, signature, counter)."""
    return _field_error(attr, "The passkey response could not be verified.", "passkey_invalid")


def registration_refused(code: str) -> exceptions.ValidationError:
    messages = {
        "max_passkeys": "An account can have at most 10 passkeys.",
        "passkey_already_registered": "This passkey is already registered.",
    }
    return _field_error("credential", messages[code], code)


class NoPasskeys(exceptions.ValidationError):
    """400: the account has no passkey turned on as a second factor."""

    default_detail = "This account does not use passkeys as a second factor."
    default_code = "no_passkeys"
