"""What the live API answers with: plain dicts, built here once (schemas.py declares their shapes)."""

from __future__ import annotations

from accounts.models import District

from .. import selectors
from ..models import Incident, Suspicion


def iso(value):
    return value.isoformat() if value else None


def update_dict(update) -> dict:
    return {"id": update.pk, "public": update.is_public, "status": update.status, "body_en": update.body_en,
            "body_hi": update.body_hi, "created_at": iso(update.created_at)}


def incident_dict(incident: Incident, *, updates=None) -> dict:
    data = {
        "id": incident.pk, "title": incident.title, "title_hi": incident.title_hi, "status": incident.status,
        "severity": incident.severity, "public": incident.is_public,
        "components": [c.code for c in incident.components.all()],
        "districts": [d.pk for d in incident.districts.all()],
        "created_at": iso(incident.created_at), "resolved_at": iso(incident.resolved_at),
        "cadence_minutes": incident.cadence_minutes,
        "last_public_update_at": iso(incident.last_public_update_at),
        "next_update_due_at": iso(incident.next_update_due_at),
        "overdue": selectors.is_overdue(incident),
    }
    if updates is not None:
        data["updates"] = [update_dict(u) for u in updates]
    return data


def status_snapshot(district: District | None) -> dict:
    components = selectors.component_overview(district=district)
    incidents = list(selectors.public_incidents(district=district))
    return {
        "district": district.code if district else None,
        "components": [
            {"code": v.component.code, "name_en": v.component.name_en, "name_hi": v.component.name_hi,
             "status": v.status, "districts": [{"id": d.pk, "code": d.code, "status": s} for d, s, _label in v.districts]}
            for v in components
        ],
        "incidents": [
            {**incident_dict(i), "minutes_since_update": selectors.minutes_since(i.last_public_update_at),
             "updates": [update_dict(u) for u in i.public_updates]}
            for i in incidents
        ],
    }


def component_state_dict(component, state) -> dict:
    return {"component": component.code, "district": state.district_id, "status": state.status,
            "updated_at": iso(state.updated_at)}


def suspicion_dict(s: Suspicion) -> dict:
    return {"id": s.pk, "category": s.category.code, "district_id": s.district_id, "status": s.status,
            "count": s.window_count, "baseline": round(s.baseline, 2), "incident_id": s.incident_id,
            "ticket_ids": sorted(t.pk for t in s.tickets.all()), "created_at": iso(s.created_at)}
