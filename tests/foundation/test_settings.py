"""The settings module under each environment, read in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
db = settings.DATABASES['default']
layer = settings.CHANNEL_LAYERS['default']
print(json.dumps({
  'engine': db['ENGINE'], 'conn_max_age': db.get('CONN_MAX_AGE'), 'pool': db.get('OPTIONS', {}).get('pool'),
  'layer': layer['BACKEND'], 'config': layer.get('CONFIG'), 'cache': settings.CACHES['default']['BACKEND'],
  'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'debug': settings.DEBUG,
}, default=str))
"""


def read_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "HELPDESK_SERVER", "DEBUG")}
    clean.update(env, DJANGO_SETTINGS_MODULE="helpdesk.settings")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


PG = "postgres://postgres@127.0.0.1:5432/x"
REDIS = "redis://127.0.0.1:6379/9"


def test_no_variables_gives_the_embedded_default(tmp_path):
    s = read_settings(HELPDESK_VAR_DIR=str(tmp_path))
    assert s["engine"].endswith("sqlite3")
    assert s["layer"].endswith("InMemoryChannelLayer")
    assert s["cache"].endswith("LocMemCache")
    assert s["eager"] is True
    assert s["debug"] is False


def test_wsgi_keeps_persistent_connections():
    s = read_settings(DATABASE_URL=PG, REDIS_URL=REDIS, HELPDESK_SERVER="wsgi")
    assert s["engine"].endswith("postgresql")
    assert s["conn_max_age"] == 60
    assert s["pool"] is None
    assert s["eager"] is False


def test_asgi_uses_a_pool_and_no_persistent_connections():
    s = read_settings(DATABASE_URL=PG, REDIS_URL=REDIS, HELPDESK_SERVER="asgi")
    assert s["conn_max_age"] == 0
    assert s["pool"]["max_size"] >= 10


def test_channel_layer_sized_for_thousands_of_sockets():
    s = read_settings(DATABASE_URL=PG, REDIS_URL=REDIS)
    assert s["layer"].endswith("RedisChannelLayer")
    assert s["cache"].endswith("RedisCache")
    assert s["config"]["capacity"] >= 5000
    assert s["config"]["hosts"][0]["max_connections"] >= 2000
