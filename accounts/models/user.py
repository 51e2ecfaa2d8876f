"""The custom user: email is the login name, stored lower-case and unique case-insensitively."""

import secrets
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject, Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models.fields import BoundedJSONField

if TYPE_CHECKING:
    from users_api.prepared import PreparedQuery


def default_distinct_id() -> str:
    return secrets.token_urlsafe(24)


def default_events_column_config() -> dict:
    return {"active": "DEFAULT"}


class _JSONArrayAgg(models.Aggregate):
    """The rows' JSON objects as one JSON array, in no particular order (PostgreSQL, SQLite)."""

    function = "JSONB_AGG"
    output_field = models.JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra)


def _json_array(queryset: models.QuerySet, **fields: Any) -> Coalesce:
    """A subquery: the rows of ``queryset`` (filtered on ``user_id=OuterRef("pk")``) as objects."""
    rows = (
        queryset.filter(user_id=OuterRef("pk"))
        .values("user_id")
        .annotate(rows=_JSONArrayAgg(JSONObject(**fields)))
        .values("rows")
    )
    return Coalesce(
        Subquery(rows, output_field=models.JSONField()), Value([], output_field=models.JSONField())
    )


class UserQuerySet(models.QuerySet["User"]):
    def for_representation(self) -> "UserQuerySet":
        """Everything the user representation reads, in one query for any number of users.

        The users with their current organization and team, whether they have a confirmed
        second factor (``EXISTS``), the current organization's first member, and two JSON
        arrays: their memberships with the organizations, and their scene pins (both in no
        order; the serializer sorts them). The serializer reads only these, never the database.
        """
        from django_otp import device_classes

        from organizations.models import OrganizationMembership

        first_member = (
            OrganizationMembership.objects.filter(
                organization_id=OuterRef("current_organization_id")
            )
            .order_by("joined_at", "id")
            .values("user_id")[:1]
        )
        memberships = _json_array(
            OrganizationMembership.objects.all(),
            id=F("organization_id"),
            name=F("organization__name"),
            slug=F("organization__slug"),
            level=F("level"),
            joined_at=F("joined_at"),
            membership_id=F("id"),
        )
        scene_pins = _json_array(
            UserScenePersonalisation.objects.all(),
            id=F("id"),
            scene=F("scene"),
            dashboard=F("dashboard_id"),
        )
        has_device = None
        for model in device_classes():
            exists = Exists(model.objects.filter(user_id=OuterRef("pk"), confirmed=True))
            has_device = exists if has_device is None else has_device | exists
        return self.select_related("current_organization", "current_team").annotate(
            **{
                FIRST_MEMBER_ID: Subquery(first_member),
                MEMBERSHIPS: memberships,
                SCENE_PINS: scene_pins,
                HAS_CONFIRMED_DEVICE: has_device if has_device is not None else Value(False),
            }
        )


