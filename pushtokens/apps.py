from django.apps import AppConfig


class PushtokensConfig(AppConfig):
    name = "pushtokens"
    default_auto_field = "django.db.models.BigAutoField"
