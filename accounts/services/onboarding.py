"""Leaving onboarding by skipping it (docs/api.md §2.1). Delegating the setup is an invite, so it is
``organizations.services.delegate_setup``.

Locks the user row before touching an invite, the order every invite use case follows, so
concurrent skip / delegate / accept / revoke requests serialize on the user.
"""

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from organizations import services as organization_services

logger = logging.getLogger(__name__)

Reason = User.OnboardingSkippedReason


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
            organization_services.cancel_pending_delegation(locked)
            fields += list(organization_services.DELEGATION_FIELDS)
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
