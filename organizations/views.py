"""Organization invites: setup delegation, acceptance and revocation (docs/api.md §2.1).
Session only.

The invite use cases are ``organizations.services``; these views add what belongs to the
accounts app, since views are where the apps meet: the security event of every creation,
acceptance, refusal and revocation, and the invite email, in the use case's transaction.
"""

import logging
import uuid
from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import emails
from accounts.models import SecurityEvent, User
from accounts.serializers.users import UserSerializer
from accounts.services import security_events
from organizations import errors, services
from organizations.models import OrganizationInvite, OrganizationMembership
from organizations.serializers import DelegateSetupSerializer, OrganizationInviteSerializer
from organizations.throttling import DelegateSetupThrottle
from users_api.errors import ErrorResponseSerializer
from users_api.permissions import SessionOnly
from users_api.request_meta import request_meta

logger = logging.getLogger(__name__)

Event = SecurityEvent.Type


def _record(request: Request, type: SecurityEvent.Type, context: dict[str, Any]) -> None:
    security_events.record(
        type=type, user=request.user, meta=request_meta(request), context=context
    )


def _refused(request: Request, refusal: errors.InviteRefusedError) -> errors.InviteRefusedError:
    """Record the refusal (after the use case committed what it spent); answer with it."""
    _record(request, Event.INVITE_REFUSED, {**refusal.context, "reason": refusal.code})
    return refusal


class DelegateSetupView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]
    throttle_classes = [DelegateSetupThrottle]

    @extend_schema(
        operation_id="organizations_invites_delegate",
        request=DelegateSetupSerializer,
        responses={
            201: OrganizationInviteSerializer,
            **dict.fromkeys((400, 401, 403, 404, 429), ErrorResponseSerializer),
        },
        summary="Delegate the organization's setup: invite someone and leave onboarding.",
        description=(
            "Any member may delegate; a non-member gets 403, and so does an organization id "
            "that does not exist (no existence oracle); a malformed id is 404. The invite "
            "carries the caller's own level, at most admin: a member's delegation invites a "
            "member. An address that already belongs to a member of the organization, the "
            "caller's own included: 400 `attr=target_email code=already_member`. Replaces the "
            "caller's previous pending delegation. The invite expires after 3 days. "
            "Throttle `onboarding_delegate` (each call sends an email)."
        ),
    )
    def post(self, request: Request, organization_id: uuid.UUID) -> Response:
        membership = (
            OrganizationMembership.objects.select_related("organization")
            .filter(organization_id=organization_id, user=request.user)
            .first()
        )
        if membership is None:
            raise exceptions.PermissionDenied("You are not a member of this organization.")
        serializer = DelegateSetupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step_at_delegation = serializer.validated_data.pop("step_at_delegation")
        try:
            with transaction.atomic():
                invite = services.delegate_setup(
                    user=request.user,
                    organization=membership.organization,
                    **serializer.validated_data,
                )
                _record(request, Event.INVITE_CREATED, services.invite_context(invite))
                _queue_invite_email(request.user, invite)
        except errors.InviteRefusedError as refusal:
            raise _refused(request, refusal) from None
        # No column for the step: it is analytics, so it goes to the log stream.
        logger.info(
            "onboarding delegated",
            extra={
                "user_id": request.user.pk,
                "invite_id": str(invite.pk),
                "step_at_delegation": step_at_delegation,
            },
        )
        return Response(OrganizationInviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class AcceptInviteView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="invites_accept",
        request=None,
        responses={
            200: UserSerializer,
            **dict.fromkeys((400, 401, 403, 404), ErrorResponseSerializer),
        },
        summary="Accept an invite sent to the caller's verified email address.",
        description=(
            "The caller joins at the invite's level and switches to the organization and its "
            "first team (none if it has no team). 403 when the invite was sent to another "
            "address, 403 `email_not_verified` until the caller's address is verified, 400 "
            "`invite_expired`, 400 `already_member` when the caller is already a member (an "
            "invite never changes an existing membership), 403 `invite_creator_not_entitled` "
            "when the invite's creator is no longer a member at the invite's level (the invite "
            "is then spent). Unknown, used or revoked invite: 404."
        ),
    )
    def post(self, request: Request, invite_id: uuid.UUID) -> Response:
        refusal = None
        try:
            with transaction.atomic():
                try:
                    context = services.accept_invite(user=request.user, invite_id=invite_id)
                except errors.InviteRefusedError as exc:
                    refusal = exc  # what the refusal spent is committed with this transaction
                else:
                    _record(request, Event.INVITE_ACCEPTED, context)
        except OrganizationInvite.DoesNotExist:
            raise Http404 from None  # unknown, or accepted or revoked meanwhile
        if refusal is not None:
            raise _refused(request, refusal)
        return Response(
            UserSerializer(
                User.objects.get_for_representation(request.user.pk),
                context={"request": request},
            ).data
        )


class OrganizationInviteDetailView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="organizations_invites_destroy",
        responses={
            204: OpenApiResponse(description="The invite is deleted."),
            **dict.fromkeys((401, 403, 404), ErrorResponseSerializer),
        },
        summary="Revoke an invite; a pending setup delegation is undone.",
    )
    def delete(
        self, request: Request, organization_id: uuid.UUID, invite_id: uuid.UUID
    ) -> Response:
        invite = get_object_or_404(
            OrganizationInvite,
            pk=invite_id,
            organization_id=organization_id,
        )
        if invite.created_by_id != request.user.pk and not _is_admin(request, invite):
            raise exceptions.PermissionDenied(
                "Only the invite's creator or an admin may revoke it."
            )
        try:
            with transaction.atomic():
                context = services.revoke_invite(invite_id=invite.pk)
                _record(request, Event.INVITE_REVOKED, context)
        except OrganizationInvite.DoesNotExist:
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)


def _is_admin(request: Request, invite: OrganizationInvite) -> bool:
    return OrganizationMembership.objects.filter(
        organization_id=invite.organization_id,
        user=request.user,
        level__gte=OrganizationMembership.Level.ADMIN,
    ).exists()


def _queue_invite_email(inviter: User, invite: OrganizationInvite) -> None:
    emails.queue(
        template="delegation_invite",
        to=invite.target_email,
        context={
            "inviter_name": inviter.get_full_name() or inviter.email,
            "inviter_email": inviter.email,
            "organization_name": invite.organization.name,
            "message": invite.message,
            "invite_id": str(invite.pk),
            "target_email": invite.target_email,
        },
    )
