"""Every `DUECARE_*` environment variable, typed and described in one place, with defaults for a laptop.

`Settings` is the one list: `tests/kit/test_settings.py` fails when code names a `DUECARE_*` variable that is not
declared here, or when the README's table (written by `python -m duecare.kit.settings`) misses one. Code reads
them only through `get_settings()` (the composition root, duecare/bootstrap.py, keeps the process's settings);
`os.environ` is written only to hand settings to child processes (`serve --workers`, the demo's sandboxes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from duecare.kit.errors import UserError


class Settings(BaseSettings):
    """The environment of one process: storage, keys, channels, models, demo switches."""

    model_config = SettingsConfigDict(env_prefix="DUECARE_", frozen=True, extra="ignore")

    # --- storage and keys
    data_dir: Path = Field(default=Path("./duecare-data"), description="Where the embedded database, keys, models, "
                           "letters and demo files live.")
    database_url: str = Field(default="", description="SQLAlchemy URL of the store (PostgreSQL in production); default: "
                              "SQLite file `<data dir>/duecare.db`.")
    key_file: Path = Field(default=Path(""), description="Key ring of the personal-field encryption (created 0600 on first "
                           "use); default `<data dir>/keys.json`.")
    keys: str | None = Field(default=None, description="The key ring as JSON instead of a file (secrets managers); wins "
                             "over DUECARE_KEY_FILE.")
    audit_chain: str | None = Field(default=None, description="Name of the audit chain in the checkpoint file; default: "
                                    "the database URL without its password.")
    audit_checkpoints: Path | None = Field(default=None, description="Append-only file of audit-chain checkpoints; default "
                                           "`<data dir>/audit-checkpoints.jsonl` (keep it off the database host).")
    # --- web
    public_url: str = Field(default="http://localhost:8000", description="Where borrowers reach the portal (sign-in links).")
    portal_url: str | None = Field(default=None, description="The borrower portal's address printed on notices and "
                                   "messages (links to `/notices/<id>`, `/complaint`); default DUECARE_PUBLIC_URL + `/portal`.")
    trust_proxy: bool = Field(default=False, description="1: trust X-Forwarded-For/-Proto from a reverse proxy (client "
                              "address for rate limits, secure cookies).")
    webhook_secret: str | None = Field(default=None, description="Shared HMAC secret that signs the SMS/email providers' "
                                       "webhooks (receipts, replies); without it they are answered 503 (switched off).")
    brand: str = Field(default="duecare", description="Lender name shown in messages to borrowers.")
    max_in_flight: int | None = Field(default=None, ge=0, description="Admission control: requests one web worker "
                                      "serves at once; beyond it a request is answered 503 with Retry-After at once "
                                      "(a pre-rendered page or JSON). Default: the worker's database pool, size + "
                                      "overflow (5 + 10 = 15), so an admitted request never waits for a connection; "
                                      "0: no limit. See docs/operations.md.")
    overload_retry_after: int = Field(default=1, ge=1, le=120, description="Seconds of the Retry-After a request "
                                      "refused for overload carries.")
    decisions_max_age_s: float = Field(default=60.0, ge=0, le=86400, description="The work queue's standing "
                                       "decisions: the longest a queue row goes without being decided again (a "
                                       "write to a borrower's records decides that borrower again at once); 0 decides "
                                       "the page's scope on every request. See docs/operations.md.")
    ice_servers: str = Field(default="[]", description="Video calls: the browsers' ICE servers as a JSON list (the "
                             "`iceServers` of RTCPeerConnection: STUN/TURN, see docs/video.md); `[]` on a LAN.")
    # --- channels
    sms_gateway_url: str | None = Field(default=None, description="HTTP SMS gateway base URL (unset: no SMS channel).")
    sms_gateway_token: str | None = Field(default=None, description="Bearer token of the SMS gateway.")
    sms_gateway_timeout: float = Field(default=10.0, description="SMS gateway request timeout, seconds.")
    sms_sender_id: str | None = Field(default=None, description="Sender id the SMS gateway shows; default the adapter's.")
    smtp_host: str | None = Field(default=None, description="SMTP relay for email (unset: no email channel).")
    smtp_port: int = Field(default=25, description="SMTP port.")
    smtp_user: str | None = Field(default=None, description="SMTP user name.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="1: STARTTLS before authenticating.")
    smtp_timeout: float = Field(default=20.0, description="SMTP timeout, seconds.")
    smtp_from: str | None = Field(default=None, description="From address of emails; default the adapter's.")
    smtp_domain: str | None = Field(default=None, description="Domain of Message-IDs; default the adapter's.")
    smtp_received_log: Path | None = Field(default=None, description="The sandbox SMTP server's log of received messages "
                                           "(lets the worker tell an interrupted send from a delivered one).")
    letter_dir: Path | None = Field(default=None, description="Where PDF letters are written for the print house; default "
                                    "`<data dir>/outgoing/letters`.")
    payment_provider_url: str | None = Field(default=None, description="Base URL of the payment provider's checkout "
                                             "API (unset: the portal's pay page says paying online is not available).")
    payment_provider_timeout: float = Field(default=10.0, description="Payment provider request timeout, seconds.")
    payment_webhook_secret: str | None = Field(default=None, description="Shared HMAC secret that signs the payment "
                                               "provider's callbacks; without it they are answered 503 (switched off).")
    sandbox_sms_port: int = Field(default=8025, description="Port of the demo's sandbox SMS gateway (`duecare outbox "
                                  "sandbox`).")
    sandbox_smtp_port: int = Field(default=8026, description="Port of the demo's sandbox SMTP server.")
    sandbox_payment_port: int = Field(default=8027, description="Port of the demo's sandbox payment provider "
                                      "(`duecare payments sandbox`).")
    # --- models
    models_dir: Path | None = Field(default=None, description="Registry of trained risk models; default `<data dir>/models`.")
    risk_data: Path | None = Field(default=None, description="Prepared public credit data sets; default "
                                   "`<data dir>/risk-datasets`.")
    asr_model_dir: Path | None = Field(default=None, description="A CTranslate2 Whisper model directory to use instead of "
                                       "the bundled base model.")
    asr_model_sha256: str | None = Field(default=None, description="Expected sha256 of DUECARE_ASR_MODEL_DIR/model.bin.")
    calls_embed: bool = Field(default=True, description="0: switch off the semantic layer of call QA (rules only).")
    call_channels: str = Field(default="agent,borrower", description="Which party each stereo channel of a recording "
                               "carries, left,right.")
    sim_workers: int | None = Field(default=None, ge=1, description="Processes the outcome simulator runs its "
                                    "(strategy, seed) jobs in; default the CPU count, at most 2; 1: in-process.")
    spark_driver_memory: str = Field(default="2g", pattern=r"^[0-9]+[kmgt]?$", description="`duecare run --engine "
                                     "spark`: the Spark driver's memory (spark.driver.memory), e.g. 2g or 8g.")
    # --- people and demo
    staff_id: str | None = Field(default=None, description="Default staff id (`--as`) of `duecare visits` commands.")
    demo: bool = Field(default=False, description="1: a demo or test run (demo clock, on-screen sign-in codes, demo "
                       "controls). Never in production.")
    demo_codes: bool = Field(default=False, description="1: sign-in codes are also shown on the page (demo only).")
    demo_now: str | None = Field(default=None, description="Pins the workflow clock to this ISO time with offset "
                                 "(honoured only with DUECARE_DEMO=1).")
    # --- tests (scripts/with-services.sh sets these)
    test_pg_url: str | None = Field(default=None, description="Tests: the throwaway PostgreSQL cluster's URL (CI fails "
                                    "postgres-marked tests without it).")
    test_pg_socket_dir: Path | None = Field(default=None, description="Tests: socket directory of that cluster.")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """An empty variable means 'use the default', as `os.environ.get(...) or default` did."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data

    @field_validator("ice_servers")
    @classmethod
    def _json_list(cls, value: str) -> str:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError("must be a JSON list, e.g. [{\"urls\": \"stun:turn.example.org:3478\"}]") from None
        if not isinstance(parsed, list):
            raise ValueError("must be a JSON list of ICE servers")
        return value

    @model_validator(mode="after")
    def _derived_paths(self) -> Settings:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'duecare.db'}")
        if self.key_file == Path(""):
            object.__setattr__(self, "key_file", self.data_dir / "keys.json")
        return self

    @classmethod
    def from_env(cls) -> Settings:
        return cls()


