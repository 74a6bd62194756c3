"""What borrowers do: outcomes of the engine's chosen actions and the borrower's own events, drawn from the true
segment with the parameters of params.yaml. Vector operations over the day's borrowers; one seeded Generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from duecare.ledger.enums import AlternativeKind
from duecare.simulate.params import Params
from duecare.simulate.world import US_PER_DAY, State, event_frame, utc

HOUR_US = 3_600_000_000
CALLS = ("call", "specialist_review")
MESSAGES = {"sms_reminder": "sms", "email_notice": "email"}


# One uniform per borrower, day and purpose (slot): the same borrower on the same day meets the same chance
# whatever the strategy did before (common random numbers), so strategy differences are not drowned in noise.
SLOTS = ("call", "call_pay", "promise_days", "promise_keep", "message", "message_pay", "notice", "consent",
         "consent_delay", "withdraw", "withdraw_delay", "approval", "door", "refused", "visit_pay", "visit_complaint",
         "self_cure", "inbound", "inbound_pay", "cure_pay", "onset", "hardship_length", "full", "complaint",
         "disclose", "scheduled", "alt_kind", "alt_verified", "alt_delay", "alt_pay")
SLOT = {name: i for i, name in enumerate(SLOTS)}  # new slots go last: earlier slots keep their draws
# The remote alternatives a visit notice offers (visits/standard.alternatives.yaml `offered`, in that order).
ALTERNATIVE_KINDS = tuple(k.value for k in AlternativeKind)


@dataclass(frozen=True)
class Day:
    t: int
    as_of_us: int
    start: date
    uniforms: np.ndarray
    params: Params
    segment: np.ndarray
    lawful: bool

    def u(self, slot: str, bi: np.ndarray | None = None) -> np.ndarray:
        row: np.ndarray = self.uniforms[SLOT[slot]]
        return row if bi is None else row[bi]

    def integers(self, slot: str, bi: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """lo..hi inclusive from the slot's uniform."""
        out: np.ndarray = lo + np.minimum((self.u(slot, bi) * (hi - lo + 1)).astype(np.int64), hi - lo)
        return out


def day_uniforms(seed: int, t: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, 19, t]).random((len(SLOTS), n))


