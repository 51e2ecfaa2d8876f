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
from accounts.models import SecurityEvent, User
from accounts.services import security_events
from accounts.services.security_events import RequestMeta
from organizations import errors as organization_errors
from organizations import services as organization_services
from organizations.models import Organization, OrganizationInvite, Team

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


def _cancel_pending_delegation(user: User, keep: OrganizationInvite | None = None) -> None:
    """Delete the user's pending setup-delegation invite (if any) and clear the delegation fields.

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
    meta: RequestMeta | None = None,
) -> OrganizationInvite:
    """Hand the organization's setup to ``target_email`` with an invite at the caller's level,
    capped at admin.

    A previous pending delegation of the user is replaced; the invite email is queued on commit.
    Raises ``organizations.errors.InviteRefusedError`` (caller not a member, address of a member).
    """
    refusal: organization_errors.InviteRefusedError | None = None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        creator_level = organization_services.member_level(organization=organization, user=locked)
        level = organization_services.setup_delegation_level(creator_level or 0)
        try:
            # Checked and created before the previous delegation goes, so a refusal keeps it.
            invite = organization_services.create_invite(
                organization=organization,
                target_email=target_email,
                level=level,
                created_by=locked,
                message=message,
                is_setup_delegation=True,
            )
        except organization_errors.InviteRefusedError as exc:
            refusal = exc
            _record_refusal(
                user=locked,
                meta=meta,
                refusal=exc,
                stage="create",
                context={"organization_id": str(organization.pk), "level": level},
            )
        else:
            _cancel_pending_delegation(locked, keep=invite)
            _mark_delegated(locked, organization=organization, invite=invite)
            security_events.record(
                type=SecurityEvent.Type.INVITE_CREATED,
                user=locked,
                meta=meta,
                context=_invite_context(invite),
            )
    if refusal is not None:
        raise refusal  # after the commit: the refusal's event stays written
    logger.info(
        "onboarding delegated",
        extra={
            "user_id": locked.pk,
            "invite_id": str(invite.pk),
            "step_at_delegation": step_at_delegation,
        },
    )
    return invite


def _mark_delegated(user: User, *, organization: Organization, invite: OrganizationInvite) -> None:
    """Record the delegation on the (locked) delegator and queue the invite email."""
    user.onboarding_skipped_at = timezone.now()
    user.onboarding_skipped_reason = Reason.DELEGATED
    user.onboarding_skipped_organization = organization
    user.onboarding_delegated_to_organization = organization
    user.onboarding_delegated_to_invite = invite
    user.onboarding_delegation_accepted_at = None
    user.save(update_fields=[*_SKIP_FIELDS, *_DELEGATION_FIELDS])
    emails.queue(
        template="delegation_invite",
        to=invite.target_email,
        context={
            "inviter_name": user.get_full_name() or user.email,
            "inviter_email": user.email,
            "organization_name": organization.name,
            "message": invite.message,
            "invite_id": str(invite.pk),
            "target_email": invite.target_email,
        },
    )


def _invite_context(invite: OrganizationInvite) -> dict[str, object]:
    return {
        "invite_id": str(invite.pk),
        "organization_id": str(invite.organization_id),
        "level": invite.level,
        "is_setup_delegation": invite.is_setup_delegation,
        "target_email": invite.target_email,
        "created_by": invite.created_by_id,
    }


def _record_refusal(
    *,
    user: User,
    meta: RequestMeta | None,
    refusal: organization_errors.InviteRefusedError,
    stage: str,
    context: dict[str, object],
) -> None:
    security_events.record(
        type=SecurityEvent.Type.INVITE_REFUSED,
        user=user,
        meta=meta,
        context={**context, "stage": stage, "reason": refusal.code},
    )


def _lock_delegator_and_invite(invite_id: uuid.UUID) -> tuple[User | None, OrganizationInvite]:
    """Lock (in this order) the user whose pending delegation is the invite, then the invite.

    Raises ``OrganizationInvite.DoesNotExist`` when a concurrent request removed the invite.
    """
    delegator = (
        User.objects.select_for_update().filter(onboarding_delegated_to_invite_id=invite_id).first()
    )
    invite = OrganizationInvite.objects.select_for_update().get(pk=invite_id)
    return delegator, invite


def _check_acceptor(*, user: User, invite: OrganizationInvite) -> None:
    """The caller must be the proven owner of the invited address, and the invite current."""
    if invite.target_email.lower() != user.email.lower():
        raise organization_errors.InviteForAnotherEmailError()
    if not user.is_email_verified:
        raise organization_errors.InviteEmailNotVerifiedError()
    if invite.is_expired:
        raise organization_errors.InviteExpiredError()


def accept_invite(*, user: User, invite_id: uuid.UUID, meta: RequestMeta | None = None) -> User:
    """Join the invite's organization at its level and switch the user to it.

    For a setup delegation the delegator learns it was accepted. The invite is used up. Raises
    ``OrganizationInvite.DoesNotExist`` or ``organizations.errors.InviteRefusedError``; a refusal
    because the creator no longer holds the invite's level spends the invite.
    """
    refusal: organization_errors.InviteRefusedError | None = None
    with transaction.atomic():
        delegator, invite = _lock_delegator_and_invite(invite_id)
        context = _invite_context(invite)
        try:
            _check_acceptor(user=user, invite=invite)
            organization_services.join_by_invite(invite=invite, user=user)
        except organization_errors.InviteRefusedError as exc:
            refusal = exc
            if isinstance(exc, organization_errors.InviteCreatorNotEntitledError):
                _spend(delegator=delegator, invite=invite)
                context["spent"] = True
            _record_refusal(user=user, meta=meta, refusal=exc, stage="accept", context=context)
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
                delegator.save(update_fields=list(_DELEGATION_FIELDS))
            invite.delete()
            security_events.record(
                type=SecurityEvent.Type.INVITE_ACCEPTED, user=user, meta=meta, context=context
            )
    if refusal is not None:
        raise refusal  # after the commit: the spent invite and the event stay written
    return user


def _spend(*, delegator: User | None, invite: OrganizationInvite) -> None:
    """Delete an invite; a pending setup delegation is undone so onboarding shows again.

    ``delegator`` and ``invite`` must be locked by the caller.
    """
    if invite.is_setup_delegation and delegator is not None:
        for field in (*_SKIP_FIELDS, *_DELEGATION_FIELDS):
            setattr(delegator, field, None)
        delegator.save(update_fields=[*_SKIP_FIELDS, *_DELEGATION_FIELDS])
    invite.delete()


def revoke_invite(
    *, invite_id: uuid.UUID, by: User | None = None, meta: RequestMeta | None = None
) -> None:
    """Delete an invite; a pending setup delegation is undone so onboarding shows again."""
    with transaction.atomic():
        delegator, invite = _lock_delegator_and_invite(invite_id)
        context = _invite_context(invite)
        _spend(delegator=delegator, invite=invite)
        security_events.record(
            type=SecurityEvent.Type.INVITE_REVOKED, user=by, meta=meta, context=context
        )
