"""Readable labels for the codes pages show (actions, reasons, outcomes, ...), as English message ids that
the catalogs translate. `N_` marks a string for extraction without translating it here."""

from __future__ import annotations

from duecare.kit.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "action": {
        "none": N_("No action"), "sms_reminder": N_("SMS reminder"), "email_notice": N_("Email notice"),
        "call": N_("Call"), "visit_notice": N_("Send visit notice"), "visit_approval": N_("Visit approval"),
        "visit_schedule": N_("Schedule visit"), "legal_review": N_("Legal review"),
        "specialist_review": N_("Specialist review"), "hold": N_("Hold"),
        "validation_notice": N_("Validation notice (letter)"),
    },
    "action_borrower": {
        "none": N_("Nothing is planned: your account is up to date."),
        "sms_reminder": N_("We will send you a short repayment reminder by SMS."),
        "email_notice": N_("We will send you a repayment reminder by email."),
        "call": N_("A member of our team may call you to talk about repayment and the help available."),
        "visit_notice": N_("We may send you a notice about a possible home visit. A visit only happens if you agree."),
        "visit_approval": N_("A supervisor will check whether a home visit you agreed to is appropriate."),
        "visit_schedule": N_("A home visit you agreed to may be scheduled. You can withdraw your consent at any time."),
        "legal_review": N_("Your account will be reviewed by our legal team. You can still propose a plan."),
        "specialist_review": N_("A specialist will look at your situation and contact you gently."),
        "hold": N_("Collection is paused for your account."),
        "validation_notice": N_("We will send you a letter with the details of the debt and how to dispute it."),
    },
    "reason": {
        "deceased": N_("The borrower has died"), "bankrupt": N_("Bankruptcy"),
        "dispute_open": N_("A dispute is open"), "attorney_only": N_("Represented by a lawyer"),
        "vulnerable": N_("Needs special care"), "hardship_review": N_("Hardship under review"),
        "ptp_pending": N_("A promise to pay is open"), "pre_due_high_risk": N_("Payment due soon"),
        "current": N_("Up to date"), "early_arrears_reminder": N_("A few days overdue"),
        "arrears_call": N_("Overdue: a call may help"), "visit_notice_required": N_("A visit notice is required first"),
        "notice_period_running": N_("Notice period still running"), "consent_declined": N_("Visit consent declined"),
        "consent_withdrawn": N_("Visit consent withdrawn"),
        "no_consent_after_notice": N_("No reply to the visit notice"), "awaiting_consent": N_("Waiting for consent"),
        "approval_required": N_("Supervisor approval required"), "visit_approved": N_("Visit approved"),
        "serious_arrears_call": N_("Long overdue: a call may help"),
        "validation_notice_due": N_("A validation notice is due"),
        "channel_refused": N_("The borrower refused this channel"),
        "preferred_hours_unlawful": N_("The borrower's preferred hours fall outside lawful hours"),
        "workplace_contact_barred": N_("This channel reaches the borrower at work, where contact is barred"),
        "third_party_objected": N_("A third party reached on this channel objected to being contacted"),
        "third_party_while_reachable": N_("This number reaches a third party the borrower named; they may be "
                                          "called only once the borrower is out of reach"),
        "third_party_asked_once": N_("This number reaches a third party the borrower named, who was already asked "
                                     "once how to reach the borrower; they are not called again"),
    },
    "unmet": {
        "dpd_below_threshold": N_("Not overdue long enough"), "too_few_episodes": N_("Overdue fewer than two times"),
        "reachable": N_("Reachable by phone, SMS or email"),
        "remote_channels_not_exhausted": N_("Remote channels not yet exhausted"), "hold_active": N_("A hold is active"),
        "vulnerable": N_("Needs special care"), "amount_below_minimum": N_("Amount below the minimum"),
        "visit_limit_reached": N_("Visit limit reached"), "notice_not_sent": N_("Notice not sent"),
        "notice_period_running": N_("Notice period still running"), "consent_missing": N_("No consent yet"),
        "consent_declined": N_("Consent declined"), "consent_withdrawn": N_("Consent withdrawn"),
        "approval_missing": N_("No supervisor approval"),
        "visit_refused_recently": N_("The borrower refused a visit recently"),
        "alternative_in_progress": N_("The borrower chose a remote alternative to a visit"),
        "verified_remotely": N_("The borrower's situation was verified remotely"),
        "payment_since_notice": N_("A payment arrived since the notice"),
        "rpc_since_notice": N_("The borrower was reached since the notice"),
    },
    # Disclosures an agent makes on a call (speech/qa.py DISCLOSURE_CODES), shown when one was never made.
    "disclosure": {"agent_identity": N_("The agent's name and company"),
                   "call_purpose": N_("The purpose of the call (collecting a debt)"),
                   "recording_notice": N_("That the call is recorded")},
    "bucket": {"current": N_("Current"), "1-30": "M1 (1-30)", "31-60": "M2 (31-60)", "61-90": "M3 (61-90)",
               "91-180": "M4-M6 (91-180)", "181+": "M6+ (181+)"},
    "outcome": {
        "rpc": N_("Spoke to the borrower"), "ptp": N_("Promise to pay"), "refused": N_("Refused to pay"),
        "dispute": N_("Disputes the debt"), "no_answer": N_("No answer"), "busy": N_("Busy"),
        "voicemail": N_("Voicemail"), "invalid": N_("Invalid number"), "third_party": N_("Third party answered"),
        "delivered": N_("Delivered"), "undelivered": N_("Not delivered"),
    },
    # How a borrower's situation became known (console/dashboards.py, investigation cycle time).
    "route": {"call": N_("Right-party call"), "questionnaire": N_("Hardship questionnaire"),
              "documents": N_("Documents"), "video": N_("Video call"), "phone": N_("Phone appointment"),
              "plan": N_("Repayment plan proposal"), "visit": N_("Home visit")},
    "channel": {"call": N_("Phone call"), "sms": N_("SMS"), "email": N_("Email"), "letter": N_("Letter"),
                "visit": N_("Home visit"), "portal": N_("Portal"), "notice": N_("Visit notice"),
                "internal": N_("Internal review"), "none": N_("No contact")},
    "consent": {"granted": N_("Consented"), "declined": N_("Declined"), "withdrawn": N_("Withdrawn"),
                "none": N_("No decision yet")},
    "installment": {"paid": N_("Paid"), "part_paid": N_("Partly paid"), "overdue": N_("Overdue"),
                    "due_today": N_("Due today"), "upcoming": N_("Upcoming")},
    "plan_rule": {
        "PL01_min_instalment": N_("An instalment is below the minimum amount"),
        "PL02_max_term": N_("The plan is longer than the maximum term"),
        "PL03_affordable": N_("A monthly amount is more than you told us you can afford"),
        "PL04_covers_overdue": N_("The instalments do not add up to the overdue amount"),
        "PL05_starts_soon": N_("The first payment must be within 30 days, with dates going forward"),
        "questionnaire_missing": N_("We need the short questionnaire to check what is affordable"),
    },
    "plan_outcome": {"accepted": N_("Accepted"), "counter_offer": N_("Counter-offer"),
                     "referred": N_("Referred to a specialist")},
    "hardship_reason": {
        "income_reduced": N_("My income went down"), "job_loss": N_("I lost my job"),
        "unable_to_work": N_("I cannot work at the moment"), "family_change": N_("A change in my family"),
        "business_difficulty": N_("My business is struggling"), "unexpected_expense": N_("An unexpected expense"),
        "other": N_("Something else"), "prefer_not_to_say": N_("I prefer not to say"),
    },
    "report_fact": {
        "employment_status": N_("Employment"), "monthly_income": N_("Monthly income"),
        "monthly_expenses": N_("Monthly expenses"), "other_debts_monthly": N_("Other debts per month"),
        "hardship_category": N_("Reason for the arrears"), "willingness": N_("Willingness to pay"),
        "capacity_monthly": N_("Affordable per month"), "hardship_hold": N_("Pause requested"),
        "referral": N_("Referral"),
    },
    "time": {"morning": N_("Morning (9-12)"), "afternoon": N_("Afternoon (12-18)"), "evening": N_("Evening (18-21)")},
    "complaint": {
        "contact_conduct": N_("How I was spoken to"), "contact_frequency": N_("Too many contacts"),
        "wrong_amount": N_("The amount is wrong"), "privacy": N_("My personal information"),
        "visit": N_("A home visit"), "other": N_("Something else"),
    },
    "request": {"access": N_("Access"), "correction": N_("Correction"), "deletion": N_("Deletion"),
                "received": N_("Received"), "in_progress": N_("In progress"), "completed": N_("Completed"),
                "refused": N_("Refused"), "pending": N_("Pending"), "upheld": N_("Upheld"), "changed": N_("Changed"),
                "closed": N_("Closed")},
    "role": {"agent": N_("Phone agent"), "field_agent": N_("Field agent"), "supervisor": N_("Supervisor"),
             "compliance": N_("Compliance officer"), "analyst": N_("Analyst"), "admin": N_("Administrator"),
             "borrower": N_("Borrower")},
    "visit": {"proposed": N_("Proposed"), "scheduled": N_("Scheduled"), "completed": N_("Completed"),
              "cancelled": N_("Cancelled"), "approved": N_("Approved"), "rejected": N_("Rejected")},
    "error": {
        "too_many": N_("Too many attempts. Please wait a few minutes and try again."),
        "no_channel": N_("We cannot send a code right now. Please try again later."),
        "wrong_code": N_("That code is wrong or has expired. Ask for a new one."),
        "wrong_code_retry": N_("That code is not right. Check the message and type it again: the same code still "
                               "works."),
        "code_spent": N_("That code can no longer be used (too many wrong tries, or it expired). Ask for a new "
                         "code."),
        "hours_invalid": N_("Choose at least one day, and an end time later than the start time (a window "
                            "cannot cross midnight)."),
        "promise_invalid": N_("Choose a date within the next 30 days and an amount above 0."),
        "promise_too_small": N_("That amount is too small to count as a promise to pay. Promise a larger part "
                                "of what is overdue (or all of it)."),
        "bad_login": N_("Wrong username or password."),
        "locked": N_("This account is locked for 15 minutes after too many attempts."),
        "pay_unavailable": N_("Paying online is not available at the moment. You can pay by bank transfer as shown "
                              "in your loan agreement."),
        "pay_amount": N_("Enter an amount above 0 and no more than what is still to repay."),
        "pay_unreachable": N_("The payment service cannot be reached right now. Nothing was charged. Please try "
                              "again in a few minutes."),
    },
    "referral_outcome": {"plan_agreed": N_("A plan was agreed"), "forbearance": N_("Forbearance granted"),
                         "debt_advice": N_("Referred to free debt advice"), "no_answer": N_("Could not reach them"),
                         "other": N_("Something else")},
    "plan_instalment": {"paid": N_("Paid"), "part_paid": N_("Part paid"), "due": N_("Due"),
                        "missed": N_("Date passed, not paid")},
    "promise_view": {"open": N_("Open: we wait for your payment"),
                     "unsettled": N_("Date passed: we check whether the payment arrived"),
                     "kept": N_("Kept: the payment arrived in time. Thank you."),
                     "broken": N_("Not kept: the full amount had not arrived by that date")},
    "payment": {"created": N_("Started"), "pending": N_("Waiting for the payment service"), "paid": N_("Received"),
                "failed": N_("Failed: nothing was charged"), "cancelled": N_("Cancelled: nothing was charged")},
    "timeline": {
        "contact": N_("Contact"), "decision": N_("Decision"), "notice": N_("Notice"), "consent": N_("Consent"),
        "approval": N_("Approval"), "visit": N_("Home visit"), "promise": N_("Promise to pay"), "hold": N_("Hold"),
        "plan": N_("Repayment plan"), "complaint": N_("Complaint"), "review": N_("Human review"),
        "call": N_("Call analysis"), "note": N_("Note"), "callback": N_("Callback"),
        "limit": N_("Limit on a channel"), "limit_lifted": N_("Limit on a channel lifted"),
    },
    "visit_state": {
        "proposed": N_("Proposed"), "notice_sent": N_("Notice sent"), "consented": N_("Consented"),
        "declined": N_("Declined"), "expired": N_("Expired: no answer"), "approved": N_("Approved"),
        "rejected": N_("Rejected"), "scheduled": N_("Scheduled"), "reported": N_("Report filed"),
        "reviewed": N_("Reviewed and closed"), "cancelled": N_("Cancelled"),
        "in_progress": N_("In progress (checked in)"), "on_hold": N_("On hold"),
    },
    "form_kind": {"signed_form": N_("Signed consent form"), "recorded_statement": N_("Recorded statement")},
    "visit_done": {
        "proposed": N_("The visit was proposed. Next: send the notice."),
        "notice_sent": N_("The notice was sent. The borrower can now answer in the portal."),
        "approved": N_("The visit was approved."), "rejected": N_("The visit was rejected."),
        "scheduled": N_("The visit was scheduled and the agents and the borrower were told."),
        "reviewed": N_("The visit was reviewed and closed."), "cancelled": N_("The visit was cancelled."),
        "report": N_("The report was filed."), "checked_in": N_("Both agents are checked in."),
        "checked_out": N_("Both agents are checked out. File the report."),
        "form_uploaded": N_("The form was recorded. A second person verifies it."),
        "form_verified": N_("The form was verified: the borrower's consent is recorded."),
        "form_rejected": N_("The form was rejected; nothing was granted."),
    },
    "inbox_done": {
        "assigned": N_("You now handle it."), "answered": N_("Answered and closed; the borrower sees the answer."),
        "reviewed": N_("The review was recorded and the borrower can see it."),
        "closed": N_("The hardship review was closed."),
        "referral_closed": N_("The referral was closed with its outcome."),
    },
    "limit_kind": {"workplace": N_("Reaches the borrower at work, where contact is barred"),
                   "third_party_objected": N_("A third party reached on it objected"),
                   "third_party_contact": N_("Reaches a third party the borrower named (emergency contact, "
                                             "reference)")},
    "limit_by": {"employer": N_("The employer"), "borrower": N_("The borrower"), "third_party": N_("The third party")},
    "limit_done": {"recorded": N_("Limit recorded: today's decision below already honours it."),
                   "lifted": N_("Limit lifted: the channel may be used again where nothing else bars it.")},
    "done": {
        "call": N_("The call was saved."), "promise": N_("The promise was saved."), "note": N_("The note was saved."),
        "callback": N_("The callback was saved."),
        "hours_saved": N_("Thank you. We will call you only within these hours (and never outside the lawful "
                          "hours)."),
        "hours_cleared": N_("Your hours were removed: we call within the lawful hours only."),
    },
    "promise": {"open": N_("Open"), "kept": N_("Kept"), "broken": N_("Broken"), "cancelled": N_("Cancelled"),
                "unsettled": N_("Date passed, not settled yet")},
    "promise_source": {"payments": N_("from the payments received"), "lender": N_("as the lender's file states")},
    # remote alternatives to a visit (issue 17)
    "alternative": {
        "questionnaire": N_("Hardship questionnaire"), "documents": N_("Documents"), "video": N_("Video call"),
        "phone_appointment": N_("Phone appointment"), "plan": N_("Repayment plan proposal"),
    },
    "alternative_offer": {
        "questionnaire": N_("Answer a short questionnaire about my situation"),
        "documents": N_("Upload proof of income or hardship"),
        "video": N_("Book a video call with an agent"),
        "phone_appointment": N_("Book a phone appointment"),
        "plan": N_("Propose a repayment plan"),
    },
    "appointment_mode": {"video": N_("Video call"), "phone": N_("Phone appointment")},
    "weekday": {"mon": N_("Mon"), "tue": N_("Tue"), "wed": N_("Wed"), "thu": N_("Thu"), "fri": N_("Fri"),
                "sat": N_("Sat"), "sun": N_("Sun")},
    "appointment_state": {"booked": N_("Booked"), "done": N_("Done"), "cancelled": N_("Cancelled")},
    # the personal fields a correction request may change (privacy/rights.CORRECTABLE)
    "personal_field": {"name": N_("Name"), "email": N_("Email"), "address": N_("Address"),
                       "phones": N_("Phone numbers")},
    "document_kind": {"income": N_("Proof of income"), "hardship": N_("Proof of hardship"), "other": N_("Other")},
    "alternative_state": {"chosen": N_("Chosen: waiting for you"), "completed": N_("Done: a person will check it"),
                          "verified": N_("Verified: no visit needed"), "cancelled": N_("Cancelled")},
}


def label(kind: str, code: str | None) -> str:
    """The English label of a code (the code itself when none is defined)."""
    if code is None:
        return "—"
    return LABELS.get(kind, {}).get(str(code), str(code))
