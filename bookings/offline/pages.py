"""The centre app: an installable web app (manifest + service worker, plain JS, no build step).

`/centre/` is the shell: one server-rendered page whose labels come in both languages (the app
switches language offline); `/centre/sw.js` is the service worker, served from /centre/ so its
scope covers the app; its cache is named from APP_VERSION, a hash of every file of the shell, so
a new release installs a new cache and drops the old one. Queued records live in IndexedDB, which
a release never touches. No inline script: data reach the page as a JSON data block."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.permissions import is_centre_staff
from bookings.models import Vaccine

from .intake import IdType

SHELL_FILES = ["static/js/offline-app.js", "static/css/app.css", "static/css/offline.css", "static/img/centre-app.svg",
               "templates/offline/app.html", "templates/offline/sw.js", "bookings/offline/pages.py"]


def _app_version() -> str:
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((Path(settings.BASE_DIR) / name).read_bytes())
    return digest.hexdigest()[:12]


APP_VERSION = _app_version()

# Every label of the app, by key: the page carries both languages.
STRINGS = {
    "title": _("Centre registrations"),
    "online": _("Online"),
    "offline": _("Offline: records are kept on this phone and sent when the network returns"),
    "waiting": _("{n} waiting to be sent"),
    "waiting_since": _("{n} waiting to be sent, the oldest since {since}"),
    "all_sent": _("Nothing waiting: every record was sent"),
    "send_now": _("Send now"),
    "sending": _("Sending…"),
    "last_sync": _("Last contact with the server: {time}"),
    "retry_in": _("Could not reach the server; trying again in {s} s"),
    "login_again": _("Your login has expired. Log in again: the records stay on this phone."),
    "login": _("Log in"),
    "new_record": _("New walk-in"),
    "correcting": _("Correcting a record: save to send the correction"),
    "cancel_correction": _("Cancel correction"),
    "reference_id": _("Reference id, if already registered (14 digits)"),
    "name": _("Name"),
    "birth_year": _("Year of birth"),
    "gender": _("Gender"),
    "female": _("Female"), "male": _("Male"), "other": _("Other"),
    "mobile": _("Mobile (optional)"),
    "id_type": _("ID shown"),
    "id_last4": _("Last 4 characters of the ID"),
    "vaccine": _("Vaccine"),
    "dose": _("Dose"),
    "dose1_vaccine": _("Vaccine of dose 1"),
    "dose1_date": _("Date of dose 1"),
    "time": _("Time of vaccination"),
    "save": _("Save"),
    "saved": _("Saved on this phone"),
    "records": _("Records on this phone"),
    "none_yet": _("No records yet."),
    "state_queued": _("Waiting to be sent"),
    "state_sending": _("Sending"),
    "state_accepted": _("Accepted"),
    "state_refused": _("Refused"),
    "state_corrected": _("Corrected (see the newer record)"),
    "reference": _("Reference id {ref}"),
    "confirmation": _("Confirmation {number}"),
    "correct": _("Correct"),
    "kind_registration": _("Walk-in registration"),
    "kind_vaccination": _("Vaccination"),
    "kind_correction": _("Correction"),
    "dose_n": _("dose {n}"),
    "err_name": _("Enter the name."),
    "err_birth_year": _("Enter a year of birth between 1900 and this year."),
    "err_mobile": _("A mobile number is 10 digits starting 6-9."),
    "err_id_last4": _("Enter the last 4 characters of the ID."),
    "err_reference": _("A reference id is exactly 14 digits."),
    "err_dose1": _("Dose 2 of a new registration needs the vaccine and date of dose 1."),
    "err_time": _("Enter the time of vaccination."),
    "reason_duplicate_beneficiary": _("Already registered: record a vaccination with their reference id"),
    "reason_mobile_full": _("This mobile already holds 4 registrations"),
    "reason_APPOIN0040": _("The session is over capacity for this dose"),
    "reason_no_session": _("No session of this vaccine at the centre that day"),
    "reason_not_eligible_age": _("The session is for another age group"),
    "reason_dose1_missing": _("Dose 2 needs dose 1 on record"),
    "reason_dose2_vaccine_mismatch": _("Dose 2 must be the same vaccine as dose 1"),
    "reason_dose2_too_early": _("Too early for dose 2"),
    "reason_already_vaccinated": _("This dose is already recorded"),
    "reason_not_found": _("No registration has this reference id"),
    "reason_implausible_time": _("The time is wrong: check the phone's date and time"),
    "reason_wrong_centre": _("This record is for another centre"),
    "reason_changed_replay": _("Another record was already sent with this id"),
    "reason_invalid": _("The record is incomplete or malformed"),
    "reason_nothing_to_correct": _("There is no accepted record to correct"),
}

STRINGS.update({f"id_{code}": label for code, label in IdType.CHOICES})


def _catalogue(language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: str(value) for key, value in STRINGS.items()}


@login_required
@require_GET
def app(request):
    if not is_centre_staff(request.user):
        raise Http404
    centre = request.user.centre
    strings = {"en": _catalogue("en"), "hi": _catalogue("hi")}
    # the switch names the other language, in that language
    strings["en"]["language"], strings["hi"]["language"] = "हिन्दी", "English"
    language = (translation.get_language() or "en")[:2]
    response = render(request, "offline/app.html", {
        "centre": centre, "t": strings.get(language, strings["en"]), "language": language if language in strings else "en",
        "strings": strings, "version": APP_VERSION, "vaccines": Vaccine.values, "id_types": IdType.CHOICES,
        "config": {"centerId": centre.center_id, "centreName": centre.name, "syncUrl": "/api/centre/sync/",
                   "batchSize": min(50, settings.OFFLINE_BATCH_MAX), "swUrl": "/centre/sw.js",
                   "version": APP_VERSION, "user": request.user.username}})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request):
    assets = [static(name) for name in ("js/offline-app.js", "css/app.css", "css/offline.css", "img/centre-app.svg")]
    body = render(request, "offline/sw.js", {
        "version": APP_VERSION, "assets": json.dumps(assets), "shell": json.dumps("/centre/"),
        "manifest": json.dumps("/centre/manifest.webmanifest")}).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/centre/"
    return response


@require_GET
def manifest(request):
    data = {"name": str(_("Centre registrations")), "short_name": str(_("Centre")), "start_url": "/centre/",
            "scope": "/centre/", "display": "standalone", "background_color": "#f6f7f9", "theme_color": "#0b5cad",
            "lang": (translation.get_language() or "en")[:2],
            "icons": [{"src": static("img/centre-app.svg"), "sizes": "any", "type": "image/svg+xml",
                       "purpose": "any"}]}
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
