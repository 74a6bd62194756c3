"""Agent QA cues: violations (most specific first) and the three disclosures, per language."""

from __future__ import annotations

import re

from duecare.speech.lexicon import Rule, _rule

# The people around a debtor whom exposure would reach.
_ZH_CIRCLE = r"(?:全家|家人|家里人?|父母|爸妈|老婆|老公|媳妇|单位|领导|老板|公司|同事|朋友|亲戚|邻居|街坊|所有人|大家|全村|村里|全小区|小区|全公司)"
_EN_CIRCLE = (r"(?:employer|boss|family|wife|husband|parents|mother|mom|dad|father|neighbou?rs|coworkers|co-workers|colleagues|"
              r"friends|everyone|everybody|church|contacts|relatives|manager|landlord|in-laws)")

# Tried in this order; a turn gets the first code that fires (the most specific one).
VIOLATIONS: dict[str, dict[str, Rule]] = {
    "zh": {
        "impersonation_of_authority": _rule("zh", [
            r"(?:我|我们|这里|这边|我这边|本人)(?:其实|就|现在|可|今天)?是[^，。,！？]{0,10}(?:法院|公安|警察|派出所|检察院|经侦|司法局|政府|监管局|银保监|金融监管|网警|执行局|仲裁委)",
            r"我是.{0,4}(?:警官|法官|执行官|民警)", r"(?:以|代表)(?:法院|公安|警方|政府|检察院)(?:的名义)?(?:正式)?(?:通知|告知|传唤)", r"(?:法院|公安局|派出所|检察院)的?(?:工作人员|执行人员|民警|法官)(?:，|,)?(?:我|现在)",
        ], [r"(?:可以|建议|您可以)(?:去|向|到|找).{0,6}(?:法院|公安|监管|派出所)", r"(?:不是|并非|不代表)(?:法院|公安|政府)"]),
        "false_consequence": _rule("zh", [
            r"坐牢|判刑|拘留|(?:抓|逮)(?:你|人|起来|走)|逮捕|刑事(?:责任|案件|立案)|上门抓|通缉|公安立案|蹲监狱|进监狱|吃牢饭",
            r"(?:一辈子|永久|永远|终身).{0,8}(?:贷不了|借不了|坐不了|征信|黑名单|污点|贷款|拉黑)",
            # a lifetime ban of any kind is not a lawful consequence of a consumer debt
            r"(?:一辈子|永久|永远|终身)(?:都)?(?:不能|不准|不许|禁止|没法|别想)",
            r"(?:拉|进|上)黑(?:名单)?.{0,6}(?:一辈子|永久|永远|终身)", r"(?:影响|连累).{0,4}(?:孩子|子女|小孩).{0,4}(?:上学|考公|入学|工作|当兵)",
            r"(?:子女|孩子|小孩).{0,4}(?:不能|没法|上不了).{0,2}(?:上学|考公务员|当兵)",
            # a child's schooling or career harmed by a parent's consumer debt, in either order
            r"(?:子女|孩子|小孩|儿子|女儿)[^，。？]{0,8}(?:上学|入学|读书|考公|考编|当兵|参军|政审|前途)[^，。？]{0,6}(?:受影响|受限|受牵连|有影响|不能|不了|没法|别想|完了)",
            # property seized or auctioned, stated as a certainty with no court or lawful process named
            r"^(?!.*(?:依法|法院判决|经法院|申请法院|可能|有可能|诉讼)).*(?:房子|房产|车子|汽车|家产|财产|存款|名下)[^，。？]{0,10}(?:强制)?(?:拍卖|查封|没收|扣押|收走|拖走)", r"冻结.{0,6}(?:全家|家人)",
            r"(?:没收|查封|收走)(?:你的?)?(?:房子|车|家产)", r"坐不了(?:飞机|高铁)",
        ], [r"(?:不会|不用|不至于|并不会)(?:坐牢|判刑|被抓|拘留)", r"不是刑事"]),
        "threat": _rule("zh", [
            r"(?:告诉|通知|联系|打给|告知|找|打电话给)(?:你的?)?(?:家人|家里人|父母|爸妈|老婆|老公|单位|领导|老板|公司|同事|朋友|通讯录|亲戚|邻居|所有人|村里|全村|紧急联系人)",
            r"(?:发|曝光|挂|公布|贴).{0,6}(?:朋友圈|网上|抖音|微博|小区|村里|公司|单位|群里)", r"(?:让|叫)你.{0,6}(?:身败名裂|抬不起头|没脸|丢人|混不下去)",
            r"(?:小心|当心)(?:点|一点|你的|你家)", r"(?:打断|弄死|收拾|废了)你", r"有你(?:好看|好受)的?", r"(?:上门|去你(?:家|单位|公司)).{0,6}(?:闹|堵|找你麻烦|让你难看)",
            r"(?:给|让)你(?:全家|家人).{0,4}(?:好看|难看|不得安宁)", r"曝光你",
            # the contacts list: 爆通讯录, calling everyone in the phone
            r"爆(?:你的?)?(?:通讯录|联系人|手机)", r"(?:通讯录|联系人|手机里的人|微信好友)[^，。？]{0,10}(?:打|发|联系|通知|群发|挨个)",
            r"社死|社会性死亡|人肉(?:你|搜索)",
            # we have / can reach the people around you (the contact itself is the threat)
            rf"(?:{_ZH_CIRCLE}){{1,3}}的?(?:电话|联系方式|地址|微信)[^，。？]{{0,4}}我们(?:都|早就|已经)?(?:有|知道|查到|拿到)",
            rf"我们(?:都|早就|已经)?(?:有|知道|查到|拿到)(?:了)?(?:你的?|你们)?(?:{_ZH_CIRCLE}){{1,3}}的?(?:电话|联系方式|地址|微信)",
            rf"(?:{_ZH_CIRCLE}){{1,3}}[^，。？]{{0,8}}(?:我们)?(?:都)?(?:联系得上|找得到|找得着|能联系上|能找到)",
            # the family's whereabouts, named by the agent: 你女儿在实验小学读书吧 / we know where you live
            r"(?:你的?|你家)?(?:女儿|儿子|孩子|小孩|老婆|老公|媳妇|父母|爸妈|爸|妈)[^，。？]{0,3}在[^，。？]{0,10}(?:上学|读书|读|小学|中学|幼儿园|学校|上班)",
            r"知道你(?:家)?(?:住|在)(?:哪|哪儿|哪里|什么地方)",
            # exposure, also as a question: 你不想让你单位知道吧？ / 你们领导知道了你这工作还保得住吗
            rf"(?:让|叫)(?:你的?|你们)?{_ZH_CIRCLE}(?:的人)?(?:都|也)?知道", r"(?:贴|张贴|挂|发)(?:你的?)?(?:告示|大字报|照片|名字|欠条|通缉)", rf"(?:你的?|你们){_ZH_CIRCLE}(?:要是|如果)?(?:都|也)?知道了",
        ], [r"(?:不会|绝不会|不会去|不会主动)(?:告诉|通知|联系|打给|让)", r"保密"]),
        "abusive_language": _rule("zh", [
            (r"老赖|骗子|无赖|不要脸|废物|垃圾|人渣|混蛋|王八蛋|畜生|傻[逼bB]|傻子|白痴|蠢货|脑子有病|有病吧|滚|去死|臭不要脸|厚脸皮|窝囊废|穷鬼|穷光蛋|"
            r"你算什么东西|丢人现眼|没出息|不要脸的|什么东西|狗东西|(?:你|你们)(?:这种|这样的)(?:人|货色|东西)|脑子进水|听不懂人话|猪脑子|没脑子|不是人|贱人|下贱"),
        ]),
    },
    "en": {
        "impersonation_of_authority": _rule("en", [
            (r"\b(?:this is|i'm|i am|we are|we're|calling from|calling on behalf of|i work (?:for|with|at|in)|i'm with|we're with|i'm from|i am from|we're from|here from)\s+(?:the\s+)?(?:[\w.]+\s+){0,3}?"
            r"(?:court|police|sheriff|marshal|district attorney|attorney general|irs|fbi|department of justice|government|law enforcement|county clerk)"),
            r"\b(?:this is|i'm|i am) (?:officer|detective|sergeant|deputy|judge|agent \w+ (?:from|of) the)\b",
        ], [r"\b(?:not|never) (?:the|a|with the) (?:police|court|government)", r"\byou (?:can|may) (?:contact|call|reach)"]),
        "false_consequence": _rule("en", [
            r"\b(?:jail|prison|arrest(?:ed)?|criminal charges?|warrant|locked up|handcuff|criminal record)\b",
            r"\b(?:ruin|destroy|wreck) your credit (?:forever|for life|permanently)\b", r"\b(?:credit|record)\b.{0,20}\b(?:forever|for life|permanently|for good)\b",
            r"\bblacklist(?:ed)?\b", r"\bnever (?:get|be able to get|be approved for) (?:a |any )?(?:loan|credit|mortgage|credit card)",
            r"\b(?:take|seize|repossess) your (?:house|home|kids|children)\b", r"\bdeport(?:ed|ation)?\b",
            r"\byour (?:kids|children) (?:won't|will not|can't) (?:go to|get into|attend)",
            # garnishment, seizure or licence loss stated as certain, without a judgment or a hedge
            r"^(?!.*\b(?:may|might|could|if|judgment|court order|lawsuit|legal process)\b).*\bgarnish\w*\b",
            r"\b(?:driver'?s?|driving|professional|business) licen[cs]e\b.{0,30}\b(?:suspend\w*|revok\w*|cancel\w*|taken away|pulled)\b",
            r"\bpassport\b.{0,20}\b(?:suspend\w*|revok\w*|cancel\w*|taken away|seized|flagged)\b",
            r"\b(?:suspend|revoke|cancel|pull|take away)\w* your (?:driver'?s? licen[cs]e|licen[cs]e|passport)\b",
        ], [r"\b(?:won't|will not|not going to|never|no one is going to|can't|cannot) (?:go to |be |put you in )?(?:jail|arrested|prison)",
            r"\bnot a criminal\b"]),
        "threat": _rule("en", [
            (r"\b(?:tell(?:ing)?|call(?:ing)?|contact(?:ing)?|inform(?:ing)?|notify(?:ing)?|talk(?:ing)? to|visit(?:ing)?|let)\b.{0,15}\b(?:your )?(?:employer|boss|family|wife|husband|parents|mother|mom|"
            r"neighbou?rs|coworkers|co-workers|friends|everyone|everybody|church|contacts|relatives|work)\b"),
            r"\b(?:post|put|share|publish|plaster)\b.{0,20}\b(?:online|facebook|social media|on the internet|everywhere)\b",
            r"\b(?:you'll|you will|you're going to|you are going to) regret\b", r"\bwatch (?:your back|yourself|out)\b",
            r"\bmake your life (?:hell|miserable)\b", r"\bshow up at your (?:house|home|work|job|office)\b",
            r"\bsomething (?:bad )?(?:might|could|will) happen\b", r"\beveryone (?:will|is going to) know\b", r"\bembarrass you\b",
            # exposure, also as a question: "You wouldn't want your boss finding out, would you?"
            rf"\b{_EN_CIRCLE}\b.{{0,25}}\b(?:find(?:s|ing)? out|to know|knows?|knowing|hear(?:s|ing)?(?: all)? about|learn(?:s|ing)?(?: all)? about)\b",
            # implied harm to the debtor, their family or property
            r"\b(?:shame|pity|too bad)\b.{0,12}\bif (?:something|anything)\b",
            r"\bsomething (?:bad |unfortunate |nasty )?(?:happens?|happened|were to happen|could happen|might happen) to (?:you|your|that)\b",
            r"\bwe know where (?:you|your)\b", r"\bin front of your\b.{0,15}\b(?:family|kids|children|wife|husband|neighbou?rs|coworkers|boss|friends)\b",
            r"\b(?:swing|come|stop|drop|pop|head) (?:by|over to|round to|around to|over|round) (?:to )?your (?:place|house|home|work|job|office|door)\b",
            r"\bpay you a (?:little |personal )?visit\b",
            rf"\b(?:give|pay)\s+(?:your\s+)?{_EN_CIRCLE}\s+a\s+(?:call|visit|ring)\b",
        ], [r"\b(?:won't|will not|never|don't|do not) (?:let|want)\b.{0,25}\b(?:find out|know)\b", r"\b(?:won't|will not|never|do not|don't|would never|can't|cannot) (?:tell|call|contact|share|discuss|inform)\b", r"\bprivacy\b",
            r"\bconfidential\b"]),
        "abusive_language": _rule("en", [
            (r"\b(?:deadbeat|loser|idiot|stupid|moron|pathetic|worthless|scum|liar|bum|freeloader|lowlife|low-life|dumb|shameless|"
            r"piece of (?:crap|garbage|trash|shit)|shut up|fuck\w*|bitch|bastard|jerk|clown|leech|parasite|disgrace|"
            r"waste of (?:space|air|oxygen|skin)|you(?:'re| are) (?:a )?(?:trash|garbage))\b"),
        ]),
    },
}

