"""Sign-up: a new user with their own organization, first team and owner membership."""

from django.db import IntegrityError, transaction

from accounts import errors
from accounts.models import User
from accounts.services import email_verification
from organizations import services as organization_services
from organizations.models import Organization, OrganizationMembership, Team

FIRST_TEAM_NAME = "Default project"


def default_organization_name(first_name: str) -> str:
    return f"{first_name}'s organization"[: Organization._meta.get_field("name").max_length]


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


@transaction.atomic
def sign_up(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str = "",
    organization_name: str = "",
) -> User:
    """Create the user (unverified) as owner of a new organization and its first team.

    The verification code is issued once the transaction commits, so a rolled-back sign-up
    sends nothing.
    """
    try:
        # A savepoint: a concurrent sign-up with the same address loses on the unique index.
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                first_name=first_name,
                last_name=last_name,
                is_email_verified=False,
            )
    except IntegrityError:
        raise errors.SignUpEmailTakenError from None

    organization = organization_services.create_organization(
        name=organization_name or default_organization_name(first_name)
    )
    team = Team.objects.create(organization=organization, name=FIRST_TEAM_NAME)
    OrganizationMembership.objects.create(
        organization=organization, user=user, level=OrganizationMembership.Level.OWNER
    )
    user.current_organization = organization
    user.current_team = team
    user.save(update_fields=["current_organization", "current_team"])

    # robust: a failure to issue the code is logged, never turns a completed sign-up into a 500.
    transaction.on_commit(lambda: email_verification.send_verification_code(user=user), robust=True)
    return user