@dataclass
class Ledger:
    """Running counts of what was done and what came of it."""

    sms: int = 0
    email: int = 0
    letters: int = 0
    call_attempts: int = 0
    call_rpc: int = 0
    specialist: int = 0
    visits: int = 0
    visits_reachable_or_vulnerable: int = 0
    complaints: int = 0
    promises: int = 0
    pre_due_reminders: int = 0
    notices: int = 0
    consents_granted: int = 0
    alternatives_chosen: int = 0
    alternatives_verified: int = 0
    video_calls: int = 0
    recovered_minor: int = 0
    # installments falling due in the horizon: not paid by the due date (they went overdue); paid by it after a
    # pre-due reminder; and of those, the ones the same borrower on the same draw would not have paid by the due
    # date without the reminder (common random numbers: the reminder's own effect)
    fell_overdue_minor: int = 0
    paid_at_due_after_reminder_minor: int = 0
    prevented_overdue_minor: int = 0
    visit_rows: list[pl.DataFrame] = field(default_factory=list)
    # per borrower row: what they paid while in arrears (minor units), for the analysis of who is recovered
    recovered_by: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def credit(self, bi: np.ndarray, amounts: np.ndarray) -> None:
        amounts = np.asarray(amounts, dtype=np.int64)
        self.recovered_minor += int(amounts.sum())
        if self.recovered_by.shape[0]:
            np.add.at(self.recovered_by, bi, amounts)

    def contacts(self) -> int:
        return self.sms + self.email + self.call_attempts + self.specialist

    def cost(self, p: Params) -> float:
        minutes = self.call_rpc * p["call_minutes_rpc"] + (self.call_attempts - self.call_rpc) * p["call_minutes_attempt"]
        return float(self.sms * p["cost_sms"] + self.email * p["cost_email"] + self.letters * p["cost_letter"]
                     + (minutes + self.specialist * p["specialist_minutes"]) * p["cost_call_minute"]
                     + self.alternatives_verified * p["alternative_minutes"] * p["cost_call_minute"]
                     + self.video_calls * p["alternative_minutes"] * p["cost_video_minute"]
                     + self.visits * p["cost_visit"])

    def cumulative(self) -> dict[str, Any]:
        return {"recovered": self.recovered_minor / 100, "visits": self.visits, "complaints": self.complaints,
                "contacts": self.contacts()}

    def metrics(self, p: Params, state: State) -> dict[str, float]:
        ever = max(int(state.ever_arrears.sum()), 1)
        cost = self.cost(p)
        recovered = self.recovered_minor / 100
        return {
            "recovered": recovered, "cost": cost, "net_recovery": recovered - cost,
            "visits": float(self.visits), "visits_reachable_or_vulnerable": float(self.visits_reachable_or_vulnerable),
            "complaints": float(self.complaints),
            "time_to_cure_days": float(np.mean(state.cure_days)) if state.cure_days else float("nan"),
            "cure_rate": float(state.cured.sum()) / ever,
            "known_without_visit_share": float((state.known_remote & state.ever_arrears).sum()) / ever,
            "contacts_per_borrower": self.contacts() / ever,
            "borrowers_in_arrears": float(ever), "sms": float(self.sms), "emails": float(self.email),
            "call_attempts": float(self.call_attempts), "right_party_calls": float(self.call_rpc),
            "specialist_calls": float(self.specialist), "letters": float(self.letters),
            "video_calls": float(self.video_calls), "alternatives_chosen": float(self.alternatives_chosen),
            "alternatives_verified": float(self.alternatives_verified), "promises": float(self.promises), "pre_due_reminders": float(self.pre_due_reminders),
            "visit_notices": float(self.notices),
            "consents_granted": float(self.consents_granted),
            "entered_arrears": float(state.entered_arrears.sum()), "arrears_days": float(state.arrears_days),
            "fell_overdue": self.fell_overdue_minor / 100,
            "paid_at_due_after_reminder": self.paid_at_due_after_reminder_minor / 100,
            "prevented_overdue": self.prevented_overdue_minor / 100,
        }

    def visit_frame(self) -> pl.DataFrame:
        return pl.concat(self.visit_rows) if self.visit_rows else pl.DataFrame(
            schema={"day": pl.Int64, "bi": pl.Int64, "segment": pl.Int8, "consent_state": pl.String,
                    "reachable": pl.Boolean, "vulnerable": pl.Boolean, "gate_unmet": pl.Int64,
                    "unmet": pl.List(pl.String), "steps_unmet": pl.List(pl.String), "met": pl.Boolean})


def _hardship_factor(state: State, bi: np.ndarray, p: Params) -> np.ndarray:
    return np.where(state.in_hardship[bi], float(p["hardship_pay_factor"]), 1.0)


def _disclose(day: Day, state: State, bi: np.ndarray) -> None:
    """At a right-party contact a borrower in hardship may tell the lender: a hardship review opens."""
    p = day.params
    tells = state.in_hardship[bi] & (day.u("disclose", bi) < float(p["hardship_disclose_p"]))
    who = bi[tells]
    state.hardship_open_until[who] = np.minimum(state.hardship_end[who], day.t + int(p["hardship_review_days"]))


def _contacts(rows: pl.DataFrame, channel: str | pl.Series, outcome: np.ndarray, direction: str = "outbound",
              at: pl.Series | None = None) -> pl.DataFrame:
    return event_frame("contacts", borrower_id=rows["borrower_id"], loan_id=rows["loan_id"],
                       at=rows["not_before"] if at is None else at, channel=channel, direction=direction,
                       outcome=pl.Series(outcome, dtype=pl.String))


