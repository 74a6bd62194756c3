"""Fresh hand-labelled Chinese calls (colloquial, regional, ASR-like noise), written from the label definitions
in issue 8 before looking at the analyser. A: agent, B: borrower (the debtor), O: someone else.

as_of anchors (local weekday): Z1 2026-11-15 Sun, Z2 2026-11-30 Mon (last day), Z3 2026-12-31 Thu (year end),
Z4 2027-01-31 Sun (last day), Z5 2026-02-27 Fri (day before month end), Z6 2026-11-13 Fri 07:30 (the UTC date is
still the 12th), Z7 2026-09-16 Wed (day after the 15th), Z8 2026-06-01 Mon, Z9 2026-10-31 Sat (last day).
"""

Z1 = "2026-11-15T16:20:00+08:00"
Z2 = "2026-11-30T09:15:00+08:00"
Z3 = "2026-12-31T20:45:00+08:00"
Z4 = "2027-01-31T11:00:00+08:00"
Z5 = "2026-02-27T10:30:00+08:00"
Z6 = "2026-11-13T07:30:00+08:00"
Z7 = "2026-09-16T14:00:00+08:00"
Z8 = "2026-06-01T10:00:00+08:00"
Z9 = "2026-10-31T15:00:00+08:00"

D1 = "A: 喂您好，我是安信消费金融的客服小刘，本次通话全程录音，打电话给您是关于您那笔借款的还款。"
D2 = "A: 您好，这里是恒远金融贷后部，我姓赵，通话会被录音，今天联系您是提醒您账单逾期了。"
D3 = "A: 喂你好我是众信小贷的小马这个电话有录音哈主要是说一下你借款还款的事情"


def P(date, amount=None):
    return {"date": date, "amount": amount}


