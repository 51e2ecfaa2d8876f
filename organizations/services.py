"""Use cases of the organizations app: organizations, memberships and invites (docs/api.md §2.1).

Invites live here whole: creation (a setup delegation is one), acceptance, revocation. They
change a few columns of the user row that point into this app (current organization and team,
the delegation and skip state of onboarding); the row is reached through ``get_user_model()``,
so this app imports nothing from ``accounts``. Security events and the invite email are the
views' part: they record and queue them in the same transaction.

The rules that keep an invite from raising anyone's level (issue 15):
- an invite never carries a level above its creator's level when it is created; a setup
  delegation carries the creator's level, capped at admin;
- an invite to an address that already belongs to a member is refused, and acceptance never
  changes an existing membership;
- on acceptance the creator must still be a member at the invite's level, else it is spent;
- only the verified owner of the invited address may accept (issue 17).

Locking order, always: the delegator's user row, then the invite, then memberships. Concurrent
skip / delegate / accept / revoke requests serialize on the user instead of deadlocking.
"""

import secrets
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from organizations import errors
from organizations.models import (
    Organization,
    OrganizationInvite,
    OrganizationMembership,
    Team,
)

Level = OrganizationMembership.Level
_SLUG_ATTEMPTS = 8

# Onboarding columns of the user row that a setup delegation sets and clears.
DELEGATION_FIELDS = (
    "onboarding_delegated_to_invite",
    "onboarding_delegated_to_organization",
    "onboarding_delegation_accepted_at",
)
SKIP_FIELDS = (
    "onboarding_skipped_at",
    "onboarding_skipped_reason",
    "onboarding_skipped_organization",
)


# --- Organizations and memberships ---------------------------------------------------------------


def create_organization(*, name: str) -> Organization:
    """Create the organization under a unique slug derived from its name."""
    max_length = (Organization._meta.get_field("slug").max_length or 0) - 7
    base = slugify(name)[:max_length].strip("-") or "organization"
    candidates = [base] if not Organization.objects.filter(slug=base).exists() else []
    candidates += [f"{base}-{secrets.token_hex(3)}" for _ in range(_SLUG_ATTEMPTS)]
    for slug in candidates:
        try:
            with transaction.atomic():
                return Organization.objects.create(name=name, slug=slug)
        except IntegrityError:
            continue  # taken meanwhile by a concurrent sign-up: try the next candidate
    raise RuntimeError("Could not find a free organization slug.")


def member_level(*, organization: Organization, user: Any) -> int | None:
    """The user's level in the organization, or None for a non-member."""
    if user is None:
        return None
    return (
        OrganizationMembership.objects.filter(organization=organization, user=user)
        .values_list("level", flat=True)
        .first()
    )


def setup_delegation_level(creator_level: int) -> int:
    """A setup delegation hands over administration: never more, never more than one holds."""
    return min(creator_level, Level.ADMIN)


def email_is_member(*, organization: Organization, email: str) -> bool:
    return OrganizationMembership.objects.filter(
        organization=organization, user__email__iexact=email.strip()
    ).exists()


# --- Invites -------------------------------------------------------------------------------------


def invite_context(invite: OrganizationInvite) -> dict[str, Any]:
    """What a security event about the invite records (no secret in it)."""
    return {
        "invite_id": str(invite.pk),
        "organization_id": str(invite.organization_id),
        "level": invite.level,
        "is_setup_delegation": invite.is_setup_delegation,
        "target_email": invite.target_email,
        "created_by": invite.created_by_id,
    }


def create_invite(
    *,
    organization: Organization,
    target_email: str,
    level: int,
    created_by: Any,
    message: str = "",
    is_setup_delegation: bool = False,
) -> OrganizationInvite:
    """Create an invite at ``level``; raise ``InviteRefusedError`` if a rule forbids it."""
    context = {"organization_id": str(organization.pk), "level": level, "stage": "create"}
    creator_level = member_level(organization=organization, user=created_by)
    if creator_level is None or level > creator_level:
        raise errors.InviteLevelAboveCreatorError(context=context)
    if email_is_member(organization=organization, email=target_email):
        raise errors.AlreadyMemberError(attr="target_email", context=context)
    return OrganizationInvite.objects.create(
        organization=organization,
        target_email=target_email.strip().lower(),
        level=level,
        created_by=created_by,
        message=message,
        is_setup_delegation=is_setup_delegation,
    )


def cancel_pending_delegation(user: Any, keep: OrganizationInvite | None = None) -> None:
    """Delete the user's pending setup-delegation invite (if any) and clear the delegation fields
    on the instance (the caller saves them).

    ``user`` must be locked by the caller; ``keep`` is a just-created invite that replaces it.
    """
    invites = OrganizationInvite.objects.filter(is_setup_delegation=True, created_by=user)
    if user.onboarding_delegated_to_invite_id is not None:
        invites = invites | OrganizationInvite.objects.filter(
            pk=user.onboarding_delegated_to_invite_id
        )
    if keep is not None:
        invites = invites.exclude(pk=keep.pk)
    invites.delete()
    for field in DELEGATION_FIELDS:
        setattr(user, field, None)


