"""Passkey use cases (docs/api.md §2.18): register, verify as a second factor, rename, remove."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn.helpers import bytes_to_base64url

from accounts.models import Passkey, SecurityEvent, User
from accounts.models.passkeys import MAX_PASSKEYS_PER_USER
from accounts.services import notices, security_events
from accounts.services.security_events import RequestMeta
from twofactor import errors, passkey_ceremony
from twofactor.passkey_ceremony import CeremonyError


def _lock(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def uses_passkeys_for_2fa(user: User) -> bool:
    return user.passkeys_enabled_for_2fa and Passkey.objects.filter(user=user).exists()


def register_passkey(
    *,
    user: User,
    credential: dict[str, Any],
    challenge: bytes,
    name: str,
    meta: RequestMeta | None = None,
) -> Passkey:
    """Verify an attestation against ``challenge`` and store the new passkey.

    Raises ``errors.PasskeyInvalidError`` (the response does not verify),
    ``errors.TooManyPasskeysError`` or ``errors.PasskeyAlreadyRegisteredError``.
    """
    try:
        verified = passkey_ceremony.verify_registration(credential=credential, challenge=challenge)
    except CeremonyError:
        raise errors.PasskeyInvalidError from None
    with transaction.atomic():
        _lock(user)
        if Passkey.objects.filter(user=user).count() >= MAX_PASSKEYS_PER_USER:
            raise errors.TooManyPasskeysError
        try:
            with transaction.atomic():
                passkey = Passkey.objects.create(
                    user=user,
                    name=name,
                    credential_id=bytes_to_base64url(verified.credential_id),
                    public_key=verified.credential_public_key,
                    sign_count=verified.sign_count,
                    transports=passkey_ceremony.transports_of(credential),
                    backed_up=verified.credential_backed_up,
                )
        except IntegrityError:
            raise errors.PasskeyAlreadyRegisteredError from None
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.PASSKEY_REGISTERED,
            template="passkey_added",
            meta=meta,
            event_context={"passkey_id": str(passkey.pk), "name": name},
            email_context={"name": name},
        )
    return passkey


def verify_passkey(
    *, user: User, credential: dict[str, Any], challenge: bytes, meta: RequestMeta | None = None
) -> Passkey | None:
    """Check an assertion by one of ``user``'s passkeys; the passkey, or None (recorded).

    The counter is stored with a conditional UPDATE on the value just checked, so of two
    parallel uses of one assertion at most one succeeds.
    """
    passkey = Passkey.objects.filter(
        user=user, credential_id=passkey_ceremony.credential_id(credential) or ""
    ).first()
    reason = "unknown_credential"
    if passkey is not None:
        try:
            verified = passkey_ceremony.verify_authentication(
                credential=credential, challenge=challenge, passkey=passkey
            )
        except CeremonyError as exc:
            reason = "sign_count" if "sign count" in str(exc) else "invalid_assertion"
        else:
            now = timezone.now()
            won = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
                sign_count=verified.new_sign_count,
                last_used_at=now,
                backed_up=verified.credential_backed_up,
            )
            if won:
                passkey.sign_count, passkey.last_used_at = verified.new_sign_count, now
                return passkey
            reason = "sign_count"
    security_events.record(
        type=SecurityEvent.Type.PASSKEY_REFUSED, user=user, meta=meta, context={"reason": reason}
    )
    return None


def rename_passkey(*, passkey: Passkey, name: str) -> Passkey:
    passkey.name = name
    passkey.save(update_fields=["name"])
    return passkey


def remove_passkey(*, passkey: Passkey, meta: RequestMeta | None = None) -> None:
    """Delete a passkey; removing the last one turns passkeys off as a second factor."""
    user = passkey.user
    with transaction.atomic():
        _lock(user)
        passkey.delete()
        left = Passkey.objects.filter(user=user).exists()
        if not left and user.passkeys_enabled_for_2fa:
            User.objects.filter(pk=user.pk).update(passkeys_enabled_for_2fa=False)
            user.passkeys_enabled_for_2fa = False
        notices.record_and_notify(
            user=user,
            event=SecurityEvent.Type.PASSKEY_REMOVED,
            template="passkey_removed",
            meta=meta,
            event_context={"name": passkey.name},
            email_context={"name": passkey.name, "passkeys_left": left},
        )


def remove_second_factor_passkeys(*, user: User) -> int:
    """Part of disabling 2FA: passkeys used as a second factor go, and the setting with them.

    Passkeys registered but never turned on for 2FA are not a second factor and stay.
    """
    if not User.objects.filter(pk=user.pk, passkeys_enabled_for_2fa=True).exists():
        return 0
    removed, _ = Passkey.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(passkeys_enabled_for_2fa=False)
    user.passkeys_enabled_for_2fa = False
    return removed
