import io

import pytest
from django.db.models import Count, F
from django.utils import timezone

from accounts.seed import seed as seed_accounts
from tickets.models import Ticket, TicketEvent
from tickets.seed import seed

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_realistic():
    out = io.StringIO()
    seed_accounts(size=0, stdout=out)
    seed(size=0, stdout=out)
    count = Ticket.objects.count()
    assert count == 7
    assert Ticket.objects.values("district").distinct().count() >= 5
    assert Ticket.objects.filter(status="merged").count() == 1
    assert Ticket.objects.filter(vendor__code="state-it").exists()
    seed(size=0, stdout=out)
    assert Ticket.objects.count() == count


def test_bulk_seed_spreads_tickets_over_a_year_with_consistent_timestamps():
    out = io.StringIO()
    seed(size=400, stdout=out)
    assert Ticket.objects.count() == 400
    assert TicketEvent.objects.filter(kind="created").count() == 400
    assert not TicketEvent.objects.values("ticket").annotate(n=Count("id")).filter(n__gt=1).exists()
    now = timezone.now()
    oldest = Ticket.objects.order_by("created_at").first().created_at
    assert (now - oldest).days > 200
    assert not Ticket.objects.filter(created_at__gt=now).exists()
    assert not Ticket.objects.filter(resolved_at__lt=F("created_at")).exists()
    assert not Ticket.objects.filter(closed_at__lt=F("resolved_at")).exists()
    assert not Ticket.objects.filter(status="closed", closed_at=None).exists()
    assert not Ticket.objects.filter(status__in=["resolved", "closed"], first_response_at=None).exists()
    statuses = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    assert statuses["closed"] > 150 and sum(statuses.values()) == 400
    assert len(statuses) >= 4
    # idempotent: asking for the same size adds nothing; a larger size adds the difference
    seed(size=400, stdout=out)
    assert Ticket.objects.count() == 400
    seed(size=450, stdout=out)
    assert Ticket.objects.count() == 450
    assert TicketEvent.objects.filter(kind="created").count() == 450
