"""Probe 3: a small second unseen set (split `probe3`), written after the fixes made on probe2 and run once to
estimate how well they generalise; never tuned on. Conventions as in fresh_build.py and probe2_calls.py.
Weekdays of as_of: R1 2026-04-30 Thu (month end), R2 2026-01-31 Sat (month end), R3 2026-05-11 Mon,
R4 2026-08-23 Sun, R5 2026-03-13 Fri, R6 2026-12-16 Wed (English: the same days, US times).
"""

R1, R2, R3 = "2026-04-30T11:00:00+08:00", "2026-01-31T11:00:00+08:00", "2026-05-11T11:00:00+08:00"
R4, R5, R6 = "2026-08-23T11:00:00+08:00", "2026-03-13T11:00:00+08:00", "2026-12-16T11:00:00+08:00"
S1, S2, S3 = "2026-04-30T11:00:00-04:00", "2026-01-31T11:00:00-05:00", "2026-05-11T11:00:00-04:00"
S4, S5, S6 = "2026-08-23T11:00:00-04:00", "2026-03-13T11:00:00-04:00", "2026-12-16T11:00:00-05:00"

YA = "A: 喂您好，我是顺达金融贷后管理部的王芳，本次通话已录音，就您的逾期账款跟您沟通一下。"
YB = "A: 您好，这里是融易借的客户经理小孙，提示一下电话录音，您的借款到期还没还。"
XA = "A: Hi, this is Tanya calling from Crescent Finance on a recorded line about your overdue account."
XB = "A: Good afternoon, my name's Leo with Harbor Credit. Heads up, this call is recorded. I'm calling about the late payment on your loan."


def P(date, amount=None):
    return {"date": date, "amount": amount}


