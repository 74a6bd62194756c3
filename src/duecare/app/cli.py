"""`duecare serve`: the web app and API."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port")] = 8000,
        database_url: Annotated[str | None, typer.Option(
            "--database-url", help="Store (default: DUECARE_DATABASE_URL, else embedded SQLite in DUECARE_DATA_DIR)")]
        = None,
        workers: Annotated[int, typer.Option(min=1, max=64, help=(
            "Worker processes (uvicorn); more than one needs PostgreSQL, which they share sessions and rate "
            "limits through"))] = 1,
        proxy_headers: Annotated[bool, typer.Option(help=(
            "Believe X-Forwarded-For/-Proto from the trusted proxies (--forwarded-allow-ips): behind a TLS "
            "proxy, requests are https and get HSTS"))] = False,
        forwarded_allow_ips: Annotated[str, typer.Option(help=(
            "Comma-separated addresses or networks of trusted proxies"))] = "127.0.0.1",
    ) -> None:
        """Serve the borrower portal, the staff console and the API."""
        from duecare.app.factory import serve_app

        typer.echo(f"duecare: http://{host}:{port}/  (portal /portal, console /console, API /docs)", err=True)
        serve_app(host, port, database_url, workers=workers, proxy_headers=proxy_headers,
                  forwarded_allow_ips=forwarded_allow_ips)
