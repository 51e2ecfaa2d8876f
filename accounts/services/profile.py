"""Profile use cases of the user resource (docs/api.md §2.13): edit, change password, delete.

Input arrives validated by ``accounts.serializers.profile``; the rules that need the database or
cross models live here.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts import errors, json_limits
from accounts.models import SecurityEvent, User
from accounts.services import email_verification, notices
from accounts.services.security_events import RequestMeta
from organizations.models import Organization, OrganizationMembership, Team

# Plain attributes a PATCH may set as sent.
_PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "anonymize_data",
    "allow_impersonation",
    "toolbar_mode",
    "is_staff",
    "events_column_config",
    "has_seen_product_intro_for",
    "theme_mode",
    "hedgehog_config",
    "allow_sidebar_suggestions",
    "shortcut_position",
    "role_at_organization",
    "passkeys_enabled_for_2fa",
)


@transaction.atomic
def update_user(
    *,
    user: User,
    changes: Mapping[str, Any],
    meta: RequestMeta,
    keep_session_key: str | None = None,
) -> bool:
    """Apply validated ``changes`` to ``user`` in one transaction; True if the password changed.

    A password change ends every session of the user but ``keep_session_key`` (the caller's).

    ``changes`` holds the serializer's keys; ``set_current_organization`` / ``set_current_team``
    are model instances already checked for access.
    """
    locked = (
        User.objects.select_for_update()
        .only("notification_settings", "passkeys_enabled_for_2fa")
        .get(pk=user.pk)
    )
    passkeys_turned_on = changes.get("passkeys_enabled_for_2fa") is True and not (
        locked.passkeys_enabled_for_2fa
    )
    update_fields = [name for name in _PLAIN_FIELDS if name in changes]
    for name in update_fields:
        setattr(user, name, changes[name])

    if "notification_settings" in changes:
        # Merge under the row lock so two concurrent PATCHes cannot drop each other's keys.
        user.notification_settings = {
            **(locked.notification_settings or {}),
            **changes["notification_settings"],
        }
        update_fields.append("notification_settings")

    organization = changes.get("set_current_organization")
    team = changes.get("set_current_team")
    if organization is not None or team is not None:
        _set_current_context(user=user, organization=organization, team=team)
        update_fields += ["current_organization", "current_team"]

    password_changed = "password" in changes
    if password_changed:
        user.set_password(changes["password"])
        update_fields.append("password")

    if update_fields:
        user.save(update_fields=update_fields)

    if password_changed:
        _after_password_change(user=user, meta=meta, keep_session_key=keep_session_key)
    elif passkeys_turned_on:
        _after_passkeys_turned_on(user=user, meta=meta, keep_session_key=keep_session_key)

    new_email = changes.get("email")
    if new_email is not None and new_email != user.email:
        email_verification.request_email_change(user=user, new_email=new_email)
    return password_changed


def _set_current_context(
    *, user: User, organization: Organization | None, team: Team | None
) -> None:
    """Keep the current team inside the current organization."""
    if team is not None:
        user.current_team = team
        user.current_organization = organization or team.organization
        return
    if organization is None:  # callers send an organization, a team or both
        return
    user.current_organization = organization
    if user.current_team is None or user.current_team.organization_id != organization.pk:
        user.current_team = organization.teams.order_by("id").first()


def _after_password_change(*, user: User, meta: RequestMeta, keep_session_key: str | None) -> None:
    """End every other session (the caller's view keeps its own), audit it, tell the user."""
    notices.record_and_notify(
        user=user,
        event=SecurityEvent.Type.PASSWORD_CHANGED,
        template="password_changed",
        meta=meta,
        end_sessions=True,
        keep_session_key=keep_session_key,
    )


def _after_passkeys_turned_on(
    *, user: User, meta: RequestMeta, keep_session_key: str | None
) -> None:
    """A new second factor: like enabling TOTP, every other session ends (docs/api.md §2.18)."""
    notices.record_and_notify(
        user=user,
        event=SecurityEvent.Type.PASSKEYS_ENABLED_FOR_2FA,
        template="passkeys_enabled",
        meta=meta,
        end_sessions=True,
        keep_session_key=keep_session_key,
    )


@transaction.atomic
def update_hedgehog_config(*, user: User, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the sent top-level keys into the hedgehog configuration; return the result."""
    locked = User.objects.select_for_update().only("hedgehog_config").get(pk=user.pk)
    merged = {**(locked.hedgehog_config or {}), **changes}
    if not json_limits.within_limits(merged):  # each PATCH may add keys: bound the whole
        raise errors.DocumentTooLargeError
    user.hedgehog_config = merged
    user.save(update_fields=["hedgehog_config"])
    return merged


@transaction.atomic
def delete_user(*, user: User) -> None:
    """Delete the account, what it owns and the organizations where it is the only member.

    Refused (409) while another member remains in one of its organizations: those belong to
    the others too. The organization rows are locked first, so a membership added meanwhile
    either is seen here or waits and then fails on the deleted organization.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    organizations = list(
        Organization.objects.select_for_update()
        .filter(memberships__user=locked)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    shared = OrganizationMembership.objects.filter(organization__in=organizations).exclude(
        user=locked
    )
    if shared.exists():
        raise errors.AccountSharedError
    Organization.objects.filter(pk__in=organizations).delete()
    locked.delete()
