from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Django app loading (not a cycle dodge): the sentences of the vendor's and the rating's
        # event kinds join the timeline renderer.
        from . import timeline_vendor  # noqa: F401

        # An admin's edit of a district or a category reaches new complaints at once, not after
        # the per-process cache's minute (tickets/intake.py).
        from django.db.models.signals import post_delete, post_save

        from accounts.models import District

        from . import intake
        from .models import Category

        for model in (District, Category):
            post_save.connect(intake.forget_on_commit, sender=model, dispatch_uid=f"intake-{model.__name__}-save")
            post_delete.connect(intake.forget_on_commit, sender=model, dispatch_uid=f"intake-{model.__name__}-del")
