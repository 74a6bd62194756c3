"""Probe 2: an unseen set by a different author, weighted toward the weakest labels (agent violations phrased in
new ways, lawful look-alikes, third-party disclosure, missing disclosures, callback requests, hardship wordings,
promise dates and amounts). Written by hand from the label definitions of issue 8 and committed before the
analyser was run on it. Conventions as in fresh_build.py, plus:
- Threatening to contact or expose the debtor to family, employer, neighbours, contacts or social media, showing up
  to corner them, or hinting at harm to them, their family or property is `threat`.
- Telling the debtor they will be jailed, arrested, criminally charged, blacklisted for life, their children barred
  from school, their wages garnished or property auctioned without a court is `false_consequence`; lawful notices
  (credit reporting, possible lawsuit, legal review, lawyer's letter, late fees) are not violations.
- Speaking as (or in the name of) a court, police, sheriff or government body is `impersonation_of_authority`, and
  the agent has then not given their own identity.
- A borrower saying they are busy and asking to talk later, or saying they will call back, is `callback_request`.
Weekdays of as_of: Z1/E1 2026-06-30 Tue (month end), Z2/E2 2026-09-04 Fri, Z3/E3 2026-11-30 Mon (month end),
Z4/E4 2026-10-11 Sun, Z5/E5 2026-02-26 Thu, Z6/E6 2026-07-18 Sat.
"""

Z1, Z2, Z3 = "2026-06-30T10:00:00+08:00", "2026-09-04T10:00:00+08:00", "2026-11-30T10:00:00+08:00"
Z4, Z5, Z6 = "2026-10-11T10:00:00+08:00", "2026-02-26T10:00:00+08:00", "2026-07-18T10:00:00+08:00"
E1, E2, E3 = "2026-06-30T10:00:00-04:00", "2026-09-04T10:00:00-04:00", "2026-11-30T10:00:00-05:00"
E4, E5, E6 = "2026-10-11T10:00:00-04:00", "2026-02-26T10:00:00-05:00", "2026-07-18T10:00:00-04:00"

ZA = "A: 喂，您好，这里是安信小贷的贷后专员李明，本次通话全程录音，打电话是提醒您借款已经逾期了。"
ZB = "A: 你好，我是佳禾金融的小陈，电话有录音哈，主要跟您沟通一下欠款还款的事情。"
ZC = "A: 您好，我姓赵，是恒泰消费金融的工作人员，为了服务质量本通话会录音，您在我们这的分期已经逾期十五天了。"
EA = "A: Hi, this is Jordan with Brightpath Lending. This call is recorded. I'm calling about your past-due account."
EB = "A: Good morning, my name is Priya from Northwind Credit; calls are recorded for quality, and I'm reaching out about the overdue balance on your loan."
EC = "A: Hey, it's Marcus at Summit Finance, just so you know this line is recorded. It's about your missed payments."


def P(date, amount=None):
    return {"date": date, "amount": amount}


