"""The web app: portal, console, the domains' APIs, static assets, security headers and error pages.

`create_app(database_url=None)` migrates the database, mounts every domain router that exists, and serves
the static files (our CSS/JS and the plotly.min.js that ships inside the installed `plotly` wheel).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from duecare.kit.db import migrate, session_factory
from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings
from duecare.privacy.security import SecurityMiddleware
from duecare.web.limits import BodyLimitMiddleware

log = logging.getLogger("duecare.web")

ROUTER_MODULES = (
    "duecare.privacy.auth_routes",
    "duecare.privacy.rights_routes",
    "duecare.policy.routes",
    "duecare.visits.routes",
    "duecare.contacts.routes",
    "duecare.speech.routes",
    "duecare.risk.routes",
    "duecare.portal.routes",
    "duecare.console.routes",
    "duecare.web.routes",
)


def static_dir() -> Path:
    return Path(__file__).parent / "static"


def plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _sign_in_url(request: Request) -> str:
    path = request.url.path
    if path.startswith("/portal"):
        return "/portal/signin"
    return f"/console/signin?next={path}"


def mounted_routers(app: FastAPI) -> list[str]:
    return list(app.state.routers)


def create_app(database_url: str | None = None) -> FastAPI:
    url = database_url or get_settings().database_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield

    migrate(url)
    app = FastAPI(title="duecare", version="0.1.0", lifespan=lifespan,
                  description="Lawful, humane delinquency management: borrower portal, staff console and API.")
    app.state.database_url = url
    app.state.session_factory = session_factory(url)
    app.state.routers = []
    for name in ROUTER_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
            app.state.routers.append(name)
    app.mount("/static/vendor", StaticFiles(directory=plotly_dir()), name="vendor")
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(BodyLimitMiddleware)  # outermost: bounds every body before anything reads it

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not _wants_html(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 401:
            return RedirectResponse(_sign_in_url(request), status_code=303)
        from duecare.web.templating import render

        return render(request, "error.html", status_code=exc.status_code, code=exc.status_code,
                      detail=str(exc.detail))

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        """Bad input a service refused (an unknown id, a value out of range): 422 with its message, never 500."""
        return await http_error(request, HTTPException(status_code=422, detail=str(exc)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        if not _wants_html(request):
            return JSONResponse({"error": "invalid input", "problems": problems}, status_code=422)
        from duecare.web.templating import render

        return render(request, "error.html", status_code=422, code=422, detail="; ".join(problems))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """An unexpected failure: logged with its trace (no personal data in the message), shown as the error page."""
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if not _wants_html(request):
            return JSONResponse({"error": "internal error"}, status_code=500)
        from duecare.web.templating import render

        try:
            return render(request, "error.html", status_code=500, code=500, detail="")
        except Exception:  # the error page itself failed: a minimal page, never a plain-text trace
            log.exception("the error page failed to render")
            return HTMLResponse("<!doctype html><title>500</title><h1 data-testid=\"error-page\">500</h1>",
                                status_code=500)

    return app
