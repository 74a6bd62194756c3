"""The app shell: the web app with portal, console, the domains' APIs, static assets, security headers and error pages.

`create_app(database_url=None)` migrates the database, mounts every domain's router (imported explicitly
below: a missing or broken router fails the app at start, never silently), and serves the static files (our
CSS/JS and the plotly.min.js that ships inside the installed `plotly` wheel). `serve_app` runs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from duecare.bootstrap import Root, build
from duecare.kit.clock import ClockScope
from duecare.kit.db import migrate, session_factory
from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings
from duecare.privacy.security import SecurityMiddleware, shared_store
from duecare.tables import load_all_models
from duecare.web import errors, openapi
from duecare.web.admission import AdmissionMiddleware, OverloadAnswers, pool_capacity
from duecare.web.limits import BodyLimitMiddleware
from duecare.web.templating import static_dir
from duecare.web.unavailable import DatabaseUnavailableMiddleware


def routers() -> list[APIRouter]:
    """Every domain's router, in mount order (risk has no API of its own: its scores show in the pages)."""
    from duecare.console.routes import router as console
    from duecare.contacts.routes import router as contacts
    from duecare.policy.routes import router as policy
    from duecare.portal.alternatives import router as portal_alternatives
    from duecare.portal.documents import router as portal_documents
    from duecare.portal.routes import router as portal
    from duecare.portal.video import router as portal_video
    from duecare.privacy.auth_routes import router as auth
    from duecare.privacy.rights_routes import router as rights
    from duecare.speech.routes import router as speech
    from duecare.visits.routes import router as visits
    from duecare.web.routes import router as web

    return [auth, rights, policy, visits, contacts, speech, portal, portal_alternatives, portal_documents, portal_video, console, web]


def plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def serve_app(host: str, port: int, database_url: str | None, *, workers: int = 1, proxy_headers: bool = False,
              forwarded_allow_ips: str = "127.0.0.1", root: Root | None = None) -> None:
    """Run the app under uvicorn (blocks until Ctrl-C).

    `workers` > 1 starts that many uvicorn worker processes on one socket; they share sessions and rate limits
    through the database, so it needs PostgreSQL. With `proxy_headers`, X-Forwarded-For/-Proto are believed
    only from `forwarded_allow_ips` (comma-separated addresses or networks): a request a trusted proxy received
    over TLS is then `https`, gets HSTS and Secure cookies; anyone else's X-Forwarded-* is ignored."""
    import os

    import uvicorn

    url = database_url or get_settings().database_url
    if workers > 1 and not url.startswith("postgresql"):
        raise UserError("several workers need PostgreSQL (sessions and rate limits are shared through it); "
                        "set --database-url postgresql+psycopg://…", place="--workers")
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "proxy_headers": proxy_headers,
                               "forwarded_allow_ips": forwarded_allow_ips, "server_header": False}
    if workers > 1:
        migrate(url)  # once, before the workers start (each one's own migrate is then a no-op)
        os.environ["DUECARE_DATABASE_URL"] = url  # the workers build their app from the environment
        uvicorn.run("duecare.app.factory:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(url, root), **options)


def create_app(database_url: str | None = None, root: Root | None = None) -> FastAPI:
    """The web app on `root` (the composition root's settings, clock, policy, scorer and code sender)."""
    root = root or build()
    url = database_url or root.settings.database_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    load_all_models()
    migrate(url)
    app = FastAPI(title="duecare", version="0.1.0", lifespan=lifespan,
                  description="Lawful, humane delinquency management: borrower portal, staff console and API.")
    app.state.database_url = url
    app.state.session_factory = session_factory(url)
    app.state.rate_store = shared_store(url)  # PostgreSQL: one rate limit across every worker
    app.state.root = root
    app.state.clock = root.clock  # ClockScope makes it current for each request (a test may replace it)
    for router in routers():
        app.include_router(router)
    root.install_code_sender()  # sign-in codes go out through the contacts outbox (the demo: on the page)
    app.mount("/static/vendor", StaticFiles(directory=plotly_dir()), name="vendor")
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    app.add_middleware(DatabaseUnavailableMiddleware)  # the database not answering: 503 + Retry-After
    limit = root.settings.max_in_flight
    app.state.max_in_flight = pool_capacity(app.state.session_factory.kw["bind"]) if limit is None else limit
    # more requests in flight than the pool has connections: 503 + Retry-After at once (with security headers)
    # the refusals' bodies are made now, once per language: a refusal renders nothing
    app.state.overload_answers = OverloadAnswers.build(root.settings.overload_retry_after)
    app.add_middleware(AdmissionMiddleware, limit=app.state.max_in_flight, answers=app.state.overload_answers)
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(ClockScope)  # each request and WebSocket runs on app.state.clock
    app.add_middleware(BodyLimitMiddleware)  # outermost: bounds every body before anything reads it

    errors.install(app)  # one handler per kind of error: JSON for the API, the error page for pages
    openapi.install(app)  # every operation declares the answers it can give
    return app
