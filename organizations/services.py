"""Use cases of the organizations app: invites and memberships.

Nothing here touches the user row itself (current organization, onboarding state): that is the
accounts app's job, which calls these functions inside its own transactions.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from organizations.models import Organization, OrganizationInvite, OrganizationMembership


def create_invite(
    *,
    organization: Organization,
    target_email: str,
    level: int,
    created_by: AbstractBaseUser,
    message: str = "",
    is_setup_delegation: bool = False,
) -> OrganizationInvite:
    return OrganizationInvite.objects.create(
        organization=organization,
        target_email=target_email.strip().lower(),
        level=level,
        created_by=created_by,
        message=message,
        is_setup_delegation=is_setup_delegation,
    )


def add_member(
    *, organization: Organization, user: AbstractBaseUser, level: int
) -> OrganizationMembership:
    """Make ``user`` a member at ``level`` at least; an existing membership is never lowered.

    Race-free: the unique (organization, user) constraint decides, a losing insert re-reads.
    """
    for _ in range(2):
        membership = OrganizationMembership.objects.filter(
            organization=organization, user=user
        ).first()
        if membership is not None:
            if membership.level < level:
                OrganizationMembership.objects.filter(pk=membership.pk, level__lt=level).update(
                    level=level
                )
                membership.level = level
            return membership
        try:
            with transaction.atomic():
                return OrganizationMembership.objects.create(
                    organization=organization, user=user, level=level
                )
        except IntegrityError:
            continue  # a concurrent request added it first: read it back
    raise RuntimeError("membership could not be created or read")  # pragma: no cover
