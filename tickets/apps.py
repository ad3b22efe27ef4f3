from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Django app loading (not a cycle dodge): models exist only now. The sentences of the
        # vendor's and the rating's event kinds join the timeline renderer; an admin's edit of a
        # district or a category reaches new complaints at once, not after the per-process cache's
        # minute (tickets/intake.py).
        from django.db.models.signals import post_delete, post_save

        from accounts.models import District

        from . import intake, timeline_vendor  # noqa: F401
        from .models import Category

        for model in (District, Category):
            post_save.connect(intake.forget_on_commit, sender=model, dispatch_uid=f"intake-{model.__name__}-save")
            post_delete.connect(intake.forget_on_commit, sender=model, dispatch_uid=f"intake-{model.__name__}-del")
