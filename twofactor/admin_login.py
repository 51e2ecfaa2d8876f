"""The admin's login form: email, password and code in one step, throttled like ``/api/login/``.

Every refusal reads the same until the code has been checked, so the form is no password oracle
(issue 17): a wrong password, a right password with a wrong or missing code, a non-staff account
and (with ``ADMIN_REQUIRE_2FA``) a staff account without a second factor all get one message.
The password is checked by the service ``/api/login/`` uses (same hasher cost for unknown
addresses, same ``login_failed`` event); the code by ``verify_second_factor`` (same budget,
back-off and events as ``/api/login/token/``).
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django_otp import user_has_device
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from accounts.models import SecurityEvent, User
from accounts.services import login as login_services
from accounts.services import security_events
from accounts.services.security_events import RequestMeta
from accounts.throttling import LoginIPThrottle
from twofactor.services import verification as verification_services
from twofactor.throttling import AdminEmailThrottle
from users_api.errors import ServiceUnavailable
from users_api.request_meta import request_meta

REFUSED = "Please enter the correct email, password and code of a staff account."


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code (authenticator app or backup code)",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            raise ValidationError(REFUSED, code="invalid_login")
        request = Request(self.request, parsers=[FormParser(), MultiPartParser()])
        try:
            allowed = all(
                throttle.allow_request(request, None)
                for throttle in (LoginIPThrottle(), AdminEmailThrottle())
            )
        except ServiceUnavailable:  # the counters are down: no unlimited guessing meanwhile
            allowed = False
        if not allowed:
            raise ValidationError("Too many attempts. Try again later.", code="throttled")
        meta = request_meta(request)
        user = login_services.check_password(email=email, password=password, meta=meta)
        if user is None or not user.is_staff:
            raise ValidationError(REFUSED, code="invalid_login")
        self.user_cache = self._second_factor(user, self.cleaned_data.get("otp_token") or "", meta)
        login_services.record_login(user=user, meta=meta)
        return self.cleaned_data

    def _second_factor(self, user: User, token: str, meta: RequestMeta) -> User:
        if not user_has_device(user, confirmed=True):
            if settings.ADMIN_REQUIRE_2FA:
                security_events.record(
                    type=SecurityEvent.Type.LOGIN_FAILED,
                    user=user,
                    meta=meta,
                    context={"reason": "second_factor_required", "via": "admin"},
                )
                raise ValidationError(REFUSED, code="invalid_login")
            return user
        if not token.strip():  # no code was checked: spend nothing of the code budget
            raise ValidationError(REFUSED, code="invalid_login")
        verification = verification_services.verify_second_factor(user=user, token=token, meta=meta)
        if not verification.accepted:
            raise ValidationError(REFUSED, code="invalid_login")
        # django-otp persists this device in the session when Django's login() runs.
        user.otp_device = verification.device
        return user
