from django.urls import path

from organizations import views

urlpatterns: list = [
    path(
        "organizations/<uuid:organization_id>/invites/delegate/",
        views.DelegateSetupView.as_view(),
        name="organization-invites-delegate",
    ),
    path(
        "organizations/<uuid:organization_id>/invites/<uuid:invite_id>/",
        views.OrganizationInviteDetailView.as_view(),
        name="organization-invite-detail",
    ),
    path(
        "invites/<uuid:invite_id>/accept/", views.AcceptInviteView.as_view(), name="invite-accept"
    ),
]
