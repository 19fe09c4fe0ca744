from django.apps import AppConfig


class CoalescingConfig(AppConfig):
    name = "coalescing"
    default_auto_field = "django.db.models.BigAutoField"
