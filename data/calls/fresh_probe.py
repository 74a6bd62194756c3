"""A second, smaller unseen probe, written after the analyser was fixed on the fresh split and run only once, to
estimate how well those fixes generalise (split `probe` in data/calls/fresh/index.jsonl). Same conventions as
fresh_build.py. P1/Q1 2026-03-31 Tue (last day), P2/Q2 2026-08-09 Sun, P3/Q3 2026-05-20 Wed.
"""

P1, P2, P3 = "2026-03-31T10:00:00+08:00", "2026-08-09T15:00:00+08:00", "2026-05-20T09:00:00+08:00"
Q1, Q2, Q3 = "2026-03-31T10:00:00-04:00", "2026-08-09T15:00:00-04:00", "2026-05-20T09:00:00-04:00"
ZD = "A: 您好，我是诚信消费金融的客服小周，通话将被录音，这次打给您是关于您借款逾期的事。"
ED = "A: Hi, this is Sam from Lakeside Loans, this call is being recorded, and I'm calling about your overdue loan."


def P(date, amount=None):
    return {"date": date, "amount": amount}


ZH = [
    dict(as_of=P1, turns=[ZD, "B: 行行行 这礼拜五 礼拜五给你转一千二"], intents=["promise_to_pay"], promise=P("2026-04-03", 1200)),
    dict(as_of=P1, turns=[ZD, "B: 嗯", "A: 您看月底之前能还上吗？", "B: 今天就是月底啊 今天不行 下个月十号吧 十号还两千"],
         intents=["promise_to_pay"], promise=P("2026-04-10", 2000)),
    dict(as_of=P2, turns=[ZD, "B: 那个……下周二吧 下周二 我把那八百块打给你们"], intents=["promise_to_pay"], promise=P("2026-08-11", 800)),
    dict(as_of=P2, turns=[ZD, "B: 我估摸着下个月能还上"], intents=[]),
    dict(as_of=P3, turns=[ZD, "B: 儿子住院了 做手术呢 哪有钱啊"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=P3, turns=[ZD, "B: 我们公司倒闭了 我也没办法"], intents=["hardship"], hardship="job_loss"),
    dict(as_of=P1, turns=[ZD, "B: 你们这个利息我不认可 我只认本金"], intents=["dispute"]),
    dict(as_of=P2, turns=[ZD, "B: 早就还了呀 上礼拜三就还了"], intents=["claims_paid"]),
    dict(as_of=P3, turns=[ZD, "B: 我在工地上 吵得很 你晚上八点以后再打过来"], intents=["callback_request"]),
    dict(as_of=P1, turns=[ZD, "B: 没钱", "A: 你要是再不还 我们就去你们村里贴告示 让全村都知道你欠钱不还"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=P2, turns=["A: 我是市公安局的，你这个借款的案子要移交了。", "B: 我下周五还"], intents=["promise_to_pay"],
         promise=P("2026-08-14"), violations=[("impersonation_of_authority", 0)], missing=["agent_identity", "recording_notice"]),
    dict(as_of=P3, turns=[ZD, "B: 还不起", "A: 你个穷鬼 还不起就别借"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=P1, turns=[ZD, "B: 再说吧", "A: 不还钱的话 你终身不能坐飞机 去哪都不行"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=P2, turns=[ZD, "B: 拖几天又怎样", "A: 逾期信息会按规定报送征信系统。", "B: 知道了 大后天还 一千"],
         intents=["promise_to_pay"], promise=P("2026-08-12", 1000)),
    dict(as_of=P3, turns=["A: 你好，请问是刘伟吗？", "O: 我是他姐 他手机落家里了", "A: 好的，请他方便时回个电话。"], intents=["wrong_party"]),
    dict(as_of=P3, turns=["A: 喂，王军在吗？", "O: 我是他老婆，他出差了。", "A: 他在我们这的贷款逾期了，你跟他说一下。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=P1, turns=[ZD, "B: 我不还了 你们爱找谁找谁"], intents=["refusal"]),
    dict(as_of=P2, turns=[ZD, "B: 嗯 好 下周五之前 一千五 没问题"], intents=["promise_to_pay"], promise=P("2026-08-14", 1500)),
    dict(as_of=P3, turns=[ZD, "B: 钱我会还的 就是这个月真不行 下个月底吧 下个月底一次还清 两千四"], intents=["promise_to_pay"],
         promise=P("2026-06-30", 2400)),
    dict(as_of=P1, turns=[ZD, "B: 要不这样 我先还五百 剩下的以后再说"], intents=[]),
]

EN = [
    dict(as_of=Q1, turns=[ED, "B: I get paid on the 10th, so I'll pay you $450 on the 10th."], intents=["promise_to_pay"],
         promise=P("2026-04-10", 450)),
    dict(as_of=Q2, turns=[ED, "B: Tuesday works, I'll send 350 dollars."], intents=["promise_to_pay"], promise=P("2026-08-11", 350)),
    dict(as_of=Q3, turns=[ED, "B: Hello?", "A: Can you pay $600 by Friday?", "B: Yeah, I can do that."], intents=["promise_to_pay"],
         promise=P("2026-05-22", 600)),
    dict(as_of=Q1, turns=[ED, "B: I might be able to pay something next week."], intents=[]),
    dict(as_of=Q2, turns=[ED, "B: My son was in a car accident, I've been at the hospital all week."], intents=["hardship"],
         hardship="family_emergency"),
    dict(as_of=Q3, turns=[ED, "B: I'm on disability now after my stroke."], intents=["hardship"], hardship="illness"),
    dict(as_of=Q1, turns=[ED, "B: I don't recognize this debt at all."], intents=["dispute"]),
    dict(as_of=Q2, turns=[ED, "B: I mailed a check last Tuesday."], intents=["claims_paid"]),
    dict(as_of=Q3, turns=[ED, "B: Can we do this another time? I'm in the middle of something. Try me tomorrow."], intents=["callback_request"]),
    dict(as_of=Q1, turns=[ED, "B: I don't have it.", "A: People like you are a waste of space."], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Q2, turns=["A: This is Sergeant Miller from the police department about your unpaid loan.", "B: Oh no."], intents=[],
         violations=[("impersonation_of_authority", 0)], missing=["agent_identity", "recording_notice"]),
    dict(as_of=Q3, turns=[ED, "B: Not now.", "A: If this isn't paid, we'll make sure your whole church knows about it."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=Q1, turns=[ED, "B: Whatever.", "A: You could go to prison for this."], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Q2, turns=["A: Hi, is this Steve?", "O: You've got the wrong guy, I'm not Steve."], intents=["wrong_party"]),
    dict(as_of=Q3, turns=["A: Is Anna there?", "O: She's at work, this is her mother.", "A: Please tell her that her car loan payment is three months late."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=Q1, turns=[ED, "B: I'm done with you people. I'm not paying another dime."], intents=["refusal"]),
    dict(as_of=Q2, turns=[ED, "B: Okay so end of the month, I'll clear the full fifteen hundred."], intents=["promise_to_pay"],
         promise=P("2026-08-31", 1500)),
]
