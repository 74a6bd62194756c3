"""Route planning (OR-Tools over haversine distances) and the notice texts of every pack and language."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from duecare.visits.notice import render, to_html, to_pdf
from duecare.visits.routing import Stop, haversine_m, plan_route
from duecare.visits.scope import load_visit_policy

DAY = (9 * 60, 20 * 60)
PLACES = [(31.2304, 121.4737), (31.3000, 121.5000), (31.2000, 121.4400), (31.2500, 121.5500), (31.3500, 121.4000)]


class TestRouting:
    def test_haversine_matches_a_known_distance(self) -> None:
        # Shanghai People's Square to Beijing Tiananmen: about 1,067 km.
        assert 1_060_000 < haversine_m((31.2304, 121.4737), (39.9042, 116.4074)) < 1_075_000

    def test_the_route_is_the_shortest_open_path(self) -> None:
        stops = [Stop(f"V{i}", p, DAY) for i, p in enumerate(PLACES)]
        route = plan_route(stops, 45, 25)
        assert route is not None and sorted(route.order) == sorted(s.key for s in stops)
        best = min(sum(haversine_m(a, b) for a, b in itertools.pairwise(perm))
                   for perm in itertools.permutations(PLACES))
        assert route.distance_m == best

    def test_arrivals_respect_every_window(self) -> None:
        stops = [Stop("late", PLACES[0], (14 * 60, 15 * 60)), Stop("early", PLACES[1], (9 * 60, 10 * 60))]
        route = plan_route(stops, 45, 25)
        assert route is not None and route.order == ["early", "late"]
        assert 9 * 60 <= route.arrivals["early"] <= 10 * 60 and 14 * 60 <= route.arrivals["late"] <= 15 * 60

    def test_no_route_when_two_windows_cannot_both_be_met(self) -> None:
        stops = [Stop("a", PLACES[0], (600, 610)), Stop("b", PLACES[4], (600, 610))]
        assert plan_route(stops, 45, 25) is None


class TestNotice:
    @pytest.mark.parametrize("pack,lang", list(itertools.product(["cn", "us", "uk"], ["zh", "en"])))
    def test_every_pack_and_language_renders_all_sections(self, pack: str, lang: str) -> None:
        doc = render(pack=pack, language=lang, policy=load_visit_policy(), notice_id="N1", loan_id="L1",
                     borrower_name="王芳", sent_on=date(2026, 11, 25))
        headings = [line for line in doc.text.splitlines() if line.startswith("## ")]
        assert len(headings) == 13  # who we are, who visits, purpose, ask, never, recording, outcome, consent,
        # decline/withdraw/silence, how to answer, personal information, rights, complaints and free help
        assert to_pdf(doc.text).startswith(b"%PDF")
        assert "<h1>" in to_html(doc.text, doc.language)

    def test_cn_notice_names_pipl_articles_44_to_47_and_the_complaint_line(self) -> None:
        doc = render(pack="cn", language="zh", policy=load_visit_policy(), notice_id="N1", loan_id="L1",
                     borrower_name="王芳", sent_on=date(2026, 11, 25))
        for article in ("第四十四条", "第四十五条", "第四十六条", "第四十七条", "12348"):
            assert article in doc.text
        assert "拒绝不会带来任何惩罚" in doc.text

    def test_the_hash_pins_the_exact_text(self) -> None:
        policy = load_visit_policy()
        a = render(pack="uk", language="en", policy=policy, notice_id="N1", loan_id="L1", borrower_name="Ann",
                   sent_on=date(2026, 11, 25))
        b = render(pack="uk", language="en", policy=policy, notice_id="N1", loan_id="L1", borrower_name="Ann",
                   sent_on=date(2026, 11, 25))
        c = render(pack="uk", language="en", policy=policy, notice_id="N2", loan_id="L1", borrower_name="Ann",
                   sent_on=date(2026, 11, 25))
        assert a.version_hash == b.version_hash != c.version_hash
        assert a.template_version == c.template_version

    def test_html_escapes_the_borrowers_name(self) -> None:
        doc = render(pack="us", language="en", policy=load_visit_policy(), notice_id="N1", loan_id="L1",
                     borrower_name="<script>x</script>", sent_on=date(2026, 11, 25))
        assert "<script>" not in to_html(doc.text, "en")