def delegate_setup(
    *, user: Any, organization: Organization, target_email: str, message: str = ""
) -> OrganizationInvite:
    """Hand the organization's setup to ``target_email``: an invite at the caller's level capped
    at admin, and the caller leaves onboarding as ``delegated``.

    A previous pending delegation of the user is replaced. Raises ``InviteRefusedError`` (the
    caller is not a member, or the address is a member's); a refusal keeps the previous one.
    """
    with transaction.atomic(savepoint=False):  # a refusal rolls back the caller's transaction too
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        creator_level = member_level(organization=organization, user=locked)
        invite = create_invite(
            organization=organization,
            target_email=target_email,
            level=setup_delegation_level(creator_level or 0),
            created_by=locked,
            message=message,
            is_setup_delegation=True,
        )
        cancel_pending_delegation(locked, keep=invite)
        locked.onboarding_skipped_at = timezone.now()
        locked.onboarding_skipped_reason = locked.OnboardingSkippedReason.DELEGATED
        locked.onboarding_skipped_organization = organization
        locked.onboarding_delegated_to_organization = organization
        locked.onboarding_delegated_to_invite = invite
        locked.onboarding_delegation_accepted_at = None
        locked.save(update_fields=[*SKIP_FIELDS, *DELEGATION_FIELDS])
    return invite


def _lock_delegator_and_invite(invite_id: uuid.UUID) -> tuple[Any, OrganizationInvite]:
    """Lock (in this order) the user whose pending delegation is the invite, then the invite.

    Raises ``OrganizationInvite.DoesNotExist`` when a concurrent request removed the invite.
    """
    delegator = (
        get_user_model()
        .objects.select_for_update()
        .filter(onboarding_delegated_to_invite_id=invite_id)
        .first()
    )
    invite = OrganizationInvite.objects.select_for_update().get(pk=invite_id)
    return delegator, invite


def _check_acceptor(*, user: Any, invite: OrganizationInvite) -> None:
    """The caller must be the proven owner of the invited address, and the invite current."""
    if invite.target_email.lower() != user.email.lower():
        raise errors.InviteForAnotherEmailError()
    if not user.is_email_verified:
        raise errors.InviteEmailNotVerifiedError()
    if invite.is_expired:
        raise errors.InviteExpiredError()


def _check_creator(*, invite: OrganizationInvite) -> None:
    """Raise ``InviteCreatorNotEntitledError`` unless the creator still holds the invite's level.

    The creator's membership row is locked, so a concurrent demotion waits for the acceptance.
    """
    creator_level = (
        OrganizationMembership.objects.select_for_update()
        .filter(organization_id=invite.organization_id, user_id=invite.created_by_id)
        .values_list("level", flat=True)
        .first()
        if invite.created_by_id is not None
        else None
    )
    if creator_level is None or creator_level < invite.level:
        raise errors.InviteCreatorNotEntitledError()


def _join(*, invite: OrganizationInvite, user: Any) -> OrganizationMembership:
    """Add ``user`` at the invite's level; an existing member is refused and left unchanged.

    Race-free: the unique (organization, user) constraint decides between concurrent joins.
    """
    try:
        with transaction.atomic():
            return OrganizationMembership.objects.create(
                organization_id=invite.organization_id, user=user, level=invite.level
            )
    except IntegrityError:
        raise errors.AlreadyMemberError() from None


def accept_invite(*, user: Any, invite_id: uuid.UUID) -> dict[str, Any]:
    """Join the invite's organization at its level and switch the user to it and its first team.

    For a setup delegation the delegator learns it was accepted. The invite is used up. Returns
    the invite's security-event context. Raises ``OrganizationInvite.DoesNotExist`` or
    ``InviteRefusedError`` (with ``context``) after its transaction block: a refusal because the
    creator no longer holds the invite's level spends the invite, and the caller's transaction
    must commit that (catch the error inside it, raise outside).
    """
    refusal: errors.InviteRefusedError | None = None
    with transaction.atomic(savepoint=False):
        delegator, invite = _lock_delegator_and_invite(invite_id)
        context = {**invite_context(invite), "stage": "accept"}
        try:
            _check_acceptor(user=user, invite=invite)
            _check_creator(invite=invite)
            _join(invite=invite, user=user)
        except errors.InviteRefusedError as exc:
            if isinstance(exc, errors.InviteCreatorNotEntitledError):
                _spend(delegator=delegator, invite=invite)
                context["spent"] = True
            exc.context = context
            refusal = exc
        else:
            organization = invite.organization
            user.current_organization = organization
            user.current_team = (
                Team.objects.filter(organization=organization).order_by("id").first()
            )
            user.save(update_fields=["current_organization", "current_team"])
            if invite.is_setup_delegation and delegator is not None:
                delegator.onboarding_delegation_accepted_at = timezone.now()
                delegator.onboarding_delegated_to_organization = None
                delegator.onboarding_delegated_to_invite = None
                delegator.save(update_fields=list(DELEGATION_FIELDS))
            invite.delete()
    if refusal is not None:
        raise refusal
    return context


def _spend(*, delegator: Any, invite: OrganizationInvite) -> None:
    """Delete an invite; a pending setup delegation is undone so onboarding shows again.

    ``delegator`` and ``invite`` must be locked by the caller.
    """
    if invite.is_setup_delegation and delegator is not None:
        for field in (*SKIP_FIELDS, *DELEGATION_FIELDS):
            setattr(delegator, field, None)
        delegator.save(update_fields=[*SKIP_FIELDS, *DELEGATION_FIELDS])
    invite.delete()


def revoke_invite(*, invite_id: uuid.UUID) -> dict[str, Any]:
    """Delete an invite; a pending setup delegation is undone so onboarding shows again.

    Returns the invite's security-event context. Raises ``OrganizationInvite.DoesNotExist``.
    """
    with transaction.atomic(savepoint=False):
        delegator, invite = _lock_delegator_and_invite(invite_id)
        context = invite_context(invite)
        _spend(delegator=delegator, invite=invite)
    return context
