from django.db import models


class Incident(models.Model):
    """An outage or degradation of the portal. Tickets link to it (Ticket.incident).

    The live app owns the lifecycle, components and public updates.
    """

    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title