# Attributes set by ``for_representation``.
MEMBERSHIPS = "representation_memberships"
FIRST_MEMBER_ID = "current_organization_first_member_id"
SCENE_PINS = "representation_scene_pins"
HAS_CONFIRMED_DEVICE = "has_confirmed_device"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    _representation: UserQuerySet | None = None
    _representation_by_pk: "PreparedQuery | None" = None

    def for_representation(self) -> UserQuerySet:
        """``UserQuerySet.for_representation()`` on every user, built once per process.

        Resolving its subqueries costs more than running the query (about 1.2 ms of the 3 ms
        ``User.objects.for_representation().get(pk=…)`` took; docs/performance.md), and the shape
        never changes. Each call gets a clone: the shared queryset is never evaluated, and it holds
        no data, so every process still reads the current rows.
        """
        if self._representation is None:
            self._representation = self.get_queryset().for_representation()
        return self._representation.all()

    def get_for_representation(self, pk: int) -> "User":
        """``for_representation().get(pk=pk)`` with its SQL compiled once per process.

        Every view that answers with one user loads it here (compiling the query cost more than
        running it; docs/performance.md). Raises ``User.DoesNotExist`` like ``get``.
        """
        from users_api.prepared import PreparedQuery

        if self._representation_by_pk is None:
            self._representation_by_pk = PreparedQuery(
                lambda pk: self.for_representation().filter(pk=pk), pk=int
            )
        user = self._representation_by_pk.first(pk=pk)
        if user is None:
            raise self.model.DoesNotExist("User matching query does not exist.")
        return user

    def lock_for_key_share(self, pk: int) -> None:
        """Take ``FOR KEY SHARE`` on the user's row: call it first in a transaction that locks
        another row of the user's and then writes a row referring to the user.

        Writing such a row (a security event, say) takes this lock anyway, when its deferred
        foreign-key check runs at commit: last, after the other row. A transaction that locks
        the user row ``FOR UPDATE`` (or deletes it, or changes its email) and then waits for that
        other row would deadlock with it. Taken first, the order is the user row, then its
        other rows, as everywhere else. It waits only for those strong locks, never for
        ``FOR NO KEY UPDATE`` or a plain update. SQLite has no row locks.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql":
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [pk])  # noqa: S608

    def lock_for_no_key_update(self, pk: int) -> None:
        """Take ``FOR NO KEY UPDATE`` on the user's row: the lock of the two-factor writers
        (enable, disable, backup-code regeneration), which serialises them without waiting for
        foreign-key checks of rows written for the user (a security event, a login session).
        """
        self.select_for_update(no_key=True).filter(pk=pk).values_list("pk", flat=True).first()

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address is compared case-insensitively (docs/api.md §2.14), so store it
        # lower-case.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_email_verified", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class ToolbarMode(models.TextChoices):
        DISABLED = "disabled"
        TOOLBAR = "toolbar"

    class ThemeMode(models.TextChoices):
        LIGHT = "light"
        DARK = "dark"
        SYSTEM = "system"

    class ShortcutPosition(models.TextChoices):
        ABOVE = "above"
        BELOW = "below"
        HIDDEN = "hidden"

    class RoleAtOrganization(models.TextChoices):
        ENGINEERING = "engineering"
        DATA = "data"
        PRODUCT = "product"
        FOUNDER = "founder"
        LEADERSHIP = "leadership"
        MARKETING = "marketing"
        SALES = "sales"
        OTHER = "other"

    class OnboardingSkippedReason(models.TextChoices):
        LATER = "later"
        OTHER = "other"
        DELEGATED = "delegated"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    distinct_id = models.CharField(max_length=200, unique=True, default=default_distinct_id)
    email = models.EmailField(max_length=254, unique=True)
    pending_email = models.EmailField(max_length=254, null=True, blank=True)
    is_email_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    # Bumped to end every session of the user at once (see ``_get_session_auth_hash``).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    notification_settings = BoundedJSONField(default=dict, blank=True)
    anonymize_data = models.BooleanField(default=False, null=True, blank=True)
    allow_impersonation = models.BooleanField(default=True, null=True, blank=True)
    toolbar_mode = models.CharField(
        max_length=20, choices=ToolbarMode.choices, default=ToolbarMode.TOOLBAR, blank=True
    )
    events_column_config = BoundedJSONField(default=default_events_column_config)
    has_seen_product_intro_for = BoundedJSONField(null=True, blank=True)
    theme_mode = models.CharField(max_length=20, choices=ThemeMode.choices, null=True, blank=True)
    hedgehog_config = BoundedJSONField(null=True, blank=True)
    allow_sidebar_suggestions = models.BooleanField(null=True, blank=True)
    shortcut_position = models.CharField(
        max_length=10, choices=ShortcutPosition.choices, null=True, blank=True
    )
    role_at_organization = models.CharField(
        max_length=64, choices=RoleAtOrganization.choices, null=True, blank=True
    )
    passkeys_enabled_for_2fa = models.BooleanField(default=False)

    current_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    current_team = models.ForeignKey(
        "organizations.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    onboarding_skipped_at = models.DateTimeField(null=True, blank=True)
    onboarding_skipped_reason = models.CharField(
        max_length=20, choices=OnboardingSkippedReason.choices, null=True, blank=True
    )
    onboarding_skipped_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    onboarding_delegated_to_invite = models.ForeignKey(
        "organizations.OrganizationInvite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    onboarding_delegated_to_organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    onboarding_delegation_accepted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_user_email_case_insensitive")
        ]

    # The second factor that verified this session (django-otp; None if none did). The
    # middleware (twofactor.middleware) defers the device query until something reads it.
    @property
    def otp_device(self) -> Any:
        load = self.__dict__.pop("_otp_device_loader", None)
        if load is not None:
            self.__dict__["_otp_device"] = load()
        return self.__dict__.get("_otp_device")

    @otp_device.setter
    def otp_device(self, device: Any) -> None:
        self.__dict__.pop("_otp_device_loader", None)
        self.__dict__["_otp_device"] = device

    def defer_otp_device(self, load: Any) -> None:
        self.__dict__["_otp_device_loader"] = load

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django ends sessions whose stored hash no longer matches. Mixing in the generation lets
        # us revoke every session (2FA enabled, email changed) without changing the password.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class UserScenePersonalisation(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scene_personalisation")
    team = models.ForeignKey("organizations.Team", on_delete=models.CASCADE, related_name="+")
    scene = models.CharField(max_length=200)
    dashboard = models.ForeignKey(
        "organizations.Dashboard", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "scene"], name="unique_scene_personalisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scene} -> {self.dashboard_id}"
