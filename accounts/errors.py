"""Refusals of the accounts app's use cases; ``users_api.errors`` answers with them.

The codes are the contract (docs/api.md); the details may change.
"""

from users_api.domain_errors import DomainError, Kind

# --- Sign-up, API keys, profile ------------------------------------------------------------------


class SignUpEmailTakenError(DomainError):
    """The address already belongs to an account (a concurrent sign-up included)."""

    code = "unique"
    detail = "An account with this email already exists."
    attr = "email"


class TooManyKeysError(DomainError):
    code = "max_keys"


class DocumentTooLargeError(DomainError):
    """The merged document would exceed ``accounts.json_limits``."""

    code = "too_large"
    detail = "The configuration would grow too large."


class AccountSharedError(DomainError):
    """The account cannot be deleted while other members remain in one of its organizations."""

    kind = Kind.CONFLICT
    code = "conflict"
    detail = (
        "Other members remain in one of your organizations: leave it or remove them before "
        "deleting your account."
    )


class ProfileChangeRefusedError(DomainError):
    """The caller may not make this change at all (or not to this account)."""

    kind = Kind.FORBIDDEN
    code = "permission_denied"
    detail = "You do not have permission to make this change."


class ReauthenticationRequiredError(ProfileChangeRefusedError):
    """The session must prove the password again first (``/api/reauthenticate/``)."""

    code = "sensitive_action_required_reauth"
    detail = "Re-authenticate with your password to make this change."


# --- Email verification (docs/api.md §2.10-§2.12) ------------------------------------------------


class InvalidCodeError(DomainError):
    """Unknown user, wrong, expired or superseded code: one answer for all."""

    code = "invalid_code"
    detail = "This code is invalid or has expired."
    attr = "code"


class TooManyAttemptsError(DomainError):
    code = "too_many_attempts"
    detail = "Too many attempts with this code. Request a new one."
    attr = "code"


class EmailTakenError(DomainError):
    """The pending address was taken by another account meanwhile."""

    code = "email_taken"
    detail = "This email address now belongs to another account."
    attr = "email"


class AlreadyVerifiedError(DomainError):
    code = "already_verified"
    detail = "This email address is already verified."


class NoPendingEmailChangeError(DomainError):
    code = "email_change_request_not_found"
    detail = "There is no pending email change."


# --- Password reset (docs/api.md §2.16) ----------------------------------------------------------


class InvalidTokenError(DomainError):
    """Wrong, expired or used token, or an unknown uuid: one answer for all."""

    code = "invalid_token"
    detail = "This link is invalid or has expired."
    attr = "token"
