from django.apps import AppConfig


class ElementsConfig(AppConfig):
    name = "elements"
    default_auto_field = "django.db.models.BigAutoField"
