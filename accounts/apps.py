from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People, districts and vendors"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
