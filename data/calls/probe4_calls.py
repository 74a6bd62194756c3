"""Probe 4: an unseen, violation-heavy set (split `probe4`) with lawful look-alikes (true credit-reporting statements,
lawful legal-review mentions, recording notices, promises not to contact family). Written by hand before the
semantic QA layer's thresholds were tuned and committed before the analyser was run on it; never tuned on.
Conventions as in fresh_build.py and probe2_calls.py.
Weekdays of as_of: T1 2026-06-10 Wed, T2 2026-09-30 Wed (month end), T3 2026-02-27 Fri, T4 2026-10-18 Sun
(English: the same days, US times).
"""

T1, T2 = "2026-06-10T10:30:00+08:00", "2026-09-30T10:30:00+08:00"
T3, T4 = "2026-02-27T10:30:00+08:00", "2026-10-18T10:30:00+08:00"
U1, U2 = "2026-06-10T10:30:00-04:00", "2026-09-30T10:30:00-04:00"
U3, U4 = "2026-02-27T10:30:00-05:00", "2026-10-18T10:30:00-04:00"

ZA = "A: 您好，我是安信消费金融贷后部的李娜，本次通话全程录音，来电是关于您的逾期借款。"
ZB = "A: 喂，您好，这边是快易贷的客服专员小周，通话会录音，提醒您账单已经逾期了。"
EA = "A: Hi, this is Nora from Summit Lending. This call is recorded, and I'm calling about your overdue loan payment."
EB = "A: Good morning, my name is Victor with Pine Credit, on a recorded line, regarding the past-due balance on your account."


def P(date, amount=None):
    return {"date": date, "amount": amount}


ZH = [
    dict(as_of=T1, turns=[ZA, "B: 我再想想办法", "A: 你要是再拖，我们就派人去你老家，跟你爸妈当面好好聊聊你干的事。"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=T2, turns=[ZB, "B: 这个月真没有", "A: 再不还，你以后连高铁票都买不了，手机号也办不了。"], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=T3, turns=[ZA, "B: 你们到底想怎样", "A: 实话跟你说，我们已经移交经济犯罪侦查大队了，我现在就是代表他们跟你谈。"], intents=[],
         violations=[("impersonation_of_authority", 2)]),
    dict(as_of=T4, turns=[ZB, "B: 我就是没钱", "A: 欠钱不还的孬种，你活着就是浪费空气。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=T1, turns=[ZA, "B: 我现在手头紧", "A: 那没用，明天你的银行卡、微信、支付宝会全部冻结，工资直接扣走。"], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=T2, turns=[ZB, "B: 别催了行吗", "A: 我们的外访人员已经到你小区门口了，你自己掂量掂量。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=T3, turns=["A: 您好，请问是陈志强先生吗？", "O: 我是他同事，他在开会。", "A: 麻烦你提醒他一下，他在我们快易贷的分期已经两个月没还了。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=T4, turns=[ZA, "B: 逾期会有什么影响？", "A: 根据合同约定，逾期记录会如实报送征信中心，您结清后记录会按规定更新。", "B: 好的，我知道了"],
         intents=[]),
    dict(as_of=T1, turns=[ZB, "B: 你们会告我吗？", "A: 如果长期未还款，公司可能会依法通过诉讼途径处理，这个需要提前告知您。"], intents=[]),
    dict(as_of=T2, turns=[ZA, "B: 你们别去找我家里人", "A: 您放心，我们不会联系您的单位和家人，只跟您本人沟通。"], intents=[]),
    dict(as_of=T3, turns=[ZB, "B: 我没钱你们能怎么样", "A: 你这属于恶意逃废债，够判三年的，我们已经在准备报案材料了。"], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=T4, turns=[ZA, "B: 我换了工作", "A: 你躲得了初一躲不过十五，我们有的是办法让你日子不好过。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=T1, turns=[ZB, "B: 我在开车，等会再打给我吧", "A: 开车也得先把钱的事说清楚，别跟我耍花样，不然后果自负。"],
         intents=["callback_request"], violations=[("threat", 2)]),
    dict(as_of=T2, turns=["A: 喂，你好，我是市金融办的，专门处理你们这种网贷逾期不还的，本次通话录音。", "B: 你们政府也管这个？"],
         intents=[], violations=[("impersonation_of_authority", 0)], missing=["agent_identity"]),
    dict(as_of=T3, turns=[ZA, "B: 我上个月做了手术，现在还在住院", "A: 理解您的情况，可以帮您申请延期，这通电话有录音，您放心。"], intents=["hardship"],
         hardship="illness"),
]

EN = [
    dict(as_of=U1, turns=[EA, "B: I'll get to it when I get to it.", "A: Keep dodging us and see what happens to you."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=U2, turns=[EB, "B: I need more time.", "A: If this isn't paid by tonight, the sheriff comes out and tows your car first thing tomorrow."],
         intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=U3, turns=[EA, "B: Why are you calling me again?", "A: Actually, this is Investigator Reyes with the state financial crimes unit now."],
         intents=[], violations=[("impersonation_of_authority", 2)]),
    dict(as_of=U4, turns=[EB, "B: I told you I can't pay.", "A: You're nothing but a cheapskate and a crook."], intents=[],
         violations=[("abusive_language", 2)]),
    dict(as_of=U1, turns=[EA, "B: Can't you give me a break?", "A: Then your social security checks get cut off the day after tomorrow."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=U2, turns=[EB, "B: What happens if I'm late again?", "A: We report account status to the credit bureaus every month, so a late payment may show on your report.",
                          "B: Okay."], intents=[]),
    dict(as_of=U3, turns=[EA, "B: Are you going to sue me?", "A: If we can't agree on a plan, the account may be referred to our attorneys for review."],
         intents=[]),
    dict(as_of=U4, turns=["A: Hi, I'm trying to reach Carla Diaz.", "O: She's my sister, she's not home.",
                          "A: Could you let her know her car loan is three months behind?"], intents=["wrong_party"],
         violations=[("third_party_disclosure", 2)]),
    dict(as_of=U1, turns=[EB, "B: I don't have it.", "A: Be a shame for the neighbors to see our truck parked outside your place every day."],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=U2, turns=[EA, "B: I'm in a meeting, call me back after five.", "A: Sure, I'll try you again after five."],
         intents=["callback_request"]),
    dict(as_of=U3, turns=[EB, "B: I'm just not paying this.", "A: Not paying a loan is theft, and theft means a criminal case with your name on it."],
         intents=["refusal"], violations=[("false_consequence", 2)]),
    dict(as_of=U4, turns=[EA, "B: My hours got cut in half at the warehouse.", "A: I understand. I can set up a reduced payment plan for you."],
         intents=["hardship"], hardship="income_drop"),
]
