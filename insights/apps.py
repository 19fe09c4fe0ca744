from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI extension that describes ``query`` with the pydantic models.
        # Registers the start-up check of INSIGHT_SEARCH_MODE against the database.
        from insights import checks  # noqa: F401
        from insights import schema_extensions  # noqa: F401
        from insights.demo import on_demo_project_ready
        from posthog_api.demo.hooks import demo_project_ready

        # ``make run``'s ensure_demo asks apps for their demo content through this hook.
        demo_project_ready.connect(on_demo_project_ready, dispatch_uid="insights.demo")
