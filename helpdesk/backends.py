"""Connection strings for a replicated deployment: PostgreSQL on several hosts, Redis behind Sentinel.

- `DATABASE_URL` may name several hosts, as libpq does:
  `postgres://user:pass@db-a:5432,db-b:5432/helpdesk?target_session_attrs=read-write`.
  libpq (through psycopg) tries them in order and keeps the first that accepts writes, so every
  new connection reaches whichever node Patroni has promoted; no process is restarted after a
  failover. Query parameters become libpq options (`target_session_attrs`, `sslmode`, ...).
- `REDIS_URL=sentinel://[:password@]s1:26379,s2:26379,s3:26379/<db>` with
  `REDIS_SENTINEL_MASTER` (default `helpdesk`): the cache, the channel layer, the Celery broker,
  the live sequences and presence ask the Sentinels for the current primary and ask again when it
  goes away (or turns read-only).

`preflight()` is the start-up check of `manage.py preflight` (bin/prod runs it first): a DSN with no
reachable primary or a Sentinel master name the Sentinels do not know stops the start with a clear
message instead of a traceback at the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

PG_SCHEMES = ("postgres", "postgresql", "pgsql")


def _split_hostport(item: str, default_port: int | None) -> tuple[str, int | None]:
    item = item.strip()
    if item.startswith("["):  # [::1]:5432
        host, _, rest = item[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
    if not host:
        raise ImproperlyConfigured(f"empty host in {item!r}")
    if port and not port.isdigit():
        raise ImproperlyConfigured(f"port of {item!r} is not a number")
    return host, int(port) if port else default_port


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """(user, password, hosts part) of a URL's netloc; user and password unquoted."""
    userinfo, _, hosts = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return unquote(user), unquote(password), hosts


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for DATABASE_URL; several hosts (comma-separated) for a cluster."""
    import dj_database_url

    parts = urlsplit(url)
    if parts.scheme not in PG_SCHEMES or "," not in parts.netloc:
        return dj_database_url.parse(url)
    user, password, hosts_part = _split_netloc(parts.netloc)
    hosts = [_split_hostport(item, 5432) for item in hosts_part.split(",")]
    options = dict(parse_qsl(parts.query))
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://user@host-a,host-b/<name>)")
    return {
        "ENGINE": "django.db.backends.postgresql", "NAME": name, "USER": user, "PASSWORD": password,
        "HOST": ",".join(host for host, _ in hosts), "PORT": ",".join(str(port) for _, port in hosts),
        "OPTIONS": options, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "DISABLE_SERVER_SIDE_CURSORS": False,
    }


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: list[tuple[str, int]]
    master: str
    db: int = 0
    password: str = ""
    sentinel_password: str = ""

    def sentinel_kwargs(self) -> dict:
        kwargs = {"socket_connect_timeout": 1, "socket_timeout": 1}
        if self.sentinel_password:
            kwargs["password"] = self.sentinel_password
        return kwargs

    def master_kwargs(self) -> dict:
        kwargs = {"db": self.db}
        if self.password:
            kwargs["password"] = self.password
        return kwargs

    def describe(self) -> str:
        return ",".join(f"{h}:{p}" for h, p in self.sentinels)


def sentinel_target(url: str, master: str = "helpdesk", sentinel_password: str = "") -> SentinelTarget | None:
    """The Sentinels of a `sentinel://` REDIS_URL, or None for a plain `redis://` one."""
    parts = urlsplit(url)
    if parts.scheme != "sentinel":
        return None
    _, password, hosts_part = _split_netloc(parts.netloc)
    sentinels = [_split_hostport(item, 26379) for item in hosts_part.split(",") if item.strip()]
    if not sentinels:
        raise ImproperlyConfigured("REDIS_URL=sentinel://host:port,host:port/<db> names no Sentinel")
    db = parts.path.lstrip("/") or "0"
    if not db.isdigit():
        raise ImproperlyConfigured(f"REDIS_URL: the database of a sentinel:// URL is a number, not {db!r}")
    if not master:
        raise ImproperlyConfigured("REDIS_SENTINEL_MASTER is empty")
    return SentinelTarget(sentinels, master, int(db), password, sentinel_password)


def kombu_broker_url(target: SentinelTarget) -> str:
    """Kombu's form: one `sentinel://` URL per Sentinel, joined by ';' (master name in transport options)."""
    auth = f":{target.password}@" if target.password else ""
    return ";".join(f"sentinel://{auth}{host}:{port}/{target.db}" for host, port in target.sentinels)


