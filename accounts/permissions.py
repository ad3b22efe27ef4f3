"""Who may see and do what: the one place where roles turn into querysets and yes/no answers.

Object-level scoping (DOMAIN.md §2, §9): agents, supervisors and admins see every district;
a district official only their district; vendor staff the tickets handed to their vendor, and
(read access) the tickets escalated to their vendor or to them, from the moment a ladder step
fired until the ticket is closed or merged; citizens (no account) only their own ticket, by secret link or number + mobile. An object
outside the caller's scope is reported as not found (404), never as forbidden.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.permissions import BasePermission

from .models import Role


def is_admin(user) -> bool:
    """An administrator (role admin, or a superuser): API tokens, users, configuration."""
    return bool(user and user.is_authenticated and (user.role == Role.ADMIN or user.is_superuser))


def is_desk(user) -> bool:
    return bool(user and user.is_authenticated and user.is_desk)


def is_supervisor(user) -> bool:
    return bool(user and user.is_authenticated and user.is_supervisor)


def is_district_official(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.DISTRICT_OFFICIAL)


def is_vendor(user) -> bool:
    return bool(user and user.is_authenticated and user.is_vendor)


def is_centre_staff(user) -> bool:
    """Centre staff: bound to one centre (and its district) by a database constraint."""
    return bool(user and user.is_authenticated and user.role == Role.CENTRE_STAFF and user.centre_id)


def centre_scope(user) -> int | None:
    """The one centre (primary key) a centre-staff user records for; None for anyone else."""
    return user.centre_id if is_centre_staff(user) else None


def can_manage_centre_staff(user, centre) -> bool:
    """District officials create and manage staff of their own district's centres; so does the desk's
    supervisor (any district)."""
    if is_supervisor(user):
        return True
    return is_district_official(user) and centre.district_id == user.district_id


def district_scope(user) -> int | None:
    """None: every district. Otherwise the one district id the user may see.
    Raises PermissionError for users with no district view at all (vendor staff, anonymous)."""
    if is_desk(user):
        return None
    if is_district_official(user):
        return user.district_id
    raise PermissionError("no district scope")


def scope_by_district(user, queryset: QuerySet, field: str = "district") -> QuerySet:
    """Restrict any queryset with a district foreign key to what `user` may see."""
    if is_desk(user):
        return queryset
    if is_district_official(user):
        return queryset.filter(**{f"{field}_id": user.district_id})
    return queryset.none()


# Escalated (not handed) tickets stay visible to the vendor until they reach one of these.
ESCALATION_VISIBLE_UNTIL = ("closed", "merged")


def _escalation_records(ticket_model):
    """The escalation ledger's model, reached through the ticket's relation: this module is the
    ground floor and imports no app above it."""
    return ticket_model._meta.get_field("escalations").related_model


def _escalated_to_q(user) -> Q:
    """A ladder step fired to `user`'s vendor, or reached `user` in person (any level)."""
    return Q(vendor_id=user.vendor_id) | Q(notices__user_id=user.pk)


def scope_tickets(user, queryset: QuerySet) -> QuerySet:
    """The tickets `user` may see."""
    if is_desk(user):
        return queryset
    if is_district_official(user):
        return queryset.filter(district_id=user.district_id)
    if is_vendor(user):
        records = _escalation_records(queryset.model)
        escalated = Exists(records.objects.filter(_escalated_to_q(user), ticket_id=OuterRef("pk")))
        return queryset.filter(Q(vendor_id=user.vendor_id)
                               | (escalated & ~Q(status__in=ESCALATION_VISIBLE_UNTIL)))
    return queryset.none()


def can_see_ticket(user, ticket) -> bool:
    if is_desk(user):
        return True
    if is_district_official(user):
        return ticket.district_id == user.district_id
    if is_vendor(user):
        if ticket.vendor_id is not None and ticket.vendor_id == user.vendor_id:
            return True
        if ticket.status in ESCALATION_VISIBLE_UNTIL:
            return False
        return _escalation_records(type(ticket)).objects.filter(_escalated_to_q(user), ticket_id=ticket.pk).exists()
    return False


def is_vendor_officer(user) -> bool:
    """Vendor responsible officers and heads: they see their vendor's escalations by engineer and
    may reassign or acknowledge on an engineer's behalf."""
    return bool(user and user.is_authenticated and user.role == Role.VENDOR_OFFICER)


def can_act_for_vendor(user, ticket) -> bool:
    """Vendor actions (acknowledge, progress, hand over, restore, decline): vendor staff who may
    see the ticket, and desk staff."""
    return (is_desk(user) or is_vendor(user)) and can_see_ticket(user, ticket)


class IsDesk(BasePermission):
    """Agents, supervisors, admins."""

    message = "Only helpdesk staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_desk(request.user)


class IsSupervisor(BasePermission):
    message = "Only supervisors may do this."

    def has_permission(self, request, view) -> bool:
        return is_supervisor(request.user)


class IsDeskOrDistrict(BasePermission):
    message = "Only helpdesk staff and district officials may do this."

    def has_permission(self, request, view) -> bool:
        return is_desk(request.user) or is_district_official(request.user)


class IsCentreStaff(BasePermission):
    message = "Only centre staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_centre_staff(request.user)


class IsStaffRole(BasePermission):
    """Any logged-in role (desk, district, vendor); object scope is applied by the queryset."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)


def can_see_attachment(user, ticket, attachment, *, citizen_link: bool = False) -> bool:
    """Staff who may see the ticket see its attachments; a citizen holding the ticket's secret
    link (citizen_link=True, checked by the caller) sees only the public ones."""
    if attachment.ticket_id != ticket.pk and attachment.ticket_id != getattr(ticket, "merged_into_id", None):
        return False
    if citizen_link:
        return attachment.is_public
    return can_see_ticket(user, ticket)
