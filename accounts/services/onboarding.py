"""Leaving onboarding: skipping it, or delegating the setup to someone else (SPEC §2.1).

Every function locks the delegator's user row before touching an invite, always in that order
(user, then invite), so concurrent skip / delegate / accept / delete requests serialize on the
user instead of deadlocking.
"""

import logging
import uuid

from django.db import transaction
from django.utils import timezone

from accounts import emails
from accounts.models import User
from organizations import services as organization_services
from organizations.models import Organization, OrganizationInvite, OrganizationMembership, Team

logger = logging.getLogger(__name__)

Reason = User.OnboardingSkippedReason

_DELEGATION_FIELDS = (
    "onboarding_delegated_to_invite",
    "onboarding_delegated_to_organization",
    "onboarding_delegation_accepted_at",
)
_SKIP_FIELDS = (
    "onboarding_skipped_at",
    "onboarding_skipped_reason",
    "onboarding_skipped_organization",
)


def _cancel_pending_delegation(user: User) -> None:
    """Delete the user's pending setup-delegation invite (if any) and clear the delegation fields.

    ``user`` must be locked by the caller.
    """
    invites = OrganizationInvite.objects.filter(is_setup_delegation=True, created_by=user)
    if user.onboarding_delegated_to_invite_id is not None:
        invites = invites | OrganizationInvite.objects.filter(
            pk=user.onboarding_delegated_to_invite_id
        )
    invites.delete()
    for field in _DELEGATION_FIELDS:
        setattr(user, field, None)


def skip_onboarding(*, user: User, reason: str, step_at_skip: str = "") -> User:
    """Leave onboarding for ``later`` or ``other``; the first skip's timestamp is kept."""
    if reason not in (Reason.LATER, Reason.OTHER):
        raise ValueError(f"skip reason must be later or other, not {reason!r}")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        fields = ["onboarding_skipped_reason", "onboarding_skipped_organization"]
        if (
            locked.onboarding_delegated_to_invite_id
            or locked.onboarding_delegated_to_organization_id
        ):
            _cancel_pending_delegation(locked)
            fields += list(_DELEGATION_FIELDS)
        already_skipped = locked.onboarding_skipped_at is not None and (
            locked.onboarding_skipped_reason in (Reason.LATER, Reason.OTHER)
        )
        if not already_skipped:
            locked.onboarding_skipped_at = timezone.now()
            fields.append("onboarding_skipped_at")
        locked.onboarding_skipped_reason = reason
        locked.onboarding_skipped_organization_id = locked.current_organization_id
        locked.save(update_fields=fields)
    # No column for the step: it is analytics, so it goes to the log stream.
    logger.info(
        "onboarding skipped",
        extra={"user_id": locked.pk, "reason": reason, "step_at_skip": step_at_skip},
    )
    return locked


def delegate_onboarding(
    *,
    user: User,
    organization: Organization,
    target_email: str,
    message: str = "",
    step_at_delegation: str = "",
) -> OrganizationInvite:
    """Hand the organization's setup to ``target_email`` with an admin-level invite.

    A previous pending delegation of the user is replaced; the invite email is queued on commit.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _cancel_pending_delegation(locked)
        invite = organization_services.create_invite(
            organization=organization,
            target_email=target_email,
            level=OrganizationMembership.Level.ADMIN,
            created_by=locked,
            message=message,
            is_setup_delegation=True,
        )
        locked.onboarding_skipped_at = timezone.now()
        locked.onboarding_skipped_reason = Reason.DELEGATED
        locked.onboarding_skipped_organization = organization
        locked.onboarding_delegated_to_organization = organization
        locked.onboarding_delegated_to_invite = invite
        locked.onboarding_delegation_accepted_at = None
        locked.save(update_fields=[*_SKIP_FIELDS, *_DELEGATION_FIELDS])
        emails.queue(
            template="delegation_invite",
            to=invite.target_email,
            context={
                "inviter_name": locked.get_full_name() or locked.email,
                "inviter_email": locked.email,
                "organization_name": organization.name,
                "message": invite.message,
                "invite_id": str(invite.pk),
                "target_email": invite.target_email,
            },
        )
    logger.info(
        "onboarding delegated",
        extra={
            "user_id": locked.pk,
            "invite_id": str(invite.pk),
            "step_at_delegation": step_at_delegation,
        },
    )
    return invite


def _lock_delegator_and_invite(invite_id: uuid.UUID) -> tuple[User | None, OrganizationInvite]:
    """Lock (in this order) the user whose pending delegation is the invite, then the invite.

    Raises ``OrganizationInvite.DoesNotExist`` when a concurrent request removed the invite.
    """
    delegator = (
        User.objects.select_for_update().filter(onboarding_delegated_to_invite_id=invite_id).first()
    )
    invite = OrganizationInvite.objects.select_for_update().get(pk=invite_id)
    return delegator, invite


def accept_invite(*, user: User, invite_id: uuid.UUID) -> User:
    """Join the invite's organization (at its level at least) and switch the user to it.

    For a setup delegation the delegator learns it was accepted. The invite is used up.
    """
    with transaction.atomic():
        delegator, invite = _lock_delegator_and_invite(invite_id)
        organization = invite.organization
        organization_services.add_member(organization=organization, user=user, level=invite.level)
        user.current_organization = organization
        user.current_team = Team.objects.filter(organization=organization).order_by("id").first()
        user.save(update_fields=["current_organization", "current_team"])
        if invite.is_setup_delegation and delegator is not None:
            delegator.onboarding_delegation_accepted_at = timezone.now()
            delegator.onboarding_delegated_to_organization = None
            delegator.onboarding_delegated_to_invite = None
            delegator.save(update_fields=list(_DELEGATION_FIELDS))
        invite.delete()
    return user


def revoke_invite(*, invite_id: uuid.UUID) -> None:
    """Delete an invite; a pending setup delegation is undone so onboarding shows again."""
    with transaction.atomic():
        delegator, invite = _lock_delegator_and_invite(invite_id)
        if invite.is_setup_delegation and delegator is not None:
            for field in (*_SKIP_FIELDS, *_DELEGATION_FIELDS):
                setattr(delegator, field, None)
            delegator.save(update_fields=[*_SKIP_FIELDS, *_DELEGATION_FIELDS])
        invite.delete()