ZH = [
    dict(as_of=R1, turns=[YA, "B: 嗯你说", "A: 你再装死，我们就去你公司前台拉横幅，让你老板同事都来看。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=R2, turns=[YB, "B: 我现在拿不出", "A: 你这种人就是社会的蛀虫，吃软饭的。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=R3, turns=[YA, "B: 没钱", "A: 我跟你说，这个事再拖就上升到刑事层面了，到时候警察直接去你家。"], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=R4, turns=["A: 你好，我是区法院的书记员，你有一笔融易借的借款纠纷案件需要处理。", "B: 我明天就还三千，别起诉我"],
         intents=["promise_to_pay"], promise=P("2026-08-24", 3000), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=R5, turns=[YB, "B: 最近真的困难", "A: 不还的话，以后你家里人坐火车都要受限制。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=R6, turns=[YA, "B: 知道了", "A: 逾期会产生滞纳金，同时会影响您的个人信用记录。", "B: 那我本周五还两千"], intents=["promise_to_pay"],
         promise=P("2026-12-18", 2000)),
    dict(as_of=R1, turns=[YB, "B: 你们能不能别打了", "A: 我们不会骚扰您的家人，但是这个钱您得想办法。"], intents=[]),
    dict(as_of=R2, turns=["A: 喂，是马超吗？", "O: 不是，他是我租客，早退租了。", "A: 那你帮我转告他，他在融易借欠的一万块赶紧还上。"], intents=["wrong_party"],
         violations=[("third_party_disclosure", 2)]),
    dict(as_of=R3, turns=["A: 您好，我是顺达金融的，请问您是赵丽丽本人吗？", "O: 我是她老公，有什么事跟我说就行。", "A: 不好意思，需要本人接听，麻烦让她回电。"],
         intents=["wrong_party"]),
    dict(as_of=R4, turns=["A: 喂，是刘海吗？", "B: 是啊", "A: 你借的钱到底什么时候还？", "B: 月底吧，月底一定还清两千"], intents=["promise_to_pay"],
         promise=P("2026-08-31", 2000), missing=["agent_identity", "recording_notice"]),
    dict(as_of=R5, turns=[YA, "B: 我正在医院排队挂号呢，回头聊"], intents=["callback_request"]),
    dict(as_of=R6, turns=[YB, "B: 这会儿走不开，你晚一点打来吧"], intents=["callback_request"]),
    dict(as_of=R1, turns=[YA, "B: 我老婆生孩子大出血，现在还在抢救"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=R2, turns=[YB, "B: 我在工地上摔断了腿，躺了两个月了"], intents=["hardship"], hardship="illness"),
    dict(as_of=R3, turns=[YA, "B: 老板跑路了，工资三个月没发"], intents=["hardship"], hardship="income_drop"),
    dict(as_of=R4, turns=[YB, "B: 台风把我的渔船打坏了，出不了海"], intents=["hardship"], hardship="disaster"),
    dict(as_of=R5, turns=[YA, "B: 下周一发了工资立马还你们一千八"], intents=["promise_to_pay"], promise=P("2026-03-16", 1800)),
    dict(as_of=R6, turns=[YB, "B: 下个月一号之前吧，四千全部还清，说到做到"], intents=["promise_to_pay"], promise=P("2027-01-01", 4000)),
    dict(as_of=R1, turns=[YA, "B: 不一定能凑够，我争取下周五吧"], intents=[]),
    dict(as_of=R2, turns=[YB, "B: 这笔钱我上周就转给你们了，有截图"], intents=["claims_paid"]),
    dict(as_of=R3, turns=[YA, "B: 你们这是高利贷，我一分都不给"], intents=["refusal"]),
]

EN = [
    dict(as_of=S1, turns=[XA, "B: I can't do anything right now.", "A: Then I'll just have to let your landlord know you don't pay your bills."],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=S2, turns=[XB, "B: I'm sorry.", "A: Sorry doesn't cut it, you freeloading bum."], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=S3, turns=[XA, "B: What happens next?", "A: Next step is the police show up at your door and take you in."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=S4, turns=["A: This is Agent Collins with the Department of Justice about your Harbor Credit loan.", "B: I'll pay it tomorrow."],
         intents=["promise_to_pay"], promise=P("2026-08-24"), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=S5, turns=[XB, "B: Are you going to report me?", "A: Late payments can be reported to the credit bureaus, and we may refer the account for legal review."],
         intents=[]),
    dict(as_of=S6, turns=[XA, "B: I don't know.", "A: You really want your mom getting a call about this at her nursing home?"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=S1, turns=["A: Hi, is this Derek Olson? I'm calling about his overdue loan payment.", "O: No, I'm his dad."], intents=["wrong_party"],
         violations=[("third_party_disclosure", 0)]),
    dict(as_of=S2, turns=["A: Hello, is Maria there?", "O: You have the wrong number."], intents=["wrong_party"]),
    dict(as_of=S3, turns=["A: Hi, is this Ben?", "B: Yeah, who's this?", "A: You need to pay the $800 you owe.", "B: I'll pay it this Friday."],
         intents=["promise_to_pay"], promise=P("2026-05-15", 800), missing=["agent_identity", "recording_notice"]),
    dict(as_of=S4, turns=[XA, "B: I'm at the gym, hit me up in an hour."], intents=["callback_request"]),
    dict(as_of=S5, turns=[XB, "B: Now's not great, can we pick this up Monday?"], intents=["callback_request"]),
    dict(as_of=S6, turns=[XA, "B: I got laid off right before the holidays."], intents=["hardship"], hardship="job_loss"),
    dict(as_of=S1, turns=[XB, "B: My daughter has leukemia and I've been taking unpaid leave to care for her."], intents=["hardship"],
         hardship="family_emergency"),
    dict(as_of=S2, turns=[XA, "B: I'll send $2,000 on the 15th, when my bonus comes in."], intents=["promise_to_pay"], promise=P("2026-02-15", 2000)),
    dict(as_of=S3, turns=[XB, "B: I'll try to get you something by the end of the month, no promises."], intents=[]),
    dict(as_of=S4, turns=[XA, "B: The amount you have is wrong, I only borrowed 1,500."], intents=["dispute"]),
]
