from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People, districts and vendors"

    def ready(self) -> None:
        # Django app loading: imported once the app registry is ready (these modules import
        # models). Not a cycle dodge: each import points down or inside this app.
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers system checks)
        from .two_factor import remember_step

        user_logged_in.connect(remember_step, dispatch_uid="accounts.second_factor_step")