# --- Clients (every Redis user in the app goes through these two) ----------------------------------
def _target():
    from django.conf import settings

    return getattr(settings, "REDIS_SENTINEL", None)


def redis_client(url: str, **kwargs):
    """A redis.Redis for `url` (REDIS_URL); through the Sentinels when it is a sentinel:// URL."""
    import redis

    target = _target() if urlsplit(url).scheme == "sentinel" else None
    if target is None:
        return redis.Redis.from_url(url, **kwargs)
    from redis.sentinel import Sentinel

    sentinel = Sentinel(target.sentinels, sentinel_kwargs=target.sentinel_kwargs())
    return sentinel.master_for(target.master, **target.master_kwargs(), **kwargs)


def async_redis_client(url: str, **kwargs):
    """The asyncio twin of `redis_client`."""
    import redis.asyncio as aioredis

    target = _target() if urlsplit(url).scheme == "sentinel" else None
    if target is None:
        return aioredis.Redis.from_url(url, **kwargs)
    from redis.asyncio.sentinel import Sentinel

    sentinel = Sentinel(target.sentinels, sentinel_kwargs=target.sentinel_kwargs())
    return sentinel.master_for(target.master, **target.master_kwargs(), **kwargs)


def sentinel_pool(target: SentinelTarget, **pool_options):
    """A sync connection pool that follows the Sentinels' primary (the Django cache uses it)."""
    from redis.sentinel import Sentinel, SentinelConnectionPool

    sentinel = Sentinel(target.sentinels, sentinel_kwargs=target.sentinel_kwargs())
    return SentinelConnectionPool(target.master, sentinel, **target.master_kwargs(), **pool_options)


# --- Start-up check -------------------------------------------------------------------------------
def check_database(alias: str = "default") -> str | None:
    """None when the database accepts a write session; else why not, in one line."""
    from django.db import connections

    conn = connections[alias]
    if conn.vendor != "postgresql":
        return None
    params = conn.settings_dict
    where = ", ".join(f"{h}:{p}" for h, p in zip(str(params["HOST"]).split(","),
                                                   (str(params["PORT"]) or "5432").split(","), strict=False))
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            (in_recovery,) = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - turned into the message
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (f"DATABASE_URL: no reachable primary (read-write) PostgreSQL among {where or 'the default host'} "
                f"(database {params['NAME']!r}): {first}")
    finally:
        conn.close()
    if in_recovery:
        return (f"DATABASE_URL: {where} answered but only as a read-only replica; add the primary's host, or "
                "target_session_attrs=read-write so that libpq skips replicas")
    return None


def check_redis() -> str | None:
    """None when Redis (through the Sentinels if configured) answers; else why not, in one line."""
    from django.conf import settings

    if settings.EMBEDDED:
        return None
    target = getattr(settings, "REDIS_SENTINEL", None)
    if target is None:
        client = redis_client(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except Exception as exc:  # noqa: BLE001
            return f"REDIS_URL: Redis does not answer ({type(exc).__name__}: {exc})"
        finally:
            client.close()
        return None
    import redis
    from redis.sentinel import MasterNotFoundError, Sentinel

    answered, knows = [], []
    for host, port in target.sentinels:
        client = redis.Redis(host=host, port=port, **target.sentinel_kwargs())
        try:
            masters = client.sentinel_masters()
            answered.append(f"{host}:{port}")
            if target.master in masters:
                knows.append(f"{host}:{port}")
        except redis.RedisError:
            pass
        finally:
            client.close()
    if not answered:
        return f"REDIS_URL: no Sentinel answers among {target.describe()}"
    if not knows:
        return (f"REDIS_SENTINEL_MASTER: the Sentinels ({', '.join(answered)}) monitor no master named "
                f"{target.master!r}; set REDIS_SENTINEL_MASTER to the name in their `sentinel monitor` line")
    try:
        sentinel = Sentinel(target.sentinels, sentinel_kwargs=target.sentinel_kwargs())
        host, port = sentinel.discover_master(target.master)
        client = sentinel.master_for(target.master, **target.master_kwargs(), socket_connect_timeout=2,
                                     socket_timeout=2)
        client.ping()
        client.close()
    except MasterNotFoundError:
        return f"REDIS_SENTINEL_MASTER: the Sentinels know {target.master!r} but none reports a working primary"
    except redis.RedisError as exc:
        return f"REDIS_URL: the primary {target.master!r} the Sentinels name does not answer ({type(exc).__name__})"
    return None


def preflight() -> list[str]:
    """Every configuration problem that stops the production shape from serving; empty when fine."""
    return [problem for problem in (check_database(), check_redis()) if problem]