# Words that reveal a debt or the collection purpose (said to anyone but the borrower = disclosure).
DEBT_WORDS = {
    "zh": re.compile(r"欠(?:款|钱|债|了|我们|着|费)|借(?:款|钱|了|的钱)|贷款|逾期|还款|催收|债务|账单|还钱|还清|未还|没还|拖欠"),
    "en": re.compile(r"\b(?:debt|owes?|owing|loan|overdue|past[- ]due|balance|payment|collect(?:ion|ing)?|delinquen\w*|behind on|arrears|"
                     r"amount due|unpaid)\b", re.IGNORECASE),
}

DISCLOSURES: dict[str, dict[str, re.Pattern[str]]] = {
    "zh": {
        "agent_identity": re.compile(r"我是[^，。,？?！!]{0,20}(?:客服|专员|工作人员|催收员|经理|顾问|小[\u4e00-\u9fff]|工号)|(?:这里是|这边是|我这边是|我们是)[^，。,？?！!]{1,16}(?:公司|金融|银行|平台|中心|小贷|贷款|信贷|消金|资产|贷|借|花|钱包|分期|客服|专员|团队)"
                                     r"|(?:^|[，,。\n]|我)(?:姓[\u4e00-\u9fff][，,]?)?是[^，。,？?！!]{1,16}的(?:客服|专员|工作人员|催收员|经理|顾问|贷后|法务)"
                                     r"|我是.{1,12}(?:公司|金融|银行|平台)的|工号|我是[^，。,？?]{1,12}的[\u4e00-\u9fff]{1,4}(?:[，。,]|$)"),
        "call_purpose": re.compile(r"关于您?的?.{0,4}(?:借款|贷款|欠款|账单|还款|逾期)|来电是(?:关于|为了|提醒|想)|提醒您.{0,6}还款|催收|(?:您|你)的?.{0,6}(?:已经)?逾期|"
                                   r"还款(?:事宜|的事|问题)|(?:你|您)欠(?:的|了|我们)|(?:借款|贷款|账单)(?:的事|事宜|已经逾期|逾期了)|"
                                   r"(?:你|您)[^，。,？?！!]{0,8}(?:借款|贷款|欠款|债务|分期)|"
                                   r"(?:你|您)(?:恶意)?(?:欠|拖欠)[^，。,？?！!]{0,12}(?:款|钱|债|贷)|(?:账单|借款|贷款|欠款|分期)[^，。,？?]{0,4}(?:还没还|没还|未还|还没有还)|"
                                   r"(?:打算|准备|到底|能)什么时候(?:能)?还"),
        "recording_notice": re.compile(r"(?<!不)(?<!没有)录音|录制"),
    },
    "en": {
        "agent_identity": re.compile(r"\b(?:this is|my name is|my name's|name's|i'm|i am|it's) [A-Za-z]+\b.{0,30}\b(?:from|with|at|calling)\b|\bcalling (?:from|on behalf of) [A-Z]", re.IGNORECASE),
        "call_purpose": re.compile(r"\b(?:about|regarding|concerning|in regards? to) (?:your|the|an?) (?:[\w'-]+ ){0,2}(?:loan|account|debt|payment|balance|bill)"
                                   r"|\b(?:your|the|an?) (?:unpaid|overdue|outstanding|late|delinquent) (?:loan|balance|debt|payment|bill|account)|\byou owe\b|\bbehind on\b|\battempt(?:ing)? to collect a debt\b|\bpayment reminder\b|\b(?:overdue|past[- ]due)\b|\bdebt collector\b", re.IGNORECASE),
        "recording_notice": re.compile(r"\b(?:recorded|recording|monitored)\b", re.IGNORECASE),
    },
}