def act(day: Day, state: State, chosen: pl.DataFrame, ledger: Ledger) -> np.ndarray:
    """Carry out each borrower's chosen action whose lawful moment falls before the next decision; returns the
    borrowers prompted to pay today."""
    p, seg, t = day.params, day.segment, day.t
    state.ring[t % 7] = 0
    pay = np.zeros(state.n, dtype=bool)
    nb = chosen["not_before"].dt.epoch("us").to_numpy()
    go = chosen.filter(pl.Series(nb < day.as_of_us + US_PER_DAY)).with_columns(
        hour=(pl.col("as_of_local") + (pl.col("not_before") - pl.col("as_of_utc"))).dt.hour().cast(pl.Int64))

    # A specialist review is worked by a person, not redialled daily: a specialist calls when the borrower had
    # no outbound contact in the last 7 days.
    quiet = pl.Series(state.ring.sum(axis=0)[go["bi"].to_numpy()] == 0)
    calls = go.filter((go["action"] == "call") | ((go["action"] == "specialist_review") & quiet))
    if calls.height:
        bi = calls["bi"].to_numpy()
        s = seg[bi]
        factor = np.asarray(p["call_hour_factor"], dtype=np.float64)[np.clip(calls["hour"].to_numpy() - 8, 0, 13)]
        probs = np.stack([p.seg(k)[s] for k in ("call_ptp_p", "call_rpc_p", "call_refused_p", "call_dispute_p")])
        edges = np.cumsum(np.clip(probs * factor, 0, 1), axis=0)
        u = day.u("call", bi)
        code = (u[None, :] >= edges).sum(axis=0)  # 0 ptp, 1 rpc, 2 refused, 3 dispute, 4 no answer
        outcome = np.array(["ptp", "rpc", "refused", "dispute", "no_answer"])[code]
        state.add("contacts", _contacts(calls, "call", outcome))
        specialist = (calls["action"] == "specialist_review").to_numpy()
        reached = code < 4
        ledger.call_attempts += int((~specialist).sum())
        ledger.call_rpc += int((reached & ~specialist).sum())
        ledger.specialist += int(specialist.sum())
        state.ring[t % 7, bi] += 1
        state.known_remote[bi[reached]] = True
        _disclose(day, state, bi[reached])
        state.dispute_until[bi[code == 3]] = t + int(p["dispute_days"])
        prompted = (code == 1) & (day.u("call_pay", bi) < p.seg("rpc_pay_p")[s] * _hardship_factor(state, bi, p))
        pay[bi[prompted]] = True
        _promise(day, state, calls.filter(pl.Series(code == 0)), ledger)

    messages = go.filter(pl.col("action").is_in(list(MESSAGES)))
    if messages.height:
        bi = messages["bi"].to_numpy()
        s = seg[bi]
        u = day.u("message", bi)
        reply = u < p.seg("message_reply_p")[s]
        delivered = u < p.seg("message_delivered_p")[s]
        outcome = np.where(reply, "rpc", np.where(delivered, "delivered", "undelivered"))
        channel = messages["action"].replace_strict(MESSAGES, return_dtype=pl.String)
        state.add("contacts", _contacts(messages, channel, outcome))
        is_sms = (channel == "sms").to_numpy()
        ledger.sms += int(is_sms.sum())
        ledger.email += int((~is_sms).sum())
        state.ring[t % 7, bi] += 1
        state.known_remote[bi[reply]] = True
        _disclose(day, state, bi[reply])
        prompted = delivered & (day.u("message_pay", bi) < p.seg("reminder_pay_p")[s] * _hardship_factor(state, bi, p))
        pay[bi[prompted]] = True
        # A reminder before the due date (nothing overdue yet): remembered for the installments falling due soon.
        pre_due = (messages["dpd"] == 0).fill_null(False).to_numpy()
        ledger.pre_due_reminders += int(pre_due.sum())
        state.reminded_on[bi[pre_due & delivered]] = t

    _notices(day, state, go.filter(pl.col("action") == "visit_notice"), ledger)
    _approvals(day, state, go.filter(pl.col("action") == "visit_approval"))
    pay |= _visits(day, state, go.filter(pl.col("action") == "visit_schedule"), ledger)
    validation = go.filter(pl.col("action") == "validation_notice")
    if validation.height:
        ledger.letters += validation.height
        state.add("notices", event_frame("notices", notice_id="SIM-V" + str(t) + "-" + validation["loan_id"],
                                         borrower_id=validation["borrower_id"], loan_id=validation["loan_id"],
                                         kind="validation_notice", sent_at=validation["not_before"]))
    return pay