CALLS = [
    # --- promises in colloquial / regional speech
    dict(as_of=Z1, turns=[D1, "B: 啊 知道知道 这个月确实拖了哈", "A: 那您看啥时候能还上呢", "B: 那就下周五吧 下周五俺发工资 先还两千"],
         intents=["promise_to_pay"], promise=P("2026-11-20", 2000)),
    dict(as_of=Z1, turns=[D2, "B: 嗯", "A: 您这期欠款是一千五，下周三之前能还上吗？", "B: 那就下周三吧，行。"],
         intents=["promise_to_pay"], promise=P("2026-11-18", 1500)),
    dict(as_of=Z2, turns=[D2, "B: 晓得晓得 本月底之前还嘛 就今天晚上 三千块一分不少"],
         intents=["promise_to_pay"], promise=P("2026-11-30", 3000)),
    dict(as_of=Z2, turns=[D1, "B: 俺这个窟窿有点大 1万5呢 下个月底一次性给你还清中不中", "A: 您确定下个月底能还一万五吗？", "B: 中 肯定的"],
         intents=["promise_to_pay"], promise=P("2026-12-31", 15000)),
    dict(as_of=Z3, turns=[D1, "B: 明天元旦 我明天一早就把五百还了 放心哈"],
         intents=["promise_to_pay"], promise=P("2027-01-01", 500)),
    dict(as_of=Z3, turns=[D2, "B: 这个月是真木有了 下个月十五号发工资 下个月十五号我还你1千2"],
         intents=["promise_to_pay"], promise=P("2027-01-15", 1200)),
    dict(as_of=Z4, turns=[D3, "B: 咱也不是不还 下个月底吧 下个月底还两千五"],
         intents=["promise_to_pay"], promise=P("2027-02-28", 2500)),
    dict(as_of=Z4, turns=[D1, "B: 嗯嗯 那个 我就是 怎么说呢 最近确实是手头紧 然后呢事情也多 反正就是 下周五吧 下周五先还两百五 剩下的再说"],
         intents=["promise_to_pay"], promise=P("2027-02-05", 250)),
    dict(as_of=Z5, turns=[D2, "B: 月底吧 就明天 明天我把1500块还上"],
         intents=["promise_to_pay"], promise=P("2026-02-28", 1500)),
    dict(as_of=Z5, turns=[D1, "B: 俺现在在外地呢 三天后回去 三天后还你3千"],
         intents=["promise_to_pay"], promise=P("2026-03-02", 3000)),
    dict(as_of=Z6, turns=["A: 您好，我是安信消费金融的小刘，通话录音，关于您的借款还款。", "B: 明天吧 明天周六我有空 明天还八百"],
         intents=["promise_to_pay"], promise=P("2026-11-14", 800)),
    dict(as_of=Z6, turns=[D3, "B: 15号 俺15号发工资 15号还你一千"],
         intents=["promise_to_pay"], promise=P("2026-11-15", 1000)),
    dict(as_of=Z7, turns=[D2, "B: 俺们厂15号发工资 15号一准还 两千"],
         intents=["promise_to_pay"], promise=P("2026-10-15", 2000)),
    dict(as_of=Z7, turns=[D1, "B: 这周五吧 这周五下午 五百块钱"],
         intents=["promise_to_pay"], promise=P("2026-09-18", 500)),
    dict(as_of=Z7, turns=[D3, "B: 下礼拜一 下礼拜一还一千"],
         intents=["promise_to_pay"], promise=P("2026-09-21", 1000)),
    dict(as_of=Z8, turns=[D2, "B: 月底之前吧 月底之前把这三千块还了"],
         intents=["promise_to_pay"], promise=P("2026-06-30", 3000)),
    dict(as_of=Z8, turns=[D1, "B: 嗯 知道", "A: 您看能还多少？", "B: 一千五 后天还"],
         intents=["promise_to_pay"], promise=P("2026-06-03", 1500)),
    dict(as_of=Z9, turns=[D2, "B: 下周五 下周五还五千块"],
         intents=["promise_to_pay"], promise=P("2026-11-06", 5000)),
    # --- refuses first, then promises
    dict(as_of=Z1, turns=[D1, "B: 不还 你们这利息太黑了 我凭啥还", "A: 逾期会影响您的征信记录，对以后贷款买房都有影响。", "B: ……那行吧 那就月底 月底还一千"],
         intents=["promise_to_pay", "refusal"], promise=P("2026-11-30", 1000)),
    dict(as_of=Z2, turns=[D2, "B: 没钱 不还了", "A: 这样拖下去对您也不好，能不能下周一先还五百？", "B: 唉 那就下周一吧"],
         intents=["promise_to_pay", "refusal"], promise=P("2026-12-07", 500)),
    # --- interruption: the agent never gets to say why they call
    dict(as_of=Z3, turns=["A: 您好我是恒远金融的小赵，通话录音，今天是关于——", "B: 知道知道 不就是那个钱嘛 你听我说——", "A: 您说。", "B: 我下周五 就下周五 还四千 行了吧"],
         intents=["promise_to_pay"], promise=P("2027-01-08", 4000), missing=["call_purpose"]),
    # --- hedges, conditions and offers without a date: not promises
    dict(as_of=Z1, turns=[D1, "B: 哎呀 我尽量下周五还吧 不敢打包票"], intents=[]),
    dict(as_of=Z7, turns=[D2, "B: 争取月底还上吧 我也想早点还完"], intents=[]),
    dict(as_of=Z8, turns=[D3, "B: 嗯", "A: 那您下周五能还吗？", "B: 应该可以吧？我也说不准"], intents=[]),
    dict(as_of=Z9, turns=[D1, "B: 能还的话下周五就还 不能保证哈"], intents=[]),
    dict(as_of=Z2, turns=[D2, "B: 估计下周五能还上点 到时候再看"], intents=[]),
    dict(as_of=Z5, turns=[D1, "B: 一次还不上 每个月还三百行不行"], intents=[]),
    dict(as_of=Z4, turns=[D2, "B: 要是下周五工资发下来 我就还一千"], intents=[]),
    dict(as_of=Z1, turns=[D3, "B: 今年生意忒差了 店里一天也卖不了几个钱", "A: 那您大概什么时候能还", "B: 看情况嘛 月底要是有进账就还点"],
         intents=["hardship"], hardship="income_drop"),
    # --- hardship of every category
    dict(as_of=Z1, turns=[D1, "B: 俺们厂子黄了 俺现在木有工作 真拿不出钱 等找到活再说吧"], intents=["hardship"], hardship="job_loss"),
    dict(as_of=Z2, turns=[D2, "B: 我上个月被公司优化了 现在还在找工作", "A: 那您看什么时候能先还一点？", "B: 下个月十五号吧 下个月十五号还八百"],
         intents=["hardship", "promise_to_pay"], promise=P("2026-12-15", 800), hardship="job_loss"),
    dict(as_of=Z3, turns=[D1, "B: 我自己上个月做了个手术 现在还在家躺着呢 钱都花在医院了"], intents=["hardship"], hardship="illness"),
    dict(as_of=Z7, turns=[D3, "B: 俺这腰间盘突出 躺了俩月了 干不了活 哪来的钱嘛"], intents=["hardship"], hardship="illness"),
    dict(as_of=Z4, turns=[D1, "B: 我妈住院了 脑溢血 家里钱全搭进去了 实在是还不了"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z8, turns=[D2, "B: 孩子出车祸了 还在ICU呢 我尽量月底还点吧"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z9, turns=[D3, "B: 俺爹上礼拜走了 办丧事花了不少 你们宽限几天呗"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z5, turns=[D1, "B: 不是我病了 是我老婆病了 住院呢 天天往医院跑"], intents=["hardship"], hardship="family_emergency"),
    dict(as_of=Z6, turns=[D2, "B: 工资从八千降到四千了 每个月房贷一还就没了"], intents=["hardship"], hardship="income_drop"),
    dict(as_of=Z2, turns=[D1, "B: 我跑滴滴的 现在单子少得可怜 一天挣不了一百块"], intents=["hardship"], hardship="income_drop"),
    dict(as_of=Z8, turns=[D3, "B: 我们那儿发大水 房子淹了 啥都冲没了"], intents=["hardship"], hardship="disaster"),
    dict(as_of=Z3, turns=[D2, "B: 家里着火了 烧得啥都不剩 哪有钱还啊"], intents=["hardship"], hardship="disaster"),
    dict(as_of=Z7, turns=[D1, "B: 我被人骗了 电信诈骗 卡里的钱全被转走了"], intents=["hardship"], hardship="other"),
    dict(as_of=Z4, turns=[D2, "B: 刚离婚 房子车子都归她了 我现在啥都没有"], intents=["hardship"], hardship="other"),
    dict(as_of=Z9, turns=[D3, "B: 我住院了 心脏做了支架 以经一个月没上班了"], intents=["hardship"], hardship="illness"),
    # --- disputes (the debt itself, or its amount)
    dict(as_of=Z1, turns=[D1, "B: 俺压根没借过恁家的钱 你们搞错了吧", "A: 请问您是张伟本人吗？", "B: 俺就是张伟 但俺没借过"], intents=["dispute"]),
    dict(as_of=Z2, turns=[D2, "B: 我借的是三千 咋就变成五千了 这账不对"], intents=["dispute"]),
    dict(as_of=Z8, turns=[D1, "B: 本金我认 但是这个什么服务费两千块我不认"], intents=["dispute"]),
    dict(as_of=Z9, turns=[D2, "B: 这钱是我借的 我不否认 就是现在真没钱"], intents=[]),
    dict(as_of=Z3, turns=[D3, "B: 我没借过 凭什么还 一分都不还"], intents=["dispute", "refusal"]),
    # --- already paid
    dict(as_of=Z4, turns=[D1, "B: 我上个礼拜就还了啊 以经转过去了 你们查查"], intents=["claims_paid"]),
    dict(as_of=Z7, turns=[D2, "B: 钱早还清了 app上都显示结清了"], intents=["claims_paid"]),
    dict(as_of=Z5, turns=[D3, "B: 我老婆昨天帮我还了 你们那边没收到吗"], intents=["claims_paid"]),
    dict(as_of=Z5, turns=[D2, "B: 还没还呢 下周五一定还"], intents=["promise_to_pay"], promise=P("2026-03-06")),
    # --- someone else answers
    dict(as_of=Z8, turns=["A: 喂，请问是李强吗？", "O: 不是 我是他同事 他出去了", "A: 好的，那麻烦您转告他给我们回个电话，谢谢。"], intents=["wrong_party"]),
    dict(as_of=Z1, turns=["A: 喂 张伟在吗", "O: 他不在 我是他媳妇儿 啥事啊", "A: 他在我们平台欠了八千块钱 逾期三个月了 你让他赶紧还"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    dict(as_of=Z2, turns=["A: 您好，我是恒远金融的，打电话是催收您逾期的借款，您现在欠款五千二。", "O: 啥？你打错了吧 我不是什么王芳 这号码我刚办的"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 0)]),
    dict(as_of=Z3, turns=["A: 您好，我是安信消费金融的小刘，请问是陈静女士吗？", "O: 不是 打错了", "A: 不好意思打扰了。"], intents=["wrong_party"]),
    dict(as_of=Z9, turns=["A: 喂，您好，请问是赵磊吗？我是众信小贷的。", "O: 他在开会呢 我是他同事 你晚点再打吧", "A: 好的，谢谢。"], intents=["wrong_party"]),
    dict(as_of=Z4, turns=["A: 喂你好 是刘洋吗", "O: 啥刘洋 木有这个人 打错了"], intents=["wrong_party"]),
    dict(as_of=Z6, turns=["A: 您好，请问是周敏吗？", "O: 我是她老公，她在洗澡，有啥事？", "A: 我是安信消费金融的，她的信用卡分期还款已经逾期了，麻烦您提醒她一下。"],
         intents=["wrong_party"], violations=[("third_party_disclosure", 2)]),
    # --- callback requests
    dict(as_of=Z6, turns=[D1, "B: 我在开车呢 晚点打给我 下午三点以后"], intents=["callback_request"]),
    dict(as_of=Z7, turns=[D2, "B: 俺正上班呢 领导在旁边 你晚上再打吧 哈"], intents=["callback_request"]),
    dict(as_of=Z2, turns=[D3, "B: 现在不方便说话 你明天再打吧"], intents=["callback_request"]),
    # --- agent violations (indirect) and lawful statements
    dict(as_of=Z1, turns=[D1, "B: 我现在没钱", "A: 你不想让你单位知道吧？你们领导知道了你这工作还保得住吗", "B: 你别这样 我月底还 月底还三千"],
         intents=["promise_to_pay"], promise=P("2026-11-30", 3000), violations=[("threat", 2)]),
    dict(as_of=Z2, turns=[D2, "B: 再宽限几天吧", "A: 再拖法院马上就来抓人了 你自己掂量", "B: 那我下周五还一千五"],
         intents=["promise_to_pay"], promise=P("2026-12-11", 1500), violations=[("false_consequence", 2)]),
    dict(as_of=Z3, turns=["A: 喂，王刚是吧，我们是公安局经侦的，你在安信金融的借款到现在还没还。", "B: 啊？我……我下周一还 两千"],
         intents=["promise_to_pay"], promise=P("2027-01-04", 2000), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z8, turns=[D3, "B: 没钱", "A: 你这种老赖真不要脸 借钱的时候咋不说没钱", "B: 你骂谁呢"],
         intents=[], violations=[("abusive_language", 2)]),
    dict(as_of=Z5, turns=[D1, "B: 拖几天能咋地", "A: 逾期会影响征信记录，以后贷款、信用卡审批都可能受影响。", "B: 那我后天还 一千"],
         intents=["promise_to_pay"], promise=P("2026-03-01", 1000)),
    dict(as_of=Z6, turns=[D2, "B: 我下个月再说吧", "A: 不还的话你一辈子上黑名单 坐高铁飞机都不行 孩子也上不了学"],
         intents=[], violations=[("false_consequence", 2)]),
    dict(as_of=Z7, turns=[D1, "B: 我就不还 你能把我咋地", "A: 如果长期不还，我们可能会依法通过诉讼途径处理，这是合同约定的。", "B: 随便你们 告去吧"],
         intents=["refusal"]),
    dict(as_of=Z9, turns=[D2, "B: 我下周再说", "A: 行啊 那我们就把你欠钱的事发到你家族群里 让你亲戚都看看"],
         intents=[], violations=[("threat", 2)]),
    dict(as_of=Z4, turns=["A: 这里是人民法院执行局，你的借款纠纷已经立案了。", "B: 法院？我…我月底还 月底一定还五千", "A: 好，月底之前把欠款还上。"],
         intents=["promise_to_pay"], promise=P("2027-01-31", 5000), violations=[("impersonation_of_authority", 0)],
         missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z8, turns=["A: 喂，是孙丽吗？", "B: 是我", "A: 你那个钱啥时候还？", "B: 下周五 下周五还一千二"],
         intents=["promise_to_pay"], promise=P("2026-06-12", 1200), missing=["agent_identity", "recording_notice"]),
    dict(as_of=Z2, turns=["A: 您好，我是恒远金融的小赵，关于您借款还款的事情给您打个电话。", "B: 哦 我明天还 两千"],
         intents=["promise_to_pay"], promise=P("2026-12-01", 2000), missing=["recording_notice"]),
    dict(as_of=Z1, turns=["A: 喂，刘强吗？", "B: 嗯 谁啊", "A: 我是安信消费金融的小刘，这个电话会录音的，您的借款已经逾期五天了。", "B: 晓得了 后天还 五百"],
         intents=["promise_to_pay"], promise=P("2026-11-17", 500)),
    # --- amounts and dates in mixed forms
    dict(as_of=Z7, turns=[D2, "B: 下周五还一千零五十 正好把这期结了"], intents=["promise_to_pay"], promise=P("2026-09-25", 1050)),
    dict(as_of=Z9, turns=[D1, "B: 下个月底 下个月底还2,000元"], intents=["promise_to_pay"], promise=P("2026-11-30", 2000)),
    dict(as_of=Z4, turns=[D3, "B: 三天后给你打两千五百块"], intents=["promise_to_pay"], promise=P("2027-02-03", 2500)),
    dict(as_of=Z6, turns=[D1, "B: 月底还一万二 全部结清"], intents=["promise_to_pay"], promise=P("2026-11-30", 12000)),
    dict(as_of=Z8, turns=[D2, "A: 您目前逾期金额是四千八百元。", "B: 四千八我一下拿不出来 本周五先还一千八"],
         intents=["promise_to_pay"], promise=P("2026-06-05", 1800)),
    dict(as_of=Z7, turns=[D1, "B: 明天不行 明天真不行 后天吧 后天还六百"], intents=["promise_to_pay"], promise=P("2026-09-18", 600)),
    dict(as_of=Z2, turns=[D1, "B: 哎呀你说这个事儿吧 我跟你讲 我本来上个月就想还的 结果呢这个那个的 又是随礼又是啥的 我手头就紧了嘛 "
                              "我也不是那种赖账的人 你放心 我这人最讲信用了 这样吧 本周五 本周五我先还一千 剩下的下个月再说"],
         intents=["promise_to_pay"], promise=P("2026-12-04", 1000)),
    dict(as_of=Z9, turns=[D3, "B: 喂喂听得到吗 我说我下周五换钱 下周五还你们五百"], intents=["promise_to_pay"], promise=P("2026-11-06", 500)),
    dict(as_of=Z1, turns=[D2, "B: 好啦好啦 下週五還你一千塊"], intents=["promise_to_pay"], promise=P("2026-11-20", 1000)),
    dict(as_of=Z8, turns=[D1, "B: 15 号 还 1500"], intents=["promise_to_pay"], promise=P("2026-06-15", 1500)),
    dict(as_of=Z3, turns=[D2, "B: 下个月底还三千块 这次说话算话"], intents=["promise_to_pay"], promise=P("2027-01-31", 3000)),
    dict(as_of=Z9, turns=[D1, "B: 嗯", "A: 那您看明天能不能先还一部分？", "B: 明天不行 那就后天吧 后天还八百"],
         intents=["promise_to_pay"], promise=P("2026-11-02", 800)),
    dict(as_of=Z6, turns=[D2, "A: 一共两千三，下周三能还清吗？", "B: 那就下周三吧"], intents=["promise_to_pay"], promise=P("2026-11-18", 2300)),
    dict(as_of=Z7, turns=[D3, "B: 下周五肯定还 不过能还多少我尽量多还点"], intents=["promise_to_pay"], promise=P("2026-09-25")),
    dict(as_of=Z3, turns=[D1, "B: 不是不还 是真没钱 你让我拿啥还"], intents=[]),
    dict(as_of=Z3, turns=[D2, "B: 我没说不还啊 月底还 还三千五"], intents=["promise_to_pay"], promise=P("2026-12-31", 3500)),
    dict(as_of=Z5, turns=[D3, "B: 冇钱啊 真系冇钱", "A: 是遇到什么困难了吗？", "B: 冇啊 就系冇钱"], intents=[]),
    dict(as_of=Z1, turns=[D1, "B: 侬讲的我晓得 下礼拜五还侬两千 好伐"], intents=["promise_to_pay"], promise=P("2026-11-20", 2000)),
    dict(as_of=Z4, turns=[D2, "B: 嗯呐 明儿个 明儿个俺就给你还上 五百"], intents=["promise_to_pay"], promise=P("2027-02-01", 500)),
]
