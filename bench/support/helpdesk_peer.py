"""django-helpdesk's REST API measured like Blockdesk's (bench/api_cost.py --helpdesk).

Nothing of django-helpdesk is in this repository: `run()` writes a minimal project (its
settings and urls) to a temporary directory and runs this file with the interpreter of a
throwaway virtualenv that has it, e.g.

    python3.11 -m venv /tmp/hd-venv
    /tmp/hd-venv/bin/pip install django-helpdesk==2.6.1 djangorestframework "psycopg[binary]"

The project: django-helpdesk's API (DRF viewsets, `IsAdminUser`), DRF's TokenAuthentication
(a bearer token like Blockdesk's), Django's default middleware, DEBUG off, no mail sent
(no submitter address or queue copies), teams mode off (pinax-teams is not installed).
The calls go through wsgi_cost.py's WSGI caller: django-helpdesk is a WSGI application.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

SETTINGS = """
import os
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdbench_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
_name = os.environ["HD_DB_NAME"]
if os.environ.get("HD_DB_ENGINE") == "postgresql":
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _name,
                             "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432",
                             "CONN_MAX_AGE": 600}}  # persistent, as Blockdesk's pool
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _name}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
SITE_ID = 1
STATIC_URL = "/static/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
    "rest_framework.authentication.TokenAuthentication"]}
HELPDESK_TEAMS_MODE_ENABLED = False
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""


def run(*, python: str, postgres: bool, iterations: int) -> str:
    """The peer's table (its child's output), for the caller to print."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "hdbench_settings.py").write_text(SETTINGS)
        (project / "hdbench_urls.py").write_text(URLS)
        env = {
            **os.environ,
            "PYTHONPATH": f"{project}{os.pathsep}{HERE.parent.parent}",
            "DJANGO_SETTINGS_MODULE": "hdbench_settings",
        }
        if postgres:
            from tests.support.live_server import (
                create_postgres_database,
                drop_postgres_database,
            )

            url = create_postgres_database("postgres://postgres@127.0.0.1:5432/helpdesk")
            env.update(HD_DB_ENGINE="postgresql", HD_DB_NAME=url.rsplit("/", 1)[1])
            try:
                return _child(python, env, iterations)
            finally:
                drop_postgres_database(url)
        env.update(HD_DB_ENGINE="sqlite", HD_DB_NAME=str(project / "hd.sqlite3"))
        return _child(python, env, iterations)


def _child(python: str, env: dict[str, str], iterations: int) -> str:
    cmd = [python, __file__, "--child", str(iterations)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"django-helpdesk run failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def child(iterations: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.support.wsgi_cost import Caller, Req, load_line, measure_all, print_table
    from django.contrib.auth import get_user_model
    from helpdesk.models import FollowUp, Queue, Ticket
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_user(
        "root", "root@example.com", "x", is_staff=True, is_superuser=True
    )
    token = Token.objects.create(user=user)
    queue = Queue.objects.create(title="Support", slug="support", allow_email_submission=False)
    tickets = []
    for i in range(100):
        ticket = Ticket.objects.create(
            queue=queue, title=f"Where is my deposit? {i}", description="It has not arrived"
        )
        for k in range(4):
            FollowUp.objects.create(ticket=ticket, comment=f"More {k}", public=True)
        tickets.append(ticket.pk)
    call = Caller({"Authorization": f"Token {token.key}"})
    pg = connection.vendor == "postgresql"
    dbname = settings.DATABASES["default"]["NAME"] if pg else None

    def pick(i: int) -> int:
        return tickets[i % len(tickets)]

    def create(i: int) -> Req:
        body: dict[str, Any] = {
            "queue": queue.pk,
            "priority": 3,
            "title": "Withdrawal stuck",
            "description": f"My withdrawal {i} has not arrived",
        }
        return Req("POST", "/helpdesk/api/tickets/", body)

    def follow_up(i: int) -> Req:
        body = {"ticket": pick(i), "comment": f"Any news? ({i})", "public": True}
        return Req("POST", "/helpdesk/api/followups/", body)

    calls = [
        ("create ticket", create),
        ("follow-up", follow_up),
        ("list tickets (25)", lambda i: Req("GET", "/helpdesk/api/tickets/")),
        ("get ticket", lambda i: Req("GET", f"/helpdesk/api/tickets/{pick(i)}/")),
        ("list follow-ups (25, all tickets)", lambda i: Req("GET", "/helpdesk/api/followups/")),
    ]
    results = measure_all(calls, call, iterations=iterations, pg_dbname=dbname)
    import helpdesk

    version = getattr(helpdesk, "__version__", "2.6.1")
    print_table(f"django-helpdesk {version} (WSGI), {connection.vendor}", results)
    print(f"\n{iterations} calls each; {load_line()}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(HERE.parent.parent))
        child(int(sys.argv[sys.argv.index("--child") + 1]))
    else:
        print(textwrap.dedent(__doc__ or ""))
