from django.apps import AppConfig


class PosthogApiConfig(AppConfig):
    name = "posthog_api"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"
