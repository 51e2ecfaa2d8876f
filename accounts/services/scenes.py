"""Scene personalisation: which dashboard a user sees for a product scene (docs/api.md §2.4)."""

from accounts.models import User, UserScenePersonalisation
from organizations.models import Dashboard


def pin_scene_dashboard(*, user: User, scene: str, dashboard: Dashboard) -> None:
    """Upsert the (user, dashboard's team, scene) row to point at ``dashboard``.

    One ``INSERT … ON CONFLICT … DO UPDATE`` on the unique constraint, so concurrent identical
    requests end with one row and no error. The caller has checked that the dashboard belongs
    to the user's current team.
    """
    UserScenePersonalisation.objects.bulk_create(
        [
            UserScenePersonalisation(
                user=user, team_id=dashboard.team_id, scene=scene, dashboard=dashboard
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "team", "scene"],
        update_fields=["dashboard"],
    )


def unpin_scene(*, user: User, scene: str) -> None:
    """Remove the user's pin for ``scene`` in their current team, if there is one."""
    if user.current_team_id is None:
        return
    UserScenePersonalisation.objects.filter(
        user=user, team_id=user.current_team_id, scene=scene
    ).delete()
