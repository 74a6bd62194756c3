"""Plan rules: every miss is reported, and the counter-offer is the nearest plan the rules allow."""

from __future__ import annotations

from datetime import date, timedelta

from duecare.portal.plans import Affordability, Instalment, add_months, evaluate, plan_rules

TODAY = date(2026, 11, 28)
RULES = plan_rules()  # min 100, max 12 months, half of what is left after essentials


def monthly(amount: int, n: int, first: date = TODAY + timedelta(days=3)) -> list[Instalment]:
    return [Instalment(add_months(first, i), amount * 100) for i in range(n)]


def test_a_plan_within_every_rule_is_accepted() -> None:
    result = evaluate(monthly(1000, 3), 300_000, TODAY, Affordability(800_000, 300_000, 0), RULES)
    assert result.outcome == "accepted" and result.reasons == []


def test_an_unaffordable_plan_gets_a_counter_offer_within_what_is_affordable() -> None:
    afford = Affordability(500_000, 400_000, 0)  # 1000 left: 500 a month is affordable
    result = evaluate(monthly(1500, 2), 300_000, TODAY, afford, RULES)
    assert result.outcome == "counter_offer" and result.reasons == ["PL03_affordable"]
    assert sum(i.amount_minor for i in result.counter) == 300_000
    assert max(i.amount_minor for i in result.counter) <= afford.monthly_minor(RULES)
    assert len(result.counter) == 6


def test_every_missed_rule_is_reported_not_only_the_first() -> None:
    late = [Instalment(TODAY + timedelta(days=60), 5_000)]
    result = evaluate(late, 300_000, TODAY, Affordability(800_000, 300_000, 0), RULES)
    assert set(result.reasons) == {"PL05_starts_soon", "PL04_covers_overdue", "PL01_min_instalment"}
    assert result.counter and result.counter[0].date == TODAY + timedelta(days=7)


def test_no_affordable_plan_within_the_maximum_term_is_referred_to_a_specialist() -> None:
    result = evaluate(monthly(100, 12), 5_000_000, TODAY, Affordability(300_000, 250_000, 1), RULES)
    assert result.outcome == "referred" and result.counter == []


def test_without_the_questionnaire_the_borrower_is_asked_for_it() -> None:
    result = evaluate(monthly(1000, 3), 300_000, TODAY, None, RULES)
    assert result.outcome == "counter_offer" and "questionnaire_missing" in result.reasons


def test_dependants_reduce_what_is_affordable() -> None:
    assert Affordability(600_000, 300_000, 2).monthly_minor(RULES) == 100_000


def test_contractual_instalments_still_falling_due_count_against_what_is_affordable() -> None:
    afford = Affordability(800_000, 300_000, 0)  # 2500 a month is affordable
    plan = monthly(1000, 3)
    assert evaluate(plan, 300_000, TODAY, afford, RULES).outcome == "accepted"
    # 2000 of contractual instalments fall due in the plan's first month: 1000 + 2000 > 2500
    upcoming = [Instalment(plan[0].date, 200_000)]
    result = evaluate(plan, 300_000, TODAY, afford, RULES, upcoming=upcoming)
    assert result.outcome == "counter_offer" and result.reasons == ["PL03_affordable"]
    assert result.affordable_minor == 50_000  # what is left for a plan once the 2000 are paid
    assert max(i.amount_minor for i in result.counter) <= 50_000 and sum(i.amount_minor for i in result.counter) == 300_000


def test_what_is_free_for_a_plan_is_the_affordable_amount_less_the_largest_committed_month() -> None:
    from duecare.portal.plans import committed_by_month, free_for_plan

    committed = committed_by_month([Instalment(TODAY + timedelta(days=5), 60_000),
                                    Instalment(TODAY + timedelta(days=6), 40_000),
                                    Instalment(add_months(TODAY, 2), 30_000)])
    assert free_for_plan(250_000, committed, TODAY, RULES) == 150_000
    assert free_for_plan(None, committed, TODAY, RULES) is None
