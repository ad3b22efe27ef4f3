"""Concurrency on PostgreSQL: threads released together by a barrier, exact outcomes asserted."""

import threading

import pytest
from django.db import connection

from helpdesk.exceptions import Conflict
from tickets.models import Comment, Ticket
from tickets.services import Actor, ticket_comment, ticket_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(n, work):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def target(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_simultaneous_complaints_from_one_caller_give_one_ticket(raipur, otp_category):
    def work(i):
        return ticket_create(district=raipur, category=otp_category, description=f"call {i}",
                             requester_kind="citizen", channel="web", actor=Actor(label="citizen"),
                             requester_mobile="9876504321", notify=False).created

    results, errors = run_together(6, work)
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    ticket = Ticket.objects.get()
    assert ticket.chased_count == 5


def test_two_agents_replying_to_the_same_version_one_wins(raipur, otp_category, make_user):
    agents = [make_user("agent") for _ in range(4)]
    ticket = ticket_create(district=raipur, category=otp_category, description="x", requester_kind="citizen",
                           channel="web", actor=Actor(label="citizen"), notify=False).ticket

    def work(i):
        return ticket_comment(ticket_id=ticket.pk, body=f"reply {i}", actor=Actor.of(agents[i]), is_public=True,
                              expected_version=ticket.version)

    results, errors = run_together(4, work)
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, Conflict) and e.code == "stale_version" for e in errors)
    assert Comment.objects.filter(ticket=ticket).count() == 1


def test_the_same_inbound_sms_posted_concurrently_makes_one_comment(raipur, otp_category):
    from tickets.sms import sms_receive

    ticket = ticket_create(district=raipur, category=otp_category, description="OTP", requester_kind="citizen",
                           channel="web", actor=Actor(label="citizen"), requester_mobile="9876504321",
                           notify=False).ticket
    results, errors = run_together(4, lambda i: sms_receive(sender="9876504321", text="still waiting",
                                                            gateway_id="gw-race"))
    assert not errors and results == ["comment_added"] * 4
    assert Comment.objects.filter(ticket=ticket, body="still waiting").count() == 1
