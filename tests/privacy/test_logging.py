"""No personal data reaches a log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from duecare.privacy.logging import clear_personal, register_personal, setup_logging


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, stream)
    yield logging.getLogger("duecare.test"), stream
    logging.getLogger().removeHandler(handler)
    clear_personal()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TestRedaction:
    def test_lines_are_json_with_extras(self, log: tuple[logging.Logger, io.StringIO]) -> None:
        logger, stream = log
        logger.info("batch done", extra={"loans": 12})
        (line,) = _lines(stream)
        assert line["message"] == "batch done" and line["loans"] == 12 and line["level"] == "info"

    @pytest.mark.parametrize("secret", [
        "13800138000", "+86 138 0013 8000", "(212) 555-0187", "020 7946 0958", "wang.fang@example.com",
        "11010519491231002X",
    ])  # fmt: skip
    def test_patterns_are_masked_in_message_args_and_extras(
        self, log: tuple[logging.Logger, io.StringIO], secret: str
    ) -> None:
        logger, stream = log
        logger.info("calling %s now", secret, extra={"to": secret, "nested": {"list": [secret]}})
        out = stream.getvalue()
        assert secret not in out and "[redacted]" in out

    def test_registered_values_are_masked(self, log: tuple[logging.Logger, io.StringIO]) -> None:
        logger, stream = log
        register_personal("王芳", "上海市浦东新区XX路1号")
        logger.warning("visit for 王芳 at 上海市浦东新区XX路1号")
        assert "王芳" not in stream.getvalue() and "XX路" not in stream.getvalue()

    def test_tracebacks_are_masked(self, log: tuple[logging.Logger, io.StringIO]) -> None:
        logger, stream = log
        try:
            raise ValueError("bad phone 13800138000")
        except ValueError:
            logger.exception("failed")
        assert "13800138000" not in stream.getvalue() and "ValueError" in stream.getvalue()

    def test_ordinary_numbers_and_dates_survive(self, log: tuple[logging.Logger, io.StringIO]) -> None:
        logger, stream = log
        logger.info("loan L0000012345 paid 1200.50 on 2026-11-25 10:00:00, dpd 31")
        assert _lines(stream)[0]["message"] == "loan L0000012345 paid 1200.50 on 2026-11-25 10:00:00, dpd 31"