def _promise(day: Day, state: State, rows: pl.DataFrame, ledger: Ledger) -> None:
    """A promise to pay: recorded for the engine (it holds collection until its date); kept or not is drawn now."""
    if not rows.height:
        return
    p = day.params
    bi = rows["bi"].to_numpy()
    lo, hi = (int(x) for x in p["promise_days"])
    k = day.integers("promise_days", bi, lo, hi)
    kept = day.u("promise_keep", bi) < p.seg("promise_keep_p")[day.segment[bi]]
    amount = rows["overdue_minor"].fill_null(0)
    promised = pl.Series(rows["today"].to_physical().to_numpy().astype(np.int64) + k).cast(pl.Int32).cast(pl.Date)
    state.add("promises", event_frame("promises", borrower_id=rows["borrower_id"], loan_id=rows["loan_id"],
                                      promised_date=promised, amount_minor=amount, status="open"))
    ledger.promises += rows.height
    state.pending_pay = pl.concat([state.pending_pay, pl.DataFrame(
        {"day": day.t + k[kept], "loan_id": rows["loan_id"].filter(pl.Series(kept)),
         "amount_minor": amount.filter(pl.Series(kept))}, schema=state.pending_pay.schema)])


def _notices(day: Day, state: State, rows: pl.DataFrame, ledger: Ledger) -> None:
    """A visit notice (letter): recorded; whether it arrives and how the borrower answers is drawn now, the answer
    recorded on its day (consent, decline, or a later withdrawal)."""
    if not rows.height:
        return
    p, t = day.params, day.t
    bi = rows["bi"].to_numpy()
    ids = "SIM-N" + str(t) + "-" + rows["loan_id"]
    state.add("notices", event_frame("notices", notice_id=ids, borrower_id=rows["borrower_id"],
                                     loan_id=rows["loan_id"], kind="visit_notice", sent_at=rows["not_before"]))
    received = day.u("notice", bi) < p.seg("notice_received_p")[day.segment[bi]]
    state.add("contacts", _contacts(rows, "letter", np.where(received, "delivered", "undelivered")))
    ledger.letters += rows.height
    ledger.notices += rows.height
    u = day.u("consent", bi)
    granted = received & (u < float(p["consent_granted_p"]))
    declined = received & ~granted & (u < float(p["consent_granted_p"]) + float(p["consent_declined_p"]))
    lo, hi = (int(x) for x in p["consent_delay_days"])
    when = t + day.integers("consent_delay", bi, lo, hi)
    withdraw = granted & (day.u("withdraw", bi) < float(p["consent_withdraw_p"]))
    later = when + day.integers("withdraw_delay", bi, 1, 3)
    answered = granted | declined
    _choose_alternative(day, state, rows, received & ~answered & (u < float(p["consent_granted_p"])
                                                                + float(p["consent_declined_p"])
                                                                + float(p["alternative_choose_p"])), when)
    decision = np.where(granted, "granted", "declined")
    parts = [pl.DataFrame({"day": when[answered], "borrower_id": rows["borrower_id"].filter(pl.Series(answered)),
                           "decision": decision[answered], "notice_id": ids.filter(pl.Series(answered))}),
             pl.DataFrame({"day": later[withdraw], "borrower_id": rows["borrower_id"].filter(pl.Series(withdraw)),
                           "decision": np.full(int(withdraw.sum()), "withdrawn"),
                           "notice_id": ids.filter(pl.Series(withdraw))})]
    state.pending_consent = pl.concat([state.pending_consent, *[x.cast(state.pending_consent.schema)
                                                                 for x in parts]])


