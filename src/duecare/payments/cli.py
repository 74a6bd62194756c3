"""`duecare payments sandbox`: the local payment provider the demo's portal pays through."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from typing import Annotated

import typer

from duecare.kit.errors import UserError
from duecare.kit.ports import bind_failure
from duecare.kit.settings import get_settings

payments = typer.Typer(help="Portal payments through the lender's payment provider.", no_args_is_help=True)


@payments.command("sandbox")
def sandbox_cmd(
    port: Annotated[int | None, typer.Option(help="Port of the sandbox provider (default "
                                                  "DUECARE_SANDBOX_PAYMENT_PORT, 8027; 0: any free port)")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
) -> None:
    """Run the sandbox payment provider (demo and tests); prints the settings the portal needs. The callback
    secret is DUECARE_PAYMENT_WEBHOOK_SECRET, the one the portal verifies with."""
    from duecare.payments.sandbox import payment_provider

    s = get_settings()
    secret = s.payment_webhook_secret
    if not secret:
        raise UserError("set DUECARE_PAYMENT_WEBHOOK_SECRET: the sandbox signs its callbacks with it")
    chosen = s.sandbox_payment_port if port is None else port
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        try:
            url, _ = stack.enter_context(payment_provider(secret, host=host, port=chosen))
        except OSError as exc:
            raise bind_failure(exc, "sandbox payment provider", host, chosen, "--port",
                               "DUECARE_SANDBOX_PAYMENT_PORT") from None
        sys.stdout.write(json.dumps({"DUECARE_PAYMENT_PROVIDER_URL": url}) + "\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()

def register(app: typer.Typer) -> None:
    app.add_typer(payments, name="payments")
