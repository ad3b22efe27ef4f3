"""django-helpdesk 2.6.1, the closest peer, set up for side-by-side benchmarks.

Installed from PyPI into a scratch virtual environment outside the repository (cached between
runs: BENCH_PEER_DIR, default ~/.cache/cg-helpdesk-bench/peer), with the same Django, gunicorn and
psycopg versions as this project, configured on PostgreSQL (BENCH_PEER_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/cg_bench_peer) with DEBUG=False, one public queue, e-mail
discarded (the dummy backend: cheaper than anything the peer would really do with it), and one
extra plain view, `/ping/`, for the ceiling of a trivial endpoint on the same server.

Nothing of django-helpdesk is kept in this repository: only this recipe that installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlparse

PEER_VERSION = "2.6.1"
# The same versions this project pins, so that the servers differ only in the application.
SHARED_PINS = ["Django==5.2.19", "gunicorn==27.0.1", "psycopg[binary]==3.3.9", "dj-database-url==3.1.2"]
PEER_DIR = Path(os.environ.get("BENCH_PEER_DIR", Path.home() / ".cache/cg-helpdesk-bench/peer"))
PEER_DATABASE_URL = os.environ.get("BENCH_PEER_DATABASE_URL",
                                   "postgres://postgres@127.0.0.1:5432/cg_bench_peer")
PEER_USER = "bench-peer-staff"
PEER_PASSWORD = "bench-peer-pw"

SETTINGS = '''\
import dj_database_url

SECRET_KEY = "bench-only-peer-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "account", "pinax.invitations", "pinax.teams", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_PUBLIC_TICKET_QUEUE = "public"
HELPDESK_PUBLIC_TICKET_PRIORITY = 3
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
LOGIN_URL = "/login/"
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}
'''

URLS = '''\
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("ping/", ping),
    path("login/", auth_views.LoginView.as_view(template_name="helpdesk/registration/login.html"), name="login"),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
'''

SETUP = f'''\
from django.contrib.auth.models import User
from django.contrib.sites.models import Site
from helpdesk.models import Queue

Site.objects.update_or_create(pk=1, defaults={{"domain": "127.0.0.1", "name": "peer"}})
Queue.objects.get_or_create(slug="public", defaults={{"title": "Public", "allow_public_submission": True}})
user, _ = User.objects.get_or_create(username="{PEER_USER}", defaults={{"is_staff": True}})
user.is_staff = True
user.set_password("{PEER_PASSWORD}")
user.save()
print("queue", Queue.objects.get(slug="public").pk)
'''


def python() -> str:
    return str(PEER_DIR / "venv/bin/python")


def gunicorn() -> str:
    return str(PEER_DIR / "venv/bin/gunicorn")


def install() -> None:
    """The scratch environment, once: a venv with django-helpdesk and the shared pins."""
    stamp = PEER_DIR / f".installed-{PEER_VERSION}-teams"
    if stamp.exists():
        return
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing django-helpdesk {PEER_VERSION} into {PEER_DIR} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_DIR / "venv")], check=True)
    subprocess.run([python(), "-m", "pip", "install", "-q", f"django-helpdesk[teams]=={PEER_VERSION}",
                    *SHARED_PINS], check=True, stderr=subprocess.DEVNULL)
    stamp.touch()


def env() -> dict[str, str]:
    result = {k: v for k, v in os.environ.items()
              if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "PYTHONPATH")}
    result.update(DJANGO_SETTINGS_MODULE="peer_settings", PYTHONPATH=str(PEER_DIR / "project"))
    return result


def prepare() -> int:
    """Install (cached), write the project, create and migrate the database; the public queue's id."""
    import psycopg

    install()
    project = PEER_DIR / "project"
    project.mkdir(exist_ok=True)
    (project / "peer_settings.py").write_text(f"DATABASE_URL = {PEER_DATABASE_URL!r}\n" + SETTINGS)
    (project / "peer_urls.py").write_text(URLS)
    name = urlparse(PEER_DATABASE_URL).path.lstrip("/")
    with psycopg.connect(PEER_DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [python(), "-c", "import sys, django; from django.core.management import "
              "execute_from_command_line as run; run(sys.argv)"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=project, env=env(), check=True)
    out = subprocess.run([*manage, "shell", "-c", textwrap.dedent(SETUP)], cwd=project, env=env(),
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[out.index("queue") + 1])


def count_tickets() -> int:
    import psycopg

    with psycopg.connect(PEER_DATABASE_URL) as conn:
        return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]


def server(port: int, workers: int) -> list[str]:
    return [gunicorn(), "peer_wsgi:application", "--chdir", str(PEER_DIR / "project"),
            "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
            "--backlog", "2048", "--timeout", "30", "--log-level", "warning"]


def write_wsgi() -> None:
    (PEER_DIR / "project" / "peer_wsgi.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'peer_settings')\n"
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n")
