"""Refusals of the two-factor use cases (docs/api.md §2.5-§2.9, §2.14, §2.18).

``users_api.errors`` answers with them; the codes are the contract.
"""

from users_api.domain_errors import DomainError, Kind


class SetupExpiredError(DomainError):
    """No pending secret (setup never started, or older than 10 minutes)."""

    code = "setup_expired"
    detail = "Two-factor setup has expired or was never started. Start it again."


class TwoFactorNotEnabledError(DomainError):
    code = "2fa_not_enabled"
    detail = "Two-factor authentication is not enabled for this account."


class TokenInvalidError(DomainError):
    """At setup validation: the code does not match the pending secret."""

    code = "token_invalid"
    detail = "The code is not valid. Check your authenticator app."
    attr = "token"


class SecondFactorExpiredError(DomainError):
    """At ``/api/login/token/``: no password step in this session, or older than 10 minutes."""

    kind = Kind.UNAUTHENTICATED
    code = "2fa_expired"
    detail = "The login has expired. Sign in with your password again."


class SecondFactorInvalidError(DomainError):
    """At ``/api/login/token/``: wrong, used or replayed code."""

    kind = Kind.UNAUTHENTICATED
    code = "2fa_invalid"
    detail = "The code is not valid."


# --- Re-authentication: the session stays valid, so these are 400s, not 401s --------------------


class IncorrectPasswordError(DomainError):
    code = "incorrect_password"
    detail = "The password is not correct."
    attr = "password"


class ReauthTokenRequiredError(DomainError):
    """The account has 2FA and no ``token`` was sent."""

    code = "2fa_required"
    detail = "Enter a code from your authenticator app."
    attr = "token"


class ReauthPasskeyRequiredError(DomainError):
    """Passkeys are the account's second factor and none was sent."""

    code = "2fa_required"
    detail = "Confirm with one of your passkeys."
    attr = "passkey"


class ReauthTokenInvalidError(DomainError):
    """Wrong, used or replayed code."""

    code = "2fa_invalid"
    detail = "The code is not valid."
    attr = "token"


# --- Passkeys (docs/api.md §2.18) ----------------------------------------------------------------


class PasskeyChallengeExpiredError(DomainError):
    """No ceremony begun in this session, or older than its lifetime, or already used."""

    code = "challenge_expired"
    detail = "The passkey request has expired or was already used. Start again."


class PasskeyInvalidError(DomainError):
    """The WebAuthn response does not verify (origin, challenge, signature, counter)."""

    code = "passkey_invalid"
    detail = "The passkey response could not be verified."
    attr = "credential"


class TooManyPasskeysError(DomainError):
    code = "max_passkeys"
    detail = "An account can have at most 10 passkeys."
    attr = "credential"


class PasskeyAlreadyRegisteredError(DomainError):
    code = "passkey_already_registered"
    detail = "This passkey is already registered."
    attr = "credential"


class NoPasskeysError(DomainError):
    """The account has no passkey turned on as a second factor."""

    code = "no_passkeys"
    detail = "This account does not use passkeys as a second factor."
