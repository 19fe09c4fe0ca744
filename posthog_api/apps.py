from django.apps import AppConfig


class PosthogApiConfig(AppConfig):
    name = "posthog_api"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers how personal API keys are described in the OpenAPI schema.
        from posthog_api import schema_extensions  # noqa: F401
