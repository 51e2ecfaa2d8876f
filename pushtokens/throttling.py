"""Rate limit of the push-token routes (docs/api.md §1.8): per user, shared by both routes.

No secret is guarded, so DRF's history list (a parallel burst may overshoot) and failing open
while the cache is down will do.
"""

from users_api.throttling import UserRateThrottle


class PushTokenThrottle(UserRateThrottle):
    scope = "push_tokens"
