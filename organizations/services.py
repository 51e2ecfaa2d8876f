"""Use cases of the organizations app: invites and memberships.

Nothing here touches the user row itself (current organization, onboarding state): that is the
accounts app's job, which calls these functions inside its own transactions.

The rules that keep an invite from raising anyone's level (issue 15):
- an invite never carries a level above its creator's level when it is created;
- it is refused when it names an address that already belongs to a member;
- on acceptance the creator must still be a member at the invite's level, else it is spent;
- acceptance never changes an existing membership.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from organizations import errors
from organizations.models import Organization, OrganizationInvite, OrganizationMembership

Level = OrganizationMembership.Level


def member_level(*, organization: Organization, user: AbstractBaseUser | None) -> int | None:
    """The user's level in the organization, or None for a non-member."""
    if user is None:
        return None
    return (
        OrganizationMembership.objects.filter(organization=organization, user=user)
        .values_list("level", flat=True)
        .first()
    )


def setup_delegation_level(creator_level: int) -> int:
    """A setup delegation hands over administration, never more, never more than one holds."""
    return min(creator_level, Level.ADMIN)


def email_is_member(*, organization: Organization, email: str) -> bool:
    return OrganizationMembership.objects.filter(
        organization=organization, user__email__iexact=email.strip()
    ).exists()


def create_invite(
    *,
    organization: Organization,
    target_email: str,
    level: int,
    created_by: AbstractBaseUser,
    message: str = "",
    is_setup_delegation: bool = False,
) -> OrganizationInvite:
    """Create an invite at ``level``; raise ``InviteRefusedError`` if a rule forbids it."""
    creator_level = member_level(organization=organization, user=created_by)
    if creator_level is None or level > creator_level:
        raise errors.InviteLevelAboveCreatorError()
    if email_is_member(organization=organization, email=target_email):
        raise errors.AlreadyMemberError(attr="target_email")
    return OrganizationInvite.objects.create(
        organization=organization,
        target_email=target_email.strip().lower(),
        level=level,
        created_by=created_by,
        message=message,
        is_setup_delegation=is_setup_delegation,
    )


def check_invite_creator(*, invite: OrganizationInvite) -> None:
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


def join_by_invite(*, invite: OrganizationInvite, user: AbstractBaseUser) -> OrganizationMembership:
    """Add ``user`` at the invite's level; an existing member is refused and left unchanged.

    Race-free: the unique (organization, user) constraint decides between concurrent joins.
    """
    check_invite_creator(invite=invite)
    try:
        with transaction.atomic():
            return OrganizationMembership.objects.create(
                organization_id=invite.organization_id, user=user, level=invite.level
            )
    except IntegrityError:
        raise errors.AlreadyMemberError() from None
