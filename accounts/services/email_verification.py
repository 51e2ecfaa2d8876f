"""Email verification codes and email change (docs/api.md §2.10-§2.12).

One outstanding code per user (``EmailVerificationCode``), bound to the address it was sent to:
``pending_email`` while an email change is staged, else the account email. The attempt counter
is spent with a conditional UPDATE in its own statement, so it survives a wrong guess and
parallel guesses cannot exceed the budget.
"""

import enum

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import email_codes, emails, errors
from accounts.models import EmailVerificationCode, SecurityEvent, User
from accounts.services import security_events, sessions
from accounts.services.security_events import RequestMeta


class Verified(enum.Enum):
    EMAIL = "email"  # the account email is now verified
    EMAIL_CHANGED = "email_changed"  # the pending address replaced the account email


def target_email(user: User) -> str:
    return user.pending_email or user.email


def send_verification_code(*, user: User) -> None:
    """Issue a new code for the user's target address and queue the email.

    The new code replaces any previous one and resets the attempt counter.
    """
    target = target_email(user)
    code = email_codes.generate()
    now = timezone.now()
    # One upsert (INSERT ... ON CONFLICT (user) DO UPDATE): no read, no race between requests.
    EmailVerificationCode.objects.bulk_create(
        [
            EmailVerificationCode(
                user=user,
                target_email=target,
                code_digest=email_codes.digest(user_id=user.pk, target_email=target, code=code),
                attempts=0,
                created_at=now,
                expires_at=now + email_codes.TTL,
            )
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["target_email", "code_digest", "attempts", "created_at", "expires_at"],
    )
    emails.queue(
        template="verification_code",
        to=target,
        context={
            "code": code,
            "email": target,
            "first_name": user.first_name,
            "expires_minutes": int(email_codes.TTL.total_seconds() // 60),
        },
    )


def request_verification(*, user: User) -> None:
    """Send a code on the user's request (``request_email_verification``)."""
    if user.is_email_verified and not user.pending_email:
        raise errors.AlreadyVerifiedError
    send_verification_code(user=user)


@transaction.atomic
def request_email_change(*, user: User, new_email: str, meta: RequestMeta | None = None) -> None:
    """Stage ``new_email`` as ``pending_email`` and send a verification code to it.

    The caller has checked that the address is free; verification checks again.
    """
    user.pending_email = User.objects.normalize_email(new_email)
    user.save(update_fields=["pending_email"])
    send_verification_code(user=user)
    security_events.record(
        type=SecurityEvent.Type.EMAIL_CHANGE_REQUESTED,
        user=user,
        meta=meta,
        context={"new_email": user.pending_email},
    )


@transaction.atomic
def cancel_email_change(*, user: User, meta: RequestMeta | None = None) -> None:
    if not user.pending_email:
        raise errors.NoPendingEmailChangeError
    cancelled = user.pending_email
    user.pending_email = None
    user.save(update_fields=["pending_email"])
    EmailVerificationCode.objects.filter(user=user).delete()
    security_events.record(
        type=SecurityEvent.Type.EMAIL_CHANGE_CANCELLED,
        user=user,
        meta=meta,
        context={"cancelled_email": cancelled},
    )


def verify_email(*, user: User, code: str, meta: RequestMeta | None = None) -> Verified:
    """Check ``code`` (already normalised) and apply what it confirms.

    Raises ``errors.AlreadyVerifiedError`` (before any code check), ``errors.InvalidCodeError``,
    ``errors.TooManyAttemptsError`` or ``errors.EmailTakenError``. Not atomic on
    purpose: the spent attempt must stay spent when the code is wrong, so do not call this inside
    a transaction that a refusal rolls back.
    """
    if user.is_email_verified and not user.pending_email:
        raise errors.AlreadyVerifiedError(
            "This email address is already verified and no change is pending."
        )
    target = target_email(user)
    row = EmailVerificationCode.objects.filter(user=user).first()
    if row is None or row.expires_at <= timezone.now() or row.target_email != target:
        raise errors.InvalidCodeError
    # Spend one attempt before comparing. Conditional on the same code still being there, so a
    # guess against a code replaced meanwhile spends nothing of the new one.
    spent = EmailVerificationCode.objects.filter(
        pk=row.pk, code_digest=row.code_digest, attempts__lt=email_codes.MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not spent:
        if EmailVerificationCode.objects.filter(
            pk=row.pk, code_digest=row.code_digest, attempts__gte=email_codes.MAX_ATTEMPTS
        ).exists():
            raise errors.TooManyAttemptsError
        raise errors.InvalidCodeError
    if not email_codes.matches(row.code_digest, user_id=user.pk, target_email=target, code=code):
        raise errors.InvalidCodeError
    return _confirm(user=user, row=row, meta=meta)


@transaction.atomic
def _confirm(*, user: User, row: EmailVerificationCode, meta: RequestMeta | None) -> Verified:
    # Lock and reload the caller's instance: the view logs it in afterwards, so it must carry the
    # session generation written below. The user row before the code row, as a new change
    # request or a cancellation takes them, else each would wait for the other.
    user.refresh_from_db(from_queryset=User.objects.select_for_update())
    # Consuming the row is the single-use check: of two parallel requests with the right code
    # only one deletes it.
    if not EmailVerificationCode.objects.filter(pk=row.pk, code_digest=row.code_digest).delete()[0]:
        raise errors.InvalidCodeError
    if target_email(user) != row.target_email:
        raise errors.InvalidCodeError
    if not user.pending_email:
        user.is_email_verified = True
        user.save(update_fields=["is_email_verified"])
        # Until now anyone could have signed up with this address and be logged in (issue 17):
        # the proven owner's first verification ends every earlier session.
        sessions.revoke_all_sessions(user=user)
        return Verified.EMAIL
    return _swap_email(user=user, meta=meta)


def _swap_email(*, user: User, meta: RequestMeta | None) -> Verified:
    old_email, new_email = user.email, user.pending_email or ""
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise errors.EmailTakenError
    was_verified = user.is_email_verified
    user.email, user.pending_email, user.is_email_verified = new_email, None, True
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "pending_email", "is_email_verified"])
    except IntegrityError:  # taken between the check and the write
        user.email, user.pending_email, user.is_email_verified = old_email, new_email, was_verified
        raise errors.EmailTakenError from None
    sessions.revoke_all_sessions(user=user)
    security_events.record(
        type=SecurityEvent.Type.EMAIL_CHANGE_CONFIRMED,
        user=user,
        meta=meta,
        context={"old_email": old_email, "new_email": new_email},
    )
    context = {"old_email": old_email, "new_email": new_email, "first_name": user.first_name}
    for address in (old_email, new_email):
        emails.queue(template="email_changed", to=address, context=context)
    return Verified.EMAIL_CHANGED
