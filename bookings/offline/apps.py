from django.apps import AppConfig


class OfflineConfig(AppConfig):
    """Offline registration at centres: the centre-staff app's queue, synced exactly once."""

    name = "bookings.offline"
    label = "offline"
    verbose_name = "Offline registration at centres"