def _choose_alternative(day: Day, state: State, rows: pl.DataFrame, chooses: np.ndarray, when: np.ndarray) -> None:
    """Borrowers who answer the notice by choosing one of the remote alternatives it offers (on the day they would
    have answered): which one, and whether and when a person verifies it, is drawn now."""
    if not chooses.any():
        return
    p = day.params
    bi = rows["bi"].to_numpy()[chooses]
    shares = np.asarray(p["alternative_kind_shares"], dtype=np.float64)
    kind = np.minimum((day.u("alt_kind", bi)[:, None] >= np.cumsum(shares / shares.sum())[None, :]).sum(axis=1),
                      len(ALTERNATIVE_KINDS) - 1)
    verified = day.u("alt_verified", bi) < p.seg("alternative_verified_p")[day.segment[bi]]
    lo, hi = (int(x) for x in p["alternative_verify_days"])
    chosen_on = when[chooses]
    verify_day = np.where(verified, chosen_on + day.integers("alt_delay", bi, lo, hi), -1)
    state.pending_alt = pl.concat([state.pending_alt, pl.DataFrame(
        {"day": chosen_on, "verify_day": verify_day, "bi": bi.astype(np.int64),
         "borrower_id": rows["borrower_id"].filter(pl.Series(chooses)),
         "loan_id": rows["loan_id"].filter(pl.Series(chooses)),
         "kind": np.asarray(ALTERNATIVE_KINDS)[kind]}, schema=state.pending_alt.schema)])


def _alternatives(day: Day, state: State, pay: np.ndarray, ledger: Ledger) -> None:
    """The day's remote alternatives: those chosen today are recorded (state `chosen`: the visit waits); those a
    person verifies today become `verified` (the visit need is closed), the situation is known without a visit,
    a borrower in hardship tells, and the borrower may pay (`alternative_pay_p`)."""
    p, t = day.params, day.t
    at = utc(np.full(1, day.as_of_us + 3 * HOUR_US))[0]
    chosen = state.pending_alt.filter(pl.col("day") == t)
    if chosen.height:
        ledger.alternatives_chosen += chosen.height
        state.add("alternatives", event_frame("alternatives", borrower_id=chosen["borrower_id"],
                                              loan_id=chosen["loan_id"], kind=chosen["kind"], state="chosen",
                                              chosen_at=pl.Series([at] * chosen.height),
                                              completed_at=pl.Series([None] * chosen.height,
                                                                     dtype=pl.Datetime("us", "UTC"))))
    done = state.pending_alt.filter(pl.col("verify_day") == t)
    state.pending_alt = state.pending_alt.filter((pl.col("day") > t) | (pl.col("verify_day") > t))
    if not done.height:
        return
    # the borrower's open alternative (recorded on an earlier day: the verification comes days after the choice)
    alts = state.frames["alternatives"]
    hit = alts["borrower_id"].is_in(done["borrower_id"].implode()) & (alts["state"] == "chosen")
    state.frames["alternatives"] = alts.with_columns(
        state=pl.when(hit).then(pl.lit("verified")).otherwise(pl.col("state")),
        completed_at=pl.when(hit).then(pl.lit(at)).otherwise(pl.col("completed_at")))
    bi = done["bi"].to_numpy()
    s = day.segment[bi]
    ledger.alternatives_verified += done.height
    ledger.video_calls += int((done["kind"] == "video").sum())
    state.known_remote[bi] = True
    _disclose(day, state, bi)
    prompted = day.u("alt_pay", bi) < p.seg("alternative_pay_p")[s] * _hardship_factor(state, bi, p)
    pay[bi[prompted]] = True


def _approvals(day: Day, state: State, rows: pl.DataFrame) -> None:
    """A supervisor (not the system) approves or rejects the consented visit."""
    if not rows.height:
        return
    ok = day.u("approval", rows["bi"].to_numpy()) < float(day.params["approval_p"])
    state.add("approvals", event_frame("approvals", borrower_id=rows["borrower_id"], notice_id=rows["notice_id"],
                                       decision=pl.Series(np.where(ok, "approved", "rejected")),
                                       at=rows["not_before"] + timedelta(hours=1)))


