"""Refusals of the organizations app's use cases; ``users_api.errors`` answers with them.

Each carries the contract's stable ``code``.
"""

from typing import Any

from users_api.domain_errors import DomainError, Kind


class InviteRefusedError(DomainError):
    """An invite cannot be created or accepted."""

    kind = Kind.FORBIDDEN
    code = "permission_denied"
    detail = "This invite cannot be used."

    def __init__(
        self,
        detail: str | None = None,
        *,
        attr: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, attr=attr)
        # What the security event about the refusal records (invite, organization, level, stage).
        self.context: dict[str, Any] = context or {}


class InviteLevelAboveCreatorError(InviteRefusedError):
    """No one hands out a level they do not hold themselves."""

    code = "invite_level_above_creator"
    detail = "An invite cannot grant a level above your own."


class AlreadyMemberError(InviteRefusedError):
    """The address already belongs to a member: an invite must not change their level."""

    kind = Kind.INVALID
    code = "already_member"
    detail = "This address already belongs to a member of the organization."


class InviteCreatorNotEntitledError(InviteRefusedError):
    """The creator left the organization or lost the level the invite carries: it is spent."""

    code = "invite_creator_not_entitled"
    detail = (
        "The person who sent this invite is no longer a member at the level it grants; "
        "the invite is void."
    )


class InviteEmailNotVerifiedError(InviteRefusedError):
    """Only the proven owner of the invited address may accept (issue 17)."""

    code = "email_not_verified"
    detail = "Verify your email address before accepting an invite."


class InviteForAnotherEmailError(InviteRefusedError):
    code = "permission_denied"
    detail = "This invite was sent to another email address."


class InviteExpiredError(InviteRefusedError):
    kind = Kind.INVALID
    code = "invite_expired"
    detail = "This invite has expired."
