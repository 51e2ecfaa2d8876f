"""The read plan (users_api/representation.py) gives DRF's own output, field for field."""

from typing import Any

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts import freshness
from accounts.models import User, UserScenePersonalisation
from accounts.serializers.users import (
    CurrentOrganizationSerializer,
    CurrentTeamSerializer,
    ScenePersonalisationSerializer,
    UserSerializer,
)
from organizations.models import Dashboard, OrganizationMembership
from pushtokens.models import PushToken
from pushtokens.serializers import PushTokenSerializer
from twofactor.serializers import TwoFactorStatusSerializer
from twofactor.services import status as twofactor_status
from users_api.representation import ReadPlanMixin


def drf(serializer: serializers.BaseSerializer, instance: Any) -> Any:
    """DRF's read path for the same serializer instance: per-instance fields."""
    return serializers.Serializer.to_representation(serializer, instance)  # type: ignore[arg-type]


def session_request(user: User) -> Request:
    django_request = APIRequestFactory().get("/api/users/@me/")
    django_request.session = SessionBase()
    freshness.stamp(django_request.session)
    request = Request(django_request)
    request.user = user
    request.auth = None
    return request


@pytest.fixture
def full_user(make_user, make_team) -> User:
    user = make_user(with_team=True, last_name="Lovelace", pending_email="new@example.com")
    other = make_team()
    OrganizationMembership.objects.create(organization=other.organization, user=user, level=1)
    for scene in ("Insights", "Dashboards"):
        UserScenePersonalisation.objects.create(
            user=user,
            team=user.current_team,
            scene=scene,
            dashboard=Dashboard.objects.create(team=user.current_team, name=scene),
        )
    user.notification_settings = {"plugin_disabled": False}
    user.onboarding_skipped_at = timezone.now()
    user.save()
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["session", "key", "none"])
@pytest.mark.parametrize("kind", ["full", "bare", "no_password"])
def test_the_user_representation_is_drfs(caller, kind, full_user, make_user):
    user = {
        "full": lambda: full_user,
        "bare": lambda: make_user(),
        "no_password": lambda: make_user(password=None, is_email_verified=False),
    }[kind]()
    user = User.objects.get_for_representation(user.pk)
    if caller == "session":
        context = {"request": session_request(user)}
    elif caller == "key":
        request = session_request(user)
        request.auth = object()
        context = {"request": request}
    else:
        context = {}
    serializer = UserSerializer(user, context=context)
    fast = serializer.to_representation(user)
    assert fast == drf(serializer, user)
    assert list(fast) == UserSerializer.Meta.fields
    if kind == "full":
        assert fast["team"]["id"] == user.current_team_id
        assert fast["pending_email"] == "new@example.com"
        assert fast["onboarding_skipped_at"].endswith("Z")
        assert [pin["scene"] for pin in fast["scene_personalisation"]] == [
            "Insights",
            "Dashboards",
        ]
    if caller == "session":
        assert fast["sensitive_session_expires_at"] is not None
    else:
        assert fast["sensitive_session_expires_at"] is None


@pytest.mark.django_db
def test_the_nested_representations_are_drfs(full_user):
    user = User.objects.get_for_representation(full_user.pk)
    team = CurrentTeamSerializer(user.current_team)
    assert team.to_representation(user.current_team) == drf(team, user.current_team)
    organization = CurrentOrganizationSerializer(
        user.current_organization, context={"membership_levels": {}}
    )
    assert organization.to_representation(user.current_organization) == drf(
        organization, user.current_organization
    )
    pin = UserScenePersonalisation.objects.filter(user=user).first()
    scene = ScenePersonalisationSerializer(pin)
    assert scene.to_representation(pin) == drf(scene, pin)


@pytest.mark.django_db
def test_the_push_token_and_two_factor_status_representations_are_drfs(make_user):
    user = make_user()
    token = PushToken.objects.create(user=user, token="t", platform="android")
    token.refresh_from_db()
    push = PushTokenSerializer(token)
    assert push.to_representation(token) == drf(push, token)
    status = twofactor_status.two_factor_status(user)
    data = {
        "is_enabled": False,
        "method": None,
        "has_totp": status.has_totp,
        "has_passkeys": status.has_passkeys,
        "passkeys_enabled_for_2fa": False,
        "backup_codes_remaining": status.backup_codes_remaining,
    }
    status_serializer = TwoFactorStatusSerializer(data)
    assert status_serializer.to_representation(data) == drf(status_serializer, data) == data


@pytest.mark.parametrize(
    "serializer_class",
    [
        UserSerializer,
        CurrentTeamSerializer,
        CurrentOrganizationSerializer,
        ScenePersonalisationSerializer,
        PushTokenSerializer,
        TwoFactorStatusSerializer,
    ],
)
def test_the_hot_representations_take_the_read_plan(serializer_class):
    assert serializer_class.read_plan() is not None


def test_a_field_that_may_read_the_request_keeps_drfs_path():
    class WithFile(ReadPlanMixin, serializers.Serializer):
        name = serializers.CharField()
        avatar = serializers.FileField()  # an absolute URL needs the request

    class WithMethodInNested(ReadPlanMixin, serializers.Serializer):
        organization = CurrentOrganizationSerializer()  # its method field reads a context

    assert WithFile.read_plan() is None
    assert WithMethodInNested.read_plan() is None
    assert WithFile().to_representation({"name": "x", "avatar": None}) == {
        "name": "x",
        "avatar": None,
    }