def _visits(day: Day, state: State, rows: pl.DataFrame, ledger: Ledger) -> np.ndarray:
    """Visits happen at their lawful moment; who is met, who refuses, who pays and who complains is drawn."""
    pay = np.zeros(state.n, dtype=bool)
    if not rows.height:
        return pay
    p = day.params
    bi = rows["bi"].to_numpy()
    s = day.segment[bi]
    consented = (rows["consent_state"] == "granted").to_numpy()
    reachable = rows["rpc_recent"].fill_null(False).to_numpy()
    vulnerable = rows["vulnerable"].fill_null(False).to_numpy()
    ledger.visits += rows.height
    ledger.visits_reachable_or_vulnerable += int((reachable | vulnerable).sum())
    door = day.u("door", bi) < np.where(consented, float(p["visit_door_p_consented"]),
                                              float(p["visit_door_p_unannounced"]))
    refused = door & (day.u("refused", bi) < float(p["visit_refused_p"]))
    met = door & ~refused
    outcome = np.where(refused, "refused", np.where(met, "rpc", "no_answer"))
    state.add("visits", event_frame("visits", borrower_id=rows["borrower_id"], loan_id=rows["loan_id"],
                                    status="completed", at=rows["not_before"], outcome=pl.Series(outcome)))
    state.add("contacts", _contacts(rows, "visit", outcome))
    state.visited[bi] = True
    _disclose(day, state, bi[met])
    prompted = met & (day.u("visit_pay", bi) < p.seg("visit_pay_p")[s] * _hardship_factor(state, bi, p))
    pay[bi[prompted]] = True
    complaint = day.u("visit_complaint", bi) < np.where(consented, float(p["complaint_visit_consented_p"]),
                                                   float(p["complaint_visit_unconsented_p"]))
    ledger.complaints += int(complaint.sum())
    ledger.visit_rows.append(pl.DataFrame({
        "day": np.full(bi.shape[0], day.t), "bi": bi.astype(np.int64), "segment": s.astype(np.int8), "consent_state": rows["consent_state"],
        "reachable": reachable, "vulnerable": vulnerable,
        "gate_unmet": rows["visit_unmet"].list.len().cast(pl.Int64),
        # what the lawful gate said of this visit (the counterfactual's own gate is only its threshold and limit)
        "unmet": rows["lawful_unmet"] if "lawful_unmet" in rows.columns else rows["visit_unmet"],
        "steps_unmet": rows["lawful_steps_unmet"] if "lawful_steps_unmet" in rows.columns
        else pl.Series([[]] * bi.shape[0], dtype=pl.List(pl.String)),
        "met": met}))
    return pay