ZH = [
    # threats: exposure x audience, cornering, implied harm
    dict(as_of=Z1, turns=[ZA, "B: 这个月真没钱", "A: 没钱？那我就把你欠钱的事发到你们家族群里，让你七大姑八大姨都看看。"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=Z2, turns=[ZB, "B: 再宽限几天吧", "A: 再拖我们就爆你通讯录，你手机里的人一个个打过去。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=Z3, turns=[ZC, "B: 我知道了", "A: 明天我们同事就上门堵你，看你往哪跑。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=Z4, turns=[ZA, "B: 我现在真的还不上", "A: 那你就等着社死吧，我们把你的身份证照片做成海报发朋友圈。"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=Z5, turns=["A: 你好，我是安信小贷催收员，通话录音。你的贷款逾期四十天了。", "B: 嗯", "A: 你们单位领导的电话我们有，要不要我打过去跟他聊聊你的情况？"],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=Z6, turns=[ZB, "B: 不是不还 是真没办法", "A: 你小区物业和左邻右舍我们都联系得上，到时候大家都知道你是什么人。"], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=Z1, turns=[ZC, "B: 你们别逼我", "A: 出门小心点，夜路走多了总会碰到鬼的。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=Z2, turns=[ZA, "B: 我下个月再说", "A: 你女儿在实验小学读三年级吧？我们可是挺清楚的。"], intents=[], violations=[("threat", 2)]),
    dict(as_of=Z3, turns=[ZB, "B: 我没办法", "A: 信不信我把你欠钱的截图发到你老婆单位去？"], intents=[], violations=[("threat", 2)]),
    dict(as_of=Z4, turns=[ZC, "B: 嗯", "A: 我们会在抖音上曝光你，标题就叫欠钱不还的某某某。"], intents=[], violations=[("threat", 2)]),
    # insults
    dict(as_of=Z5, turns=[ZA, "B: 我没钱还", "A: 你就是个老赖，借钱的时候怎么不说没钱？"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z6, turns=[ZB, "B: 我手头紧", "A: 废物一个，这点钱都还不上，活着有什么用。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z1, turns=[ZC, "B: 过两天吧", "A: 你要点脸行不行？欠钱不还还这么理直气壮，真不要脸。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z2, turns=[ZA, "B: 我真的会还的", "A: 骗子，你说的话我一个字都不信。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z3, turns=[ZB, "B: 再等等吧", "A: 跟你这种人说话真是浪费时间，什么东西。"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z4, turns=[ZC, "B: 我尽量吧", "A: 尽量尽量，你脑子进水了吧，听不懂人话？"], intents=[], violations=[("abusive_language", 2)]),
    # false consequences
    dict(as_of=Z5, turns=[ZA, "B: 还不上", "A: 你这已经构成诈骗了，不还钱是要坐牢的。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z6, turns=[ZB, "B: 我知道了", "A: 明天派出所就会过来拘留你，你自己掂量。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z1, turns=[ZC, "B: 我没钱", "A: 我们已经申请刑事立案了，你马上就会被通缉。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z2, turns=[ZA, "B: 我不是不还", "A: 你会被拉进黑名单一辈子，以后高铁飞机都别想坐。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z3, turns=[ZB, "B: 再给点时间", "A: 你再不还，你孩子以后上学都要受影响，好学校想都别想。"], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=Z4, turns=[ZC, "B: 嗯", "A: 不还钱的话，你名下的房子车子下周就全部强制拍卖。"], intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z1, turns=[ZA, "B: 我下周五还五百", "A: 你最好说到做到，不然你的征信永远洗不白，一辈子都贷不了款。"], intents=["promise_to_pay"],
         promise=P("2026-07-10", 500), violations=[("false_consequence", 2)]),
    dict(as_of=Z5, turns=[ZB, "B: 我现在拿不出来", "A: 再拖下去就是恶意逃债，要判刑的，少说三年。"], intents=[], violations=[("false_consequence", 2)]),
    # impersonation
    dict(as_of=Z3, turns=["A: 喂，这里是朝阳区人民法院执行庭，你欠安信小贷的款已经进入执行程序。", "B: 我……我下个月十号一定还清。"],
         intents=["promise_to_pay"], promise=P("2026-12-10"), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z2, turns=["A: 我是县公安局经侦大队的，有人举报你恶意拖欠网贷，配合一下调查。", "B: 我没有恶意拖欠，我是被公司裁员了。"],
         intents=["hardship"], hardship="job_loss", violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z6, turns=[ZB, "B: 你到底是谁", "A: 实话跟你说吧，我其实是法院执行局的，这个案子现在归我们管了。"], intents=[],
         violations=[("impersonation_of_authority", 2)]),
    dict(as_of=Z4, turns=["A: 你好，这里是市政府金融监管局，我们接到投诉说你欠佳禾金融的钱一直不还。", "B: 我是要还的"], intents=[],
         violations=[("impersonation_of_authority", 0)], missing=["agent_identity", "recording_notice"]),
    # lawful look-alikes
    dict(as_of=Z5, turns=[ZA, "B: 晚几天还有啥影响", "A: 逾期记录会按规定报送央行征信，可能影响您以后办贷款。", "B: 好吧，后天我还一千二"],
         intents=["promise_to_pay"], promise=P("2026-02-28", 1200)),
    dict(as_of=Z6, turns=[ZB, "B: 我就是不想还", "A: 如果您一直不处理，公司可能会依法通过诉讼途径解决。"], intents=["refusal"]),
    dict(as_of=Z1, turns=[ZC, "B: 你们会起诉我吗", "A: 公司保留依法追偿的权利，具体由法务部门评估。", "B: 那我月底前还清三千六"],
         intents=["promise_to_pay"], promise=P("2026-06-30", 3600)),
    dict(as_of=Z2, turns=[ZA, "B: 你们是不是要告诉我家里人", "A: 不会的，我们不会向您的家人或同事透露您的借款信息。"], intents=[]),
    dict(as_of=Z3, turns=[ZB, "B: 嗯", "A: 按照合同约定，逾期会产生罚息，这个您需要了解一下。"], intents=[]),
    dict(as_of=Z4, turns=[ZC, "B: 我没钱", "A: 您的案件已经转给合作律所，后续可能会收到律师函，请您留意。"], intents=[]),
    # third parties
    dict(as_of=Z5, turns=["A: 喂，您好，我是安信小贷的，打电话是因为张磊的借款逾期三个月了，您是张磊本人吗？", "O: 不是，我是他同事。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    dict(as_of=Z6, turns=["A: 你好，请问是陈静吗？", "O: 她不在，我是她室友。", "A: 好的，我是佳禾金融的，麻烦让她回个电话，谢谢。"],
         intents=["wrong_party"]),
    dict(as_of=Z1, turns=["A: 请问是刘洋家吗？", "O: 是，我是他爸。", "A: 叔叔，刘洋在我们这借了两万块钱一直不还，您管管他。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=Z2, turns=["A: 您好，这里是恒泰消费金融，找一下周婷。", "O: 打错了，这里没有这个人。"], intents=["wrong_party"]),
    dict(as_of=Z3, turns=["A: 你好，我找李强，他欠我们公司的钱到现在没还。", "O: 我是他邻居，他早搬走了。"], intents=["wrong_party"],
         violations=[("third_party_disclosure", 0)]),
    dict(as_of=Z4, turns=["A: 喂，是黄伟吗？关于你欠款的事。", "B: 是我，怎么了"], intents=[], missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z5, turns=["A: 你好，是孙丽的家属吗？孙丽在我们平台的欠款已经逾期，需要家属协助还款。", "O: 我是她妈妈，这事我不知道。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    # missing disclosures on calls reaching the debtor
    dict(as_of=Z6, turns=["A: 喂，吴刚是吧？", "B: 对，哪位？", "A: 你那个欠款什么时候还？", "B: 下周一吧，先还八百"], intents=["promise_to_pay"],
         promise=P("2026-07-20", 800), missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z1, turns=["A: 您好，我是安信小贷的小刘。", "B: 嗯，有什么事", "A: 您的借款已经逾期二十天了，今天能处理吗？", "B: 今天不行，我明天中午前还两千"],
         intents=["promise_to_pay"], promise=P("2026-07-01", 2000), missing=["recording_notice"]),
    dict(as_of=Z2, turns=["A: 这通电话会录音。请问是郑敏女士吗？", "B: 是的", "A: 您上个月的账单还没还，打算什么时候还？", "B: 15号发工资就还"],
         intents=["promise_to_pay"], promise=P("2026-09-15"), missing=["agent_identity"]),
    dict(as_of=Z3, turns=["A: 喂，我是佳禾金融的客服，电话录音了。", "B: 哦，什么事？", "A: 就是确认一下您这个号码还在用。", "B: 在用的"], intents=[],
         missing=["call_purpose"]),
    # callback requests
    dict(as_of=Z4, turns=[ZA, "B: 我在开会，晚点打给我"], intents=["callback_request"]),
    dict(as_of=Z5, turns=[ZB, "B: 现在不方便说话，下午再说吧"], intents=["callback_request"]),
    dict(as_of=Z6, turns=[ZC, "B: 我在开车呢，你过半小时再打过来"], intents=["callback_request"]),
    dict(as_of=Z1, turns=[ZA, "B: 正在上课，下课了我回你电话"], intents=["callback_request"]),
    dict(as_of=Z2, turns=[ZB, "B: 哎呀我这边信号不好，明天上午你再联系我"], intents=["callback_request"]),
    dict(as_of=Z3, turns=[ZC, "B: 孩子在哭，我现在顾不上，等会儿再打好吗"], intents=["callback_request"]),
    # hardship wordings
    dict(as_of=Z4, turns=[ZA, "B: 厂里裁员，我上个月被优化了，现在天天在家待着"], intents=["hardship"], hardship="job_loss"),
    dict(as_of=Z5, turns=[ZB, "B: 饭碗丢了，公司把我辞退了，还在找工作呢"], intents=["hardship"], hardship="job_loss"),
    dict(as_of=Z6, turns=[ZC, "B: 我查出来肾结石，刚做完手术，躺床上起不来"], intents=["hardship"], hardship="illness"),
    dict(as_of=Z1, turns=[ZA, "B: 我腰椎间盘突出，干不了活，一直在做理疗"], intents=["hardship"], hardship="illness"),
    dict(as_of=Z2, turns=[ZB, "B: 现在单子少，提成一分没有，每个月就拿个底薪"], intents=["hardship"], hardship="income_drop"),
    dict(as_of=Z3, turns=[ZC, "B: 店里生意一落千丈，一天都开不了张"], intents=["hardship"], hardship="income_drop"),
    dict(as_of=Z4, turns=[ZA, "B: 我爸中风了，在ICU躺着，钱全花在医院了"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z5, turns=[ZB, "B: 家里老人走了，办丧事把钱都用完了"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z6, turns=[ZC, "B: 前阵子发大水，我家一楼全淹了，东西都泡坏了"], intents=["hardship"], hardship="disaster"),
    dict(as_of=Z1, turns=[ZA, "B: 家里着火了，房子烧了一半"], intents=["hardship"], hardship="disaster"),
    dict(as_of=Z2, turns=[ZB, "B: 我被网上刷单的骗了，钱全被骗光了"], intents=["hardship"], hardship="other"),
    dict(as_of=Z3, turns=[ZC, "B: 我现在失业了，等找到工作了再还"], intents=["hardship"], hardship="job_loss"),
    # promises, hedges, other intents
    dict(as_of=Z1, turns=[ZA, "B: 这样，本周五下午之前，我把一千五先打过去"], intents=["promise_to_pay"], promise=P("2026-07-03", 1500)),
    dict(as_of=Z2, turns=[ZB, "B: 我尽量月底前还吧，不能保证"], intents=[]),
    dict(as_of=Z3, turns=[ZC, "B: 下个月底，两千五，一次性结清"], intents=["promise_to_pay"], promise=P("2026-12-31", 2500)),
    dict(as_of=Z4, turns=[ZA, "B: 大后天，我保证还上一万二"], intents=["promise_to_pay"], promise=P("2026-10-14", 12000)),
    dict(as_of=Z5, turns=[ZB, "B: 看情况吧，要是老板发了工资我就还"], intents=[]),
    dict(as_of=Z6, turns=[ZC, "B: 20号那天肯定还，三千块"], intents=["promise_to_pay"], promise=P("2026-07-20", 3000)),
    dict(as_of=Z2, turns=[ZA, "B: 我后天还你们两千三百五"], intents=["promise_to_pay"], promise=P("2026-09-06", 2350)),
    dict(as_of=Z5, turns=[ZB, "B: 下周五之前吧，先还一千"], intents=["promise_to_pay"], promise=P("2026-03-06", 1000)),
    dict(as_of=Z4, turns=[ZA, "A: 能不能下周五前还清四千？", "B: 行，就这么定了"], intents=["promise_to_pay"], promise=P("2026-10-16", 4000)),
    dict(as_of=Z3, turns=[ZA, "B: 三天后还八千五"], intents=["promise_to_pay"], promise=P("2026-12-03", 8500)),
    dict(as_of=Z6, turns=[ZB, "B: 你们利息这么高，我一分都不会还的"], intents=["refusal"]),
    dict(as_of=Z1, turns=[ZC, "B: 我昨天已经在APP上结清了，你们查一下"], intents=["claims_paid"]),
    dict(as_of=Z2, turns=[ZA, "B: 我从来没在你们那借过钱，是不是搞错了"], intents=["dispute"]),
    dict(as_of=Z3, turns=[ZB, "B: 我就借了三千，怎么变成五千八了？这数不对"], intents=["dispute"]),
]

EN = [
    # threats
    dict(as_of=E1, turns=[EA, "B: I can't right now.", "A: Then maybe I should give your boss a call and let him know what kind of person he's employing."],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=E2, turns=[EB, "B: I'll see.", "A: We'll post about your debt on Facebook so all your friends can see it."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=E3, turns=[EC, "B: I don't have it.", "A: I'll start calling everyone in your contacts list, one by one."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=E4, turns=[EA, "B: I don't have it.", "A: Your neighbors are going to hear all about this, I promise you."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=E5, turns=[EB, "B: Give me a break.", "A: It'd be a shame if something happened to that nice car of yours."], intents=[],
         violations=[("threat", 2)]),
    dict(as_of=E6, turns=[EC, "B: I don't have the money.", "A: We know where your kids go to school."], intents=[], violations=[("threat", 2)]),
    dict(as_of=E1, turns=[EA, "B: Okay.", "A: Maybe we'll just swing by your place tonight and have a little talk in front of your family."], intents=[],
         violations=[("threat", 2)]),
    # insults
    dict(as_of=E2, turns=[EA, "B: I'm broke.", "A: You're a deadbeat, plain and simple."], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=E3, turns=[EB, "B: I'll try next month.", "A: Typical loser excuse."], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=E4, turns=[EC, "B: I forgot.", "A: What kind of idiot forgets a loan payment?"], intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=E5, turns=[EA, "B: I can't pay.", "A: Stop lying to me, you lowlife scammer."], intents=[], violations=[("abusive_language", 2)]),
    # false consequences
    dict(as_of=E6, turns=[EB, "B: I can't today.", "A: There's an arrest warrant being prepared with your name on it."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=E1, turns=[EC, "B: So what?", "A: We'll garnish your wages starting tomorrow, no court needed."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=E2, turns=[EA, "B: I don't have it.", "A: You'll go to jail if this isn't settled by Friday."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=E3, turns=[EB, "B: Whatever.", "A: This stays on your record forever, you'll never get credit again in your life."], intents=[],
         violations=[("false_consequence", 2)]),
    dict(as_of=E4, turns=[EC, "B: I need more time.", "A: We're going to have your driver's license suspended and your passport revoked."], intents=[],
         violations=[("false_consequence", 2)]),
    # impersonation
    dict(as_of=E1, turns=["A: This is Deputy Harris from the county sheriff's office regarding an unpaid Brightpath loan.", "B: What? I'll pay it on Friday, I swear."],
         intents=["promise_to_pay"], promise=P("2026-07-03"), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=E5, turns=["A: Hello, I'm calling from the district court on behalf of Northwind Credit, there's a judgment pending against you for your overdue loan.",
                          "B: Okay..."], intents=[], violations=[("impersonation_of_authority", 0)], missing=["agent_identity", "recording_notice"]),
    dict(as_of=E6, turns=[EA, "B: Who is this really?", "A: I work with the state attorney general's office now, this is a criminal matter."], intents=[],
         violations=[("impersonation_of_authority", 2)]),
    # lawful look-alikes
    dict(as_of=E2, turns=[EB, "B: What happens if I don't pay?", "A: We may pursue lawful collection, including legal review of your account, and late payments are reported to the credit bureaus.",
                          "B: Alright, I'll pay $300 on the 15th."], intents=["promise_to_pay"], promise=P("2026-09-15", 300)),
    dict(as_of=E3, turns=["A: Hi, this is Dana from Summit Finance. I'm required to tell you this call is recorded. Is this Kevin Ortiz?", "B: Yes.",
                          "A: I'm calling about your overdue installment.", "B: Can you call me back after 6? I'm at work."], intents=["callback_request"]),
    dict(as_of=E4, turns=[EC, "B: Are you going to tell my wife?", "A: No, we don't discuss your account with anyone but you."], intents=[]),
    dict(as_of=E5, turns=[EA, "B: Can you sue me?", "A: The company could decide to file a lawsuit; that would be up to a court, not me."], intents=[]),
    # third parties
    dict(as_of=E6, turns=["A: Hi, I'm calling from Brightpath Lending about Mike Chen's overdue loan of $2,400. Is this Mike?", "O: No, this is his roommate."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    dict(as_of=E1, turns=["A: Hello, may I speak with Laura Kim?", "O: She's not home, I'm her husband.", "A: This is Jordan from Brightpath Lending, could you have her call me back?"],
         intents=["wrong_party"]),
    dict(as_of=E2, turns=["A: Is this Tom?", "O: This is his brother.", "A: Tell him he's ninety days behind on his payments and we're not going to wait forever."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=E3, turns=["A: Hi, is this Rachel?", "O: Wrong number, sorry."], intents=["wrong_party"]),
    dict(as_of=E4, turns=["A: Good afternoon, I'm calling about a debt owed by Carlos Ruiz.", "O: I'm his coworker, he's not at his desk."],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    # missing disclosures
    dict(as_of=E4, turns=["A: Is this Nicole?", "B: Yeah.", "A: When are you going to pay what you owe?", "B: Next Friday, $500."], intents=["promise_to_pay"],
         promise=P("2026-10-16", 500), missing=["agent_identity", "recording_notice"]),
    dict(as_of=E5, turns=["A: Hi Nicole, this is Sam from Lakeside Loans, about your late payment.", "B: I'll pay tomorrow."], intents=["promise_to_pay"],
         promise=P("2026-02-27"), missing=["recording_notice"]),
    dict(as_of=E6, turns=["A: This call may be recorded. Am I speaking with Greg?", "B: Speaking.", "A: Your loan is two months past due.", "B: I'm aware."],
         intents=[], missing=["agent_identity"]),
    # callback requests
    dict(as_of=E1, turns=[EB, "B: Not a good time, sorry."], intents=["callback_request"]),
    dict(as_of=E2, turns=[EC, "B: I'm driving, call me later this evening."], intents=["callback_request"]),
    dict(as_of=E3, turns=[EA, "B: Could we talk about this tomorrow morning instead?"], intents=["callback_request"]),
    dict(as_of=E4, turns=[EB, "B: I'm with a patient right now, try me after lunch."], intents=["callback_request"]),
    # hardship
    dict(as_of=E5, turns=[EC, "B: They let me go at the warehouse two weeks ago."], intents=["hardship"], hardship="job_loss"),
    dict(as_of=E6, turns=[EA, "B: I've been going through chemo, I can barely get out of bed."], intents=["hardship"], hardship="illness"),
    dict(as_of=E1, turns=[EB, "B: My hours got cut in half, I'm only working twenty hours a week."], intents=["hardship"], hardship="income_drop"),
    dict(as_of=E2, turns=[EC, "B: My wife passed away last month and I'm still sorting things out."], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=E3, turns=[EA, "B: A tornado tore through our town and took the roof off my house."], intents=["hardship"], hardship="disaster"),
    dict(as_of=E4, turns=[EB, "B: Someone stole my identity and drained my bank account."], intents=["hardship"], hardship="other"),
    # promises, hedges, other intents
    dict(as_of=E6, turns=[EC, "B: I'll have $1,250 to you by the end of the month."], intents=["promise_to_pay"], promise=P("2026-07-31", 1250)),
    dict(as_of=E1, turns=[EA, "B: Let me see what I can do, maybe something next week."], intents=[]),
    dict(as_of=E3, turns=[EB, "B: Three days from now I'll pay two hundred fifty dollars."], intents=["promise_to_pay"], promise=P("2026-12-03", 250)),
    dict(as_of=E5, turns=[EA, "B: First thing Monday I'll send nine hundred."], intents=["promise_to_pay"], promise=P("2026-03-02", 900)),
    dict(as_of=E2, turns=[EB, "A: Could you do $750 next Friday?", "B: Sure, that works."], intents=["promise_to_pay"], promise=P("2026-09-11", 750)),
    dict(as_of=E4, turns=[EC, "B: I already paid this off back in March, check your records."], intents=["claims_paid"]),
    dict(as_of=E5, turns=[EA, "B: That's not my loan, I never signed anything."], intents=["dispute"]),
    dict(as_of=E6, turns=[EB, "B: I'm not paying you people, period."], intents=["refusal"]),
    dict(as_of=E1, turns=[EC, "B: If my tax refund comes in, I'll pay it all."], intents=[]),
]