def demo_mode() -> bool:
    """True only in a demo or test run (`DUECARE_DEMO=1`): enables pinned clocks and on-screen sign-in codes."""
    s = get_settings()
    return s.demo or s.demo_codes


_parsed: dict[tuple[object, ...], Settings] = {}
_NAMES = tuple(f"DUECARE_{name.upper()}" for name in Settings.model_fields)
_ENCODED = tuple(os.fsencode(name) for name in _NAMES)


def _environment_now() -> tuple[object, ...]:
    """The values of the declared variables, cheaply: settings are read on hot paths (every encrypted value)."""
    data = getattr(os.environ, "_data", None)  # CPython: the encoded mapping that os.environ writes through
    if isinstance(data, dict):
        return tuple(map(data.get, _ENCODED))
    return tuple(map(os.environ.get, _NAMES))


def get_settings() -> Settings:
    """The settings of the environment as it is now (tests change it), parsed once per distinct environment;
    a bad value is a user error that names the variable."""
    key = _environment_now()
    found = _parsed.get(key)
    if found is None:
        try:
            found = Settings()
        except ValidationError as exc:
            problems = "; ".join(f"DUECARE_{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                                 for e in exc.errors())
            raise UserError(f"bad environment: {problems}") from None
        if len(_parsed) > 64:  # a test suite walks through many environments
            _parsed.clear()
        _parsed[key] = found
    return found


def variables_table() -> str:
    """The README's table of every variable (Markdown), from the declarations above."""
    lines = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default in (None, "", Path("")) else f"`{default}`"
        if isinstance(default, bool):
            shown = "`1`" if default else "`0`"
        lines.append(f"| `DUECARE_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(variables_table())
