"""Turning two-factor authentication on (confirming a TOTP setup) and off (docs/api.md §2.6,
§2.9).
"""

from django.db import transaction

from accounts.models import SecurityEvent, User
from accounts.services import notices
from accounts.services.security_events import RequestMeta
from twofactor import passkeys, totp
from twofactor.models import BackupCodeSet, TOTPDevice

DEVICE_NAME = "Authenticator app"


def confirm_totp_setup(
    *,
    user: User,
    secret: bytes,
    code: str,
    meta: RequestMeta | None = None,
    keep_session_key: str | None = None,
) -> TOTPDevice | None:
    """Enable TOTP with the pending ``secret`` if ``code`` matches it (±1 step), else None.

    The matched step is stored as ``last_t``, so the code that enabled 2FA cannot also log in.
    Every session of the user but ``keep_session_key`` is revoked; the view keeps its own with
    ``update_session_auth_hash``.
    """
    found = totp.match(secret, code)
    if found is None:
        return None
    with transaction.atomic():
        User.objects.lock_for_no_key_update(user.pk)  # the package's lock order
        TOTPDevice.objects.filter(user=user).delete()
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user,
            name=DEVICE_NAME,
            key=secret.hex(),
            confirmed=True,
            last_t=found.t,
            drift=found.drift,
        )
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.TWO_FACTOR_ENABLED,
            template="two_factor_enabled",
            meta=meta,
            end_sessions=True,
            keep_session_key=keep_session_key,
        )
    return device


def disable_two_factor(
    *, user: User, meta: RequestMeta | None = None, by: User | None = None
) -> bool:
    """Remove the user's TOTP devices, backup codes and second-factor passkeys; True if anything
    was removed.

    ``by`` is the staff member acting for the user (admin action, staff API call), if any.
    Idempotent: a repeat call changes nothing and sends no second email.
    """
    with transaction.atomic():
        User.objects.lock_for_no_key_update(user.pk)  # the package's lock order
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        code_sets, _ = BackupCodeSet.objects.filter(user=user).delete()
        passkeys_removed = passkeys.remove_second_factor_passkeys(user=user)
        if not (devices or code_sets or passkeys_removed):
            return False
        context = {"by_user_id": by.pk} if by is not None and by.pk != user.pk else {}
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.TWO_FACTOR_DISABLED,
            template="two_factor_disabled",
            meta=meta,
            event_context=context,
        )
    return True
