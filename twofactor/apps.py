from django.apps import AppConfig


class TwofactorConfig(AppConfig):
    name = "twofactor"
    default_auto_field = "django.db.models.BigAutoField"
