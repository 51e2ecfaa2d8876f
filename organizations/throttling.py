"""Rate limits of the organizations routes (docs/api.md §1.8)."""

from users_api.throttling import UserRateThrottle


class DelegateSetupThrottle(UserRateThrottle):
    # Each delegation emails an address of the caller's choosing; no secret is guarded, so the
    # history list (a parallel burst may overshoot) and failing open will do.
    scope = "onboarding_delegate"
