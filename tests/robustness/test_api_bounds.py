"""The API answers 4xx, never 5xx, to every out-of-range input of issue 16 (through the whole web app)."""

from __future__ import annotations

import json

import pytest

from .conftest import Client
from .helpers import case

EVALUATE = "/api/v1/decisions:evaluate"


class TestDecisionsEvaluate:
    def test_the_worked_example_is_decided(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").post(EVALUATE, json=case())
        assert r.status_code == 200, r.text
        assert r.json()["decisions"][0]["loan_id"] == "L1"

    @pytest.mark.parametrize("changes", [
        {"loans.0.installments.0.amount": 10**17},
        {"loans.0.installments.0.amount": 2**63},
        {"loans.0.installments.0.amount": "1e17"},
        {"loans.0.installments.0.seq": 10**30},
        {"as_of": "9999-12-31T23:59:59-23:59"},
        {"as_of": "0001-01-01T00:00:00+23:59"},
        {"as_of": "9999-12-31T23:59:59+08:00"},
        {"borrower.timezone": "Factory"},
        {"borrower.id": "x" * 500},
        {"loans.0.installments.0.due_date": 0},
        {"loans": [{"id": f"L{i}"} for i in range(201)]},
    ], ids=lambda c: next(iter(c)) + "=" + str(next(iter(c.values())))[:24])
    def test_an_out_of_range_value_is_a_422(self, signed_in: Client, changes: dict[str, object]) -> None:
        r = signed_in("supervisor", "S1").post(EVALUATE, json=case(**changes))
        assert r.status_code == 422, r.text

    def test_a_body_nested_ten_thousand_levels_is_a_422(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").post(EVALUATE, content="[" * 10_000 + "]" * 10_000,
                                               headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and "nested 10000 levels" in r.text

    def test_a_body_over_the_limit_is_a_413_before_it_is_read(self, signed_in: Client) -> None:
        body = json.dumps(case(loans=[{"id": f"L{i}", "installments": [
            {"seq": 1, "due_date": "2026-01-01", "amount": 1}] * 1} for i in range(60_000)]))
        assert len(body) > 4 * 1024 * 1024
        r = signed_in("supervisor", "S1").post(EVALUATE, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 413

    def test_a_streamed_body_over_the_limit_is_a_413(self, signed_in: Client) -> None:
        def chunks():  # no Content-Length: the size is checked while reading
            yield b'{"as_of": "'
            for _ in range(5):
                yield b"x" * (1024 * 1024)
            yield b'"}'

        r = signed_in("supervisor", "S1").post(EVALUATE, content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413

    def test_a_strategy_name_of_ten_thousand_characters_is_a_422(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").post(EVALUATE + "?strategy=" + "a" * 10_000, json=case())
        assert r.status_code == 422


class TestVisitsAndPrivacyParameters:
    def test_an_unknown_visit_state_is_a_422(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").get("/visits?state=x")
        assert r.status_code == 422

    def test_a_known_visit_state_lists(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").get("/visits?state=approved")
        assert r.status_code == 200 and r.json() == []

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "0", "2026-13-01"])
    def test_a_route_day_out_of_range_is_a_422(self, signed_in: Client, day: str) -> None:
        r = signed_in("supervisor", "S1").get(f"/visit-routes/F1?date={day}")
        assert r.status_code == 422, r.text

    def test_a_route_day_in_range_answers(self, signed_in: Client) -> None:
        assert signed_in("supervisor", "S1").get("/visit-routes/F1?date=2026-11-20").status_code == 200

    @pytest.mark.parametrize("path", ["/privacy/me/requests/{n}"])
    @pytest.mark.parametrize("n", [10**30, 2**63, 2**31, -1, 0])
    def test_a_huge_request_id_of_a_borrower_is_a_404_or_422(self, signed_in: Client, path: str, n: int) -> None:
        r = signed_in("borrower", "B1").get(path.format(n=n))
        assert r.status_code in (404, 422), r.text

    @pytest.mark.parametrize("path", ["/privacy/requests/{n}/deletion", "/privacy/reviews/{n}"])
    def test_a_huge_id_under_privacy_is_a_422(self, signed_in: Client, path: str) -> None:
        client = signed_in("compliance", "C1")
        r = client.post(path.format(n=10**30), data={"outcome": "upheld", "note": "x"})
        assert r.status_code == 422, r.text

    def test_a_huge_outbox_task_id_is_a_422(self, signed_in: Client) -> None:
        r = signed_in("supervisor", "S1").post(f"/contacts/outbox/{10**30}/retry")
        assert r.status_code in (403, 422), r.text


class TestUploads:
    def test_a_file_name_with_a_300_character_extension_is_never_a_path(self, signed_in: Client) -> None:
        name = "call." + "w" * 300
        r = signed_in("supervisor", "S1").post("/api/v1/calls:transcribe", files={"audio": (name, b"RIFF0000")},
                                               data={"as_of": "2026-11-20T10:00:00+08:00"})
        assert r.status_code < 500, r.text

    def test_an_upload_over_the_limit_is_a_413_while_streaming(self, signed_in: Client) -> None:
        boundary = "b0undary"

        def body():  # no Content-Length: 60 MB of a file part, checked while it streams in
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n"
                   "Content-Type: audio/wav\r\n\r\n").encode()
            for _ in range(60):
                yield b"\0" * (1024 * 1024)
            yield f"\r\n--{boundary}--\r\n".encode()

        r = signed_in("supervisor", "S1").post("/api/v1/calls:transcribe", content=body(),
                                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413, r.text


def test_an_unreadable_upload_is_named_without_the_servers_temporary_path(signed_in: Client) -> None:
    r = signed_in("supervisor", "S1").post("/api/v1/calls:transcribe", files={"audio": ("call.wav", b"not audio")},
                                           data={"as_of": "2026-11-20T10:00:00+08:00"})
    assert r.status_code == 422, r.text
    assert "/tmp" not in r.text and "upload.wav" not in r.text and "call.wav" in r.text


def test_an_anonymous_upload_is_refused_before_its_body_is_read() -> None:
    from fastapi.testclient import TestClient

    from duecare.web.limits import BodyLimitMiddleware

    read: list[int] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        read.append(1)

    client = TestClient(BodyLimitMiddleware(app))  # type: ignore[arg-type]
    r = client.post("/api/v1/calls:transcribe", files={"audio": ("a.wav", b"\0" * 1024)})
    assert r.status_code == 401 and read == []
