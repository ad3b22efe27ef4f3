import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from accounts.models import District, User


@pytest.mark.django_db
def test_all_33_districts_loaded_with_hindi_names_and_cowin_ids():
    assert District.objects.count() == 33
    with_ids = District.objects.exclude(cowin_id=None)
    assert sorted(with_ids.values_list("cowin_id", flat=True)) == list(range(109, 137))
    assert District.objects.get(cowin_id=109).name_hi == "रायपुर"
    assert District.objects.filter(cowin_id=None).count() == 5
    assert not District.objects.filter(name_hi="").exists()


def test_check_deploy_fails_with_the_development_secret_key(settings):
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    with pytest.raises(SystemCheckError, match="helpdesk.E001"):
        call_command("check", deploy=True)


def test_debug_is_off_by_default():
    """Read in a fresh process: pytest-django forces DEBUG off in this one, whatever settings say."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    def debug(**extra: str) -> str:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(DJANGO_SETTINGS_MODULE="helpdesk.settings", **extra)
        return subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
                              cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert debug() == "False"
    assert debug(DEBUG="1") == "True"  # the setting is read: the default above is a real default


@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "task_queue", "sweep"}
    assert body["down"] == []
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_healthz_is_503_when_redis_is_unreachable(client, settings):
    settings.EMBEDDED = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["channel_layer"]["ok"] is False
    assert checks["task_queue"]["ok"] is False
    assert checks["database"]["ok"] is True


@pytest.mark.django_db
def test_login_and_logout(client, make_user):
    user = make_user("agent", username="asha")
    response = client.get(reverse("login"))
    assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "asha", "password": "pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_page_has_csrf_protection(make_user):
    from django.test import Client

    make_user("agent", username="asha")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "asha", "password": "pw"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_works_for_supervisors_and_not_for_agents(client, make_user):
    supervisor = make_user("supervisor")
    client.force_login(supervisor)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tickets/ticket/").status_code == 200
    assert client.get("/admin/accounts/district/").status_code == 200
    client.force_login(make_user("agent"))
    assert client.get("/admin/").status_code == 302  # to the admin login


@pytest.mark.django_db
def test_role_bindings_are_enforced_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role="district_official")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", role="vendor_engineer")


@pytest.mark.django_db
def test_language_is_chosen_and_remembered(client):
    response = client.post("/i18n/setlang/", {"language": "hi", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "टीकाकरण" in page.content.decode()
    assert 'lang="hi"' in page.content.decode()


def test_openapi_schema_and_docs_are_served_without_internet(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    count = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == count
    roles = set(User.objects.values_list("role", flat=True))
    assert roles >= {"agent", "supervisor", "district_official", "vendor_engineer", "vendor_officer", "admin"}


@pytest.mark.django_db
def test_a_database_outage_during_an_api_request_is_a_503_to_retry(client, monkeypatch, make_user):
    from django.db import OperationalError

    from tickets.api import tickets as ticket_views

    client.force_login(make_user("agent"))

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ticket_views.TicketListCreate, "get", broken, raising=False)
    response = client.get("/api/tickets/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["code"] == "backing_service_unavailable"


def test_an_api_500_is_json(rf):
    from helpdesk.errors import server_error

    response = server_error(rf.get("/api/tickets/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert server_error(rf.get("/console/"))["Content-Type"].startswith("text/html")
