"""Fresh hand-labelled English calls (casual, rambling, noisy ASR), written from the label definitions in issue 8
before looking at the analyser. A: agent, B: borrower (the debtor), O: someone else.

as_of anchors (local weekday): E1 2026-11-15 Sun, E2 2026-11-30 Mon (last day), E3 2026-12-31 Thu 18:00-05:00
(already 1 January in UTC), E4 2026-09-16 Wed, E5 2027-02-26 Fri, E6 2026-06-01 Mon, E7 2026-10-31 Sat 20:30-04:00
(already 1 November in UTC).
"""

E1 = "2026-11-15T16:20:00-05:00"
E2 = "2026-11-30T09:15:00-05:00"
E3 = "2026-12-31T18:00:00-05:00"
E4 = "2026-09-16T11:00:00-04:00"
E5 = "2027-02-26T10:00:00-05:00"
E6 = "2026-06-01T10:00:00-04:00"
E7 = "2026-10-31T20:30:00-04:00"

D1 = "A: Hi, this is Mark with Crestline Lending. This call is recorded. I'm calling about your past-due loan payment."
D2 = "A: Good afternoon, my name's Priya from Bayview Credit, calls are recorded for quality, and I'm reaching out about the balance on your account."
D3 = "A: hi yeah this is tom from summit finance uh this call may be recorded um calling about your loan payment"


def P(date, amount=None):
    return {"date": date, "amount": amount}


