"""DELETE /api/users/{uuid}/: session only, fresh, refused while in an organization."""

from accounts.models import PersonalAPIKey, SecurityEvent, User
from accounts.services import security_events

ME = "/api/users/@me/"


def test_a_member_of_an_organization_cannot_delete_the_account(make_user, session_client):
    user = make_user(with_team=True)
    response = session_client(user).delete(ME)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert User.objects.filter(pk=user.pk).exists()


def test_the_account_and_what_it_owns_are_deleted(make_user, make_api_key, session_client):
    user = make_user()
    make_api_key("user:read", user=user)
    security_events.record(type=SecurityEvent.Type.LOGIN_SUCCEEDED, user=user)
    client = session_client(user)

    response = client.delete(ME)

    assert response.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not PersonalAPIKey.objects.filter(user_id=user.pk).exists()
    assert not SecurityEvent.objects.filter(user_id=user.pk).exists()
    assert client.get(ME).status_code == 401


def test_deleting_needs_a_fresh_session(make_user, session_client):
    user = make_user()
    response = session_client(user, fresh=False).delete(ME)
    assert response.status_code == 403
    assert response.json()["code"] == "sensitive_action_required_reauth"
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_delete_another_account_by_uuid(make_user, session_client):
    staff, other = make_user(is_staff=True), make_user()
    response = session_client(staff).delete(f"/api/users/{other.uuid}/")
    assert response.status_code == 204
    assert not User.objects.filter(pk=other.pk).exists()
    assert session_client(staff).get(ME).status_code == 200


def test_non_staff_cannot_delete_by_uuid(make_user, session_client):
    user, other = make_user(), make_user()
    response = session_client(user).delete(f"/api/users/{other.uuid}/")
    assert response.status_code == 403
    assert User.objects.filter(pk=other.pk).exists()
