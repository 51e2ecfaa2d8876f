"""Email verification codes and email change (SPEC §2.10-§2.12).

Interface stub from the foundation: the email issue fills in code issuing and delivery.
"""

from accounts.models import User


def request_email_change(*, user: User, new_email: str) -> None:
    """Stage ``new_email`` as ``pending_email`` and send a verification code to it."""
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])


def send_verification_code(*, user: User) -> None:
    """Issue a new code for the user's target address and queue the email."""