CALLS = [
    # --- promises
    dict(as_of=E1, turns=[D1, "B: yeah yeah I know. uh, next Friday. I get paid Thursday so next Friday I'll send two hundred dollars"],
         intents=["promise_to_pay"], promise=P("2026-11-20", 200)),
    dict(as_of=E1, turns=[D2, "B: Okay.", "A: Can you make a payment of $1,200 by the end of the month?", "B: Yeah, end of the month works."],
         intents=["promise_to_pay"], promise=P("2026-11-30", 1200)),
    dict(as_of=E2, turns=[D1, "B: Alright, I'll have it paid by the end of the month, fifteen hundred, you have my word."],
         intents=["promise_to_pay"], promise=P("2026-11-30", 1500)),
    dict(as_of=E2, turns=[D3, "B: this friday I'll put $350 on it"], intents=["promise_to_pay"], promise=P("2026-12-04", 350)),
    dict(as_of=E2, turns=[D2, "B: Next Friday I'll do 1.5k, okay?"], intents=["promise_to_pay"], promise=P("2026-12-11", 1500)),
    dict(as_of=E2, turns=[D1, "B: On the 15th, when I get paid, I'll pay three hundred and fifty."], intents=["promise_to_pay"],
         promise=P("2026-12-15", 350)),
    dict(as_of=E3, turns=[D1, "B: Tomorrow's New Year's Day but whatever, I'll pay the five hundred bucks tomorrow."],
         intents=["promise_to_pay"], promise=P("2027-01-01", 500)),
    dict(as_of=E3, turns=[D2, "B: Next Friday. Fifteen hundred. I'll send it next Friday."], intents=["promise_to_pay"],
         promise=P("2027-01-08", 1500)),
    dict(as_of=E3, turns=[D3, "B: you'll have a thousand dollars by the 15th"], intents=["promise_to_pay"], promise=P("2027-01-15", 1000)),
    dict(as_of=E4, turns=[D1, "B: This Friday I'm sending two grand, that should catch me up."], intents=["promise_to_pay"],
         promise=P("2026-09-18", 2000)),
    dict(as_of=E4, turns=[D2, "B: I will pay $2,000 on the 15th."], intents=["promise_to_pay"], promise=P("2026-10-15", 2000)),
    dict(as_of=E4, turns=[D3, "B: in two weeks I'll pay six hundred dollars"], intents=["promise_to_pay"], promise=P("2026-09-30", 600)),
    dict(as_of=E4, turns=[D1, "B: Next Monday, 250 dollars, I'll call it in myself."], intents=["promise_to_pay"],
         promise=P("2026-09-21", 250)),
    dict(as_of=E5, turns=[D2, "B: End of the month, that's Sunday, right? Yeah, I'll pay $800 by the end of the month."],
         intents=["promise_to_pay"], promise=P("2027-02-28", 800)),
    dict(as_of=E5, turns=[D1, "B: I can't do today. Tomorrow I'll send 400."], intents=["promise_to_pay"], promise=P("2027-02-27", 400)),
    dict(as_of=E6, turns=[D3, "B: next friday i'll pay seven hundred fifty dollars"], intents=["promise_to_pay"], promise=P("2026-06-12", 750)),
    dict(as_of=E6, turns=[D1, "B: The day after tomorrow I'll pay $900."], intents=["promise_to_pay"], promise=P("2026-06-03", 900)),
    dict(as_of=E7, turns=[D2, "B: End of next month I'll clear the whole $3,400."], intents=["promise_to_pay"], promise=P("2026-11-30", 3400)),
    dict(as_of=E7, turns=[D1, "B: Tomorrow. I'll pay a hundred and fifty tomorrow."], intents=["promise_to_pay"], promise=P("2026-11-01", 150)),
    dict(as_of=E6, turns=[D2, "B: Hi.", "A: Could you do five hundred this Friday?", "B: Friday... yeah, okay, Friday then."],
         intents=["promise_to_pay"], promise=P("2026-06-05", 500)),
    dict(as_of=E1, turns=[D1, "B: I'm not paying you people anything.", "A: I understand you're frustrated. If the account stays unpaid we may refer it for legal review.",
                          "B: ...Fine. Fine. Next Friday, three hundred. Happy?"],
         intents=["promise_to_pay", "refusal"], promise=P("2026-11-20", 300)),
    dict(as_of=E2, turns=[D1, "B: I'm not saying I won't pay. I'll pay $500 next Friday."], intents=["promise_to_pay"],
         promise=P("2026-12-11", 500)),
    dict(as_of=E4, turns=[D2, "B: So look, here's the thing, I was gonna pay last month, but then my car insurance came due and my kid needed "
                              "new shoes for school and, you know how it is, it just snowballs, but I'm good for it, I always have been. "
                              "So what I'll do is, on the 1st, I'll send you four hundred, and then we go from there."],
         intents=["promise_to_pay"], promise=P("2026-10-01", 400)),
    dict(as_of=E1, turns=[D3, "B: uh the 20th I'll pay it all off the full eleven hundred"], intents=["promise_to_pay"],
         promise=P("2026-11-20", 1100)),
    # --- hedges and conditions: not promises
    dict(as_of=E1, turns=[D1, "B: I'll try to get you something Friday."], intents=[]),
    dict(as_of=E1, turns=[D2, "B: Hopefully by the 20th. I can't promise anything."], intents=[]),
    dict(as_of=E2, turns=[D1, "B: If I get paid Friday I'll send it over."], intents=[]),
    dict(as_of=E4, turns=[D3, "B: maybe the end of the month i dunno"], intents=[]),
    dict(as_of=E6, turns=[D2, "B: I'll try my best to pay on the 15th but no promises."], intents=[]),
    dict(as_of=E7, turns=[D1, "B: I could pay like fifty a month, would that work?"], intents=[]),
    dict(as_of=E5, turns=[D2, "B: I'm hoping to have something next Friday, depends how things go."], intents=[]),
    # --- hardship
    dict(as_of=E3, turns=[D1, "B: I got laid off in November. I can't promise anything until I find a job."], intents=["hardship"],
         hardship="job_loss"),
    dict(as_of=E1, turns=[D2, "B: The plant shut down, I've been out of work since October."], intents=["hardship"], hardship="job_loss"),
    dict(as_of=E2, turns=[D3, "B: i had surgery on my back been off work six weeks"], intents=["hardship"], hardship="illness"),
    dict(as_of=E4, turns=[D1, "B: My mom had a stroke and I've been paying for her care, there's nothing left."], intents=["hardship"],
         hardship="family_emergency"),
    dict(as_of=E6, turns=[D2, "B: My husband passed away last month. I just can't deal with this right now."], intents=["hardship"],
         hardship="family_emergency"),
    dict(as_of=E7, turns=[D1, "B: The hurricane took half my roof, every cent is going into repairs."], intents=["hardship"], hardship="disaster"),
    dict(as_of=E3, turns=[D2, "B: They cut my hours in half at work, I'm bringing home maybe half what I used to."], intents=["hardship"],
         hardship="income_drop"),
    dict(as_of=E5, turns=[D3, "B: i got scammed some crypto guy took all my savings"], intents=["hardship"], hardship="other"),
    dict(as_of=E1, turns=[D1, "B: It's not me who's sick, it's my daughter, she's in the hospital."], intents=["hardship"],
         hardship="family_emergency"),
    dict(as_of=E2, turns=[D2, "B: I've been in the hospital with pneumonia, but I'll pay $200 on the 15th."],
         intents=["hardship", "promise_to_pay"], promise=P("2026-12-15", 200), hardship="illness"),
    # --- dispute, claims paid, negated dispute
    dict(as_of=E4, turns=[D1, "B: I never took out a loan with you guys. This is a scam."], intents=["dispute"]),
    dict(as_of=E6, turns=[D2, "B: I borrowed 2,000, not 3,500. That balance is wrong."], intents=["dispute"]),
    dict(as_of=E7, turns=[D1, "B: I'm not disputing the amount, I just don't have it right now."], intents=[]),
    dict(as_of=E3, turns=[D2, "B: I paid it off last week, I've got the confirmation number right here."], intents=["claims_paid"]),
    dict(as_of=E5, turns=[D1, "B: My wife already sent the payment on Monday."], intents=["claims_paid"]),
    # --- someone else answers
    dict(as_of=E1, turns=["A: Hi, may I speak with James Carter?", "O: This is his coworker, he's out on a job site.",
                          "A: Okay, could you ask him to call Crestline back? Thanks."], intents=["wrong_party"]),
    dict(as_of=E2, turns=["A: Hello, is this Maria Lopez?", "O: No, I'm her husband. What's this about?",
                          "A: She's behind on her loan with us, she owes $2,300, tell her to pay."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=E4, turns=["A: Hi, I'm calling from Bayview Credit about an overdue debt on this number.", "O: Wrong number, buddy, I just got this phone."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    dict(as_of=E6, turns=["A: Hi, this is Priya from Bayview Credit, is Kevin there?", "O: There's no Kevin here.", "A: Sorry to bother you."],
         intents=["wrong_party"]),
    dict(as_of=E7, turns=["A: Is Daniel Reed available?", "O: He's asleep, I'm his roommate. Call back tomorrow."], intents=["wrong_party"]),
    # --- callback requests
    dict(as_of=E2, turns=[D1, "B: I'm at work, can you call me back after five?"], intents=["callback_request"]),
    dict(as_of=E5, turns=[D2, "B: I'm driving, call me later."], intents=["callback_request"]),
    # --- agent conduct
    dict(as_of=E1, turns=[D1, "B: I don't have it.", "A: You wouldn't want your boss finding out about this, would you?",
                          "B: Okay, okay. I'll pay $600 next Friday."],
         intents=["promise_to_pay"], promise=P("2026-11-20", 600), violations=[("threat", 2)]),
    dict(as_of=E3, turns=[D2, "B: I need more time.", "A: If you don't pay by Monday, a warrant goes out for your arrest."],
         intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=E4, turns=["A: This is Officer Davis with the county sheriff's department regarding your unpaid loan.",
                          "B: Oh God. I'll pay this Friday, $300."],
         intents=["promise_to_pay"], promise=P("2026-09-18", 300), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=E6, turns=[D3, "B: I don't have it.", "A: Listen, you deadbeat, grown-ups pay their bills."],
         intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=E7, turns=[D1, "B: What happens if I just don't pay?", "A: Late payments may be reported to the credit bureaus, and we may refer the account for legal review.",
                          "B: Fine, I'll pay $250 on the 15th."],
         intents=["promise_to_pay"], promise=P("2026-11-15", 250)),
    dict(as_of=E2, turns=[D2, "B: I'll deal with it later.", "A: You'll be blacklisted forever, you'll never get a loan or rent an apartment again."],
         intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=E5, turns=[D1, "B: Not right now.", "A: Maybe we should give your neighbors a call and see what they think about it."],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=E4, turns=["A: Is this Robert?", "B: Yeah.", "A: When are you going to pay?", "B: Next Friday, $400."],
         intents=["promise_to_pay"], promise=P("2026-09-25", 400), missing=["agent_identity", "recording_notice"]),
    dict(as_of=E3, turns=["A: Hi, this is Mark from Crestline Lending about your overdue payment.", "B: I'll pay on the 15th, twelve hundred."],
         intents=["promise_to_pay"], promise=P("2027-01-15", 1200), missing=["recording_notice"]),
    dict(as_of=E6, turns=["A: Hello, Lisa?", "B: Speaking.", "A: This is Priya from Bayview Credit, this call is recorded, it's about your loan payment.",
                          "B: I'll pay a thousand by the end of the month."],
         intents=["promise_to_pay"], promise=P("2026-06-30", 1000)),
]