def borrower_events(day: Day, state: State, decisions: pl.DataFrame, due_today: pl.DataFrame, pay: np.ndarray,
                    ledger: Ledger) -> None:
    """The borrower's own day: self-cure, calling in, hardship onset and end, kept promises, answers to notices,
    installments paid on schedule, the payments prompted today, and complaints."""
    p, seg, t = day.params, day.segment, day.t
    n = state.n
    arrears = state.arrears
    hf = _hardship_factor(state, np.arange(n), p)
    pay |= arrears & (day.u("self_cure") < p.seg("self_cure_p")[seg] * hf)
    inbound = arrears & (day.u("inbound") < p.seg("inbound_p")[seg])
    if inbound.any():
        who = np.flatnonzero(inbound)
        rows = decisions.filter(pl.col("bi").is_in(who.tolist())).unique(subset="bi", keep="first", maintain_order=True)
        at = utc(np.full(rows.height, day.as_of_us + 5 * HOUR_US))
        state.add("contacts", _contacts(rows.with_columns(loan_id=pl.lit(None, pl.String)), "call",
                                        np.full(rows.height, "rpc"), direction="inbound", at=at))
        state.known_remote[who] = True
        _disclose(day, state, who)
        pay[who[day.u("inbound_pay", who) < p.seg("rpc_pay_p")[seg[who]] * hf[who]]] = True
    _alternatives(day, state, pay, ledger)
    ended = state.in_hardship & (state.hardship_end == t)
    state.in_hardship &= ~ended
    pay |= ended & arrears & (day.u("cure_pay") < float(p["hardship_cure_pay_p"]))
    onset = ~state.in_hardship & (day.u("onset") < p.seg("hardship_onset_p")[seg])
    state.in_hardship |= onset
    q = 1 / float(p["hardship_days"])
    length = np.ceil(np.log1p(-day.u("hardship_length")[onset] * (1 - 1e-12)) / np.log1p(-q)).astype(np.int64)
    state.hardship_end[onset] = t + np.maximum(length, 1)

    paid_at = day.as_of_us + int(float(p["payment_delay_hours"]) * HOUR_US)
    # A kept promise pays what it named, never more than is still overdue on the loan today, and not on top of
    # a payment the borrower makes today anyway (which clears the arrears).
    kept = (state.pending_pay.filter(pl.col("day") == t)
            .join(decisions.select("loan_id", "overdue_minor", "bi"), on="loan_id", how="inner")
            .with_columns(amount_minor=pl.min_horizontal("amount_minor", "overdue_minor")))
    kept = kept.filter((kept["amount_minor"] > 0) & pl.Series(~pay[kept["bi"].to_numpy()])).select(
        "day", "loan_id", "amount_minor", "bi")
    state.pending_pay = state.pending_pay.filter(pl.col("day") != t)
    answers = state.pending_consent.filter(pl.col("day") == t)
    state.pending_consent = state.pending_consent.filter(pl.col("day") != t)
    if answers.height:
        ledger.consents_granted += int((answers["decision"] == "granted").sum())
        state.add("consents", event_frame("consents", borrower_id=answers["borrower_id"], purpose="home_visit",
                                          decision=answers["decision"], notice_id=answers["notice_id"],
                                          at=utc(np.full(answers.height, day.as_of_us + 3 * HOUR_US))))
    bi_due = due_today["bi"].to_numpy()
    on_time_p = p.seg("scheduled_on_time_p")[seg[bi_due]]
    reminded = t - state.reminded_on[bi_due] <= int(p["pre_due_reminder_days"])
    base_p = on_time_p
    on_time_p = np.where(reminded, on_time_p + (1 - on_time_p) * p.seg("pre_due_reminder_on_time_p")[seg[bi_due]],
                         on_time_p)
    able = ~state.in_hardship[bi_due] & ~((p.seg("stops_paying_in_arrears")[seg[bi_due]] > 0) & arrears[bi_due])
    u_due = day.u("scheduled", bi_due)
    on_time = (u_due < on_time_p) & able
    scheduled = due_today.filter(pl.Series(on_time))
    due_amount = due_today["amount_minor"].to_numpy().astype(np.int64)
    ledger.fell_overdue_minor += int(due_amount[~on_time].sum())
    ledger.paid_at_due_after_reminder_minor += int(due_amount[on_time & reminded].sum())
    ledger.prevented_overdue_minor += int(due_amount[on_time & reminded & (u_due >= base_p)].sum())
    late = pl.Series(arrears[bi_due[on_time]])
    ledger.credit(scheduled.filter(late)["bi"].to_numpy(), scheduled.filter(late)["amount_minor"].to_numpy())
    prompted = decisions.filter(pl.Series(pay[decisions["bi"].to_numpy()]) & (pl.col("overdue_minor") > 0))
    full = day.u("full") < p.seg("full_payment_p")[seg]
    share = np.where(full, 1.0, float(p["partial_share"]))[prompted["bi"].to_numpy()]
    amount = np.maximum(1, np.round(prompted["overdue_minor"].to_numpy() * share)).astype(np.int64)
    ledger.credit(prompted["bi"].to_numpy(), amount)
    ledger.credit(kept["bi"].to_numpy(), kept["amount_minor"].to_numpy())
    loans = pl.concat([prompted["loan_id"], kept["loan_id"], scheduled["loan_id"]])
    amounts = np.concatenate([amount, kept["amount_minor"].to_numpy(), scheduled["amount_minor"].to_numpy()])
    if loans.len():
        state.add("payments", event_frame("payments", loan_id=loans, amount_minor=amounts,
                                          paid_at=utc(np.full(loans.len(), paid_at))))

    out_today = state.ring[t % 7].astype(np.float64)
    pressure = np.where(state.ring.sum(axis=0) > int(p["complaint_pressure_contacts"]),
                        float(p["complaint_pressure_factor"]), 1.0)
    chance = np.where(arrears, float(p["complaint_base_p"]), 0.0) \
        + out_today * float(p["complaint_per_contact_p"]) * pressure
    ledger.complaints += int((day.u("complaint") < chance).sum())
