"""The lexicon: every cue the analyser reads, per language and label, as reviewable regular expressions.

A label fires on a clause that matches one of its `cues` and none of its `vetoes` (negations, hypotheticals,
hard negatives such as 不是不想还 or "I'm not refusing"). Annotators and engineers edit this file, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# People close to a borrower: a relative's illness or death is a family emergency, not the borrower's illness.
ZH_RELATIVE = (r"(?:爸|妈|父亲|母亲|老婆|妻子|媳妇|爱人|老公|丈夫|孩子|儿子|女儿|闺女|家人|老人|奶奶|爷爷|外婆|外公|"
               r"姥姥|姥爷|哥|姐|弟|妹|岳父|岳母|公公|婆婆|家里人|小孩|亲戚|老丈人|丈母娘)")
EN_RELATIVE = (r"\b(?:mom|mother|mum|dad|father|wife|husband|son|daughter|kids?|child|children|brother|sister|"
               r"grandma|grandmother|grandpa|grandfather|family|parents?|aunt|uncle|partner|baby|in-laws?|"
               r"mother-in-law|father-in-law)\b")


@dataclass(frozen=True)
class Rule:
    cues: tuple[re.Pattern[str], ...]
    vetoes: tuple[re.Pattern[str], ...] = ()

    def search(self, clause: str) -> re.Match[str] | None:
        """The first cue in clause, unless a veto matches the same clause."""
        if any(v.search(clause) for v in self.vetoes):
            return None
        for cue in self.cues:
            found = cue.search(clause)
            if found:
                return found
        return None


def _rule(lang: str, cues: list[str], vetoes: list[str] | None = None) -> Rule:
    flags = re.IGNORECASE if lang == "en" else 0
    return Rule(tuple(re.compile(c, flags) for c in cues), tuple(re.compile(v, flags) for v in vetoes or []))


ZH: dict[str, Rule] = {
    "wrong_party": _rule("zh", [
        r"打错了?", r"号码?.{0,3}(?:错了|不对)", r"(?:不是|并不是)(?:他|她)本人", r"我不是(?:他|她|你要找的|你说的|本人)",
        r"我不是[\u4e00-\u9fff]{1,3}(?:本人|先生|女士)", r"不认识(?:这个人|这人|他|她|[\u4e00-\u9fff]{2,3}$)",
        r"没有?这个人", r"查无此人", rf"我是(?:他|她)的?{ZH_RELATIVE}", r"我是(?:他|她)的?(?:同事|朋友|室友|舍友|邻居|领导|房东|老板)",
        r"(?:他|她)(?:现在)?(?:不在|出去了|出门了|不在家|去外地了|没在)", r"这个?号(?:码)?(?:现在)?是我(?:的|在用)",
        r"(?:新办|刚办)的号", r"换(?:了)?号",
    ], [r"我就是", r"是我本人", r"本人就是我"]),
    "refusal": _rule("zh", [
        r"(?:不会|不想|不打算|不准备|没打算|绝不|坚决不|就不|死都不|不愿意)还", r"一分(?:钱)?(?:都|也)不(?:会)?(?:还|给)",
        r"凭什么(?:要我|让我|要)?还", r"(?:^|[我就])不还(?:了|又怎样|又怎么样|能怎样|你能怎样)?",
        r"爱(?:咋|怎么)(?:样|地|滴|办)", r"随便你们", r"你们(?:去)?告(?:我)?吧", r"不会给你们(?:一分钱|钱)",
        r"别想(?:让我)?(?:还|要)", r"(?:我)?就是不(?:想)?还",
    ], [r"不是不(?:想|愿意)?还", r"没说不还", r"不会不还", r"不还不行", r"还不还", r"(?:如果|要是|万一)(?:我)?不还",
        r"不还清", r"不是不愿意"]),
    "claims_paid": _rule("zh", [
        (r"(?:已经|早就|早都|都已经|上个?(?:周|星期|礼拜|月)|昨天|前天|刚刚|刚才|前几天|上午|早上|那天)(?:就|都|已经|刚|刚刚)?"
        r"(?:(?:帮|替)我|给你们?)?(?:还|付|转|打|交|缴|存|结)(?:了|过|清|完|好|进去|过去)"),
        r"(?:还|付|结|缴)清了", r"钱(?:已经|早就|昨天|前天)?(?:打|转|汇)(?:过去|给你们|到你们)了", r"(?:已经|早就)(?:还款|付款|结清|还清)",
        r"有(?:转账)?(?:记录|凭证|截图|回执)",
    ], [r"(?:还没|没有?)(?:还|付|转|打|交|结)", r"一部分|部分|一些|一半", r"(?:如果|要是)"]),
    "callback_request": _rule("zh", [
        (r"(?:晚点|晚些|等会儿?|等一下|一会儿?|过会儿?|改天|回头|稍后|待会儿?|过半小时|过一个?小时|下午|晚上|明天|下班后|下班以后|"
        r"过两天)(?:再|给我)?(?:打|联系|来电|回电|打过来|打给我)"),
        r"再打(?:过来|给我)", r"现在不方便",
        # a later time, then who calls whom: 明天上午你再联系我 / 下午再说 / 回头再聊
        r"(?:晚点|晚些|等会儿?|一会儿?|过会儿?|改天|回头|稍后|待会儿?|下午|晚上|明天|后天|下班|周末)[^，。？]{0,6}(?:你|您)?再(?:打|联系|来电|说|聊|谈)",
        r"(?:下课|下班|开完会|忙完|回家)(?:了|以后|后)?(?:我)?(?:回|打给)(?:你|您)", r"(?:在|正在)(?:开会|开车|上课|手术室|医院排队)", r"我(?:一会儿?|等下|稍后|晚点|回头)(?:打|回)给你",
    ], [r"(?:别|不要|不用|别再|不要再)再?(?:打|联系)"]),
    "dispute": _rule("zh", [
        r"(?:没|没有|从来没有?|从没|根本没有?)(?:在|从|跟|找)?[^，。,没]{0,6}(?:借|贷|申请)过", r"冒用", r"不是我(?:借|贷|申请|办)的", r"(?:不|没)认(?:这|这笔|这个)",
        r"(?:金额|数目|数字|账|钱数|利息|罚息|费用|滞纳金)(?:根本)?(?:不对|有问题|算错|错了|太离谱|不合理|对不上)", r"(?:哪|哪里)(?:来|有)的?(?:这么多|那么多|.{0,4}利息)",
        r"不可能(?:欠|有)(?:这么|那么)多", r"我只借了", r"被(?:人)?冒用", r"身份(?:证)?(?:被|让人)(?:盗|冒)用", r"(?:怎么|为什么)(?:会|变成|要还)(?:这么|那么)多",
        r"不是我的(?:借款|贷款|账|钱|债)", r"^(?:这个?|那个?)?数(?:儿)?(?:根本|明显)?(?:不对|有问题|对不上|错了)", r"怎么(?:就)?(?:变成|成了|涨到|滚到|翻到)了?", r"(?:费|息|金额|数|账|这笔|这个)[^，。,]{0,8}不(?:认|承认)(?!识)",
    ]),
}

EN: dict[str, Rule] = {
    "wrong_party": _rule("en", [
        r"\bwrong (?:number|person|guy)\b", r"\bno (?:one|body) (?:here )?(?:by|with|named) (?:that|this) name\b",
        r"\b(?:i'm|i am) not (?:him|her|who you|the (?:person|guy|lady|one) you|mr\.?|mrs\.?|ms\.?)\b",
        r"\bthis (?:isn't|is not) (?:him|her|mr\.?|mrs\.?|ms\.?|the (?:person|guy|lady))\b",
        r"\b(?:i'm not|i am not|this is not|this isn't) (?-i:[A-Z][a-z]+)\b", r"\bdon't know (?:him|her|anyone|anybody|who|any \w+|a \w+)\b",
        r"\bnever heard of\b", (r"\b(?:i'm|i am|this is) (?:his|her) (?:wife|husband|mother|mom|father|dad|son|daughter|"
        r"brother|sister|roommate|room-mate|coworker|co-worker|colleague|friend|neighbou?r|boss|landlord|girlfriend|boyfriend|partner)\b"),
        r"\b(?:he|she)(?:'s| is) not (?:here|home|in|around|available)\b", r"\b(?:he|she) (?:moved|doesn't live here|does not live here)\b",
        r"\bthis is my number now\b", r"\bjust got this number\b", r"\bhave the wrong\b",
    ], [r"\bspeaking\b", r"\bthis is (?:he|she)\b"]),
    "refusal": _rule("en", [
        r"\b(?:i'm|i am|im) not (?:paying|going to pay|gonna pay)\b", r"\bi (?:won't|will not|refuse to|ain't gonna|am not going to) pay\b",
        r"\bnot (?:paying|giving) you (?:a|one) (?:dime|cent|penny|thing)\b", r"\bno intention (?:of|to) pay", r"\bnot (?:going|gonna) to pay\b",
        r"\bnot gonna pay\b", r"\bsue me\b", r"\bi'm done paying\b", r"\bnot (?:a|one) (?:dime|cent|penny)\b", r"\bi refuse\b",
        r"\bnot paying (?:you|this|that|it|a)\b", r"^not paying\b",
        r"\b(?:not|never) (?:giving|paying|sending) (?:you|them|y'all)?[\w ]{0,15}?(?:another |a single |one )?(?:dime|cent|penny)\b", r"\byou(?:'re| are) not getting (?:a|any|your|another)\b",
    ], [r"\bnot (?:that|because) i (?:won't|don't want|refuse)", r"\bit's not that i\b", r"\bnot refusing\b", r"\bif i (?:don't|do not) pay\b",
        r"\bnot saying i won't\b", r"\b(?:can|could|will|would|are|is) (?:you|they|the company|anyone) (?:going to |gonna |actually |really )?sue me\b"]),
    "claims_paid": _rule("en", [
        r"\b(?:already|just) (?:paid|sent|made|transferred|settled|cleared|wired)\b",
        r"\bpaid (?:it|that|this|the (?:balance|bill|loan|amount|payment))(?: off| in full)? (?:already|last|yesterday|on|this morning|a week|two|three)",
        r"\bi paid (?:it|that|this|the|you|off|in full)\b", r"\bpaid (?:it )?off\b",
        r"\b(?:it's|it has|it was|that's|that was|this was|it's been|that's been|this has been|it has been) (?:already )?(?:been )?paid\b",
        r"\bsent (?:the|you the|it|my|a) (?:payment|money|check|transfer)\b", r"\bmade (?:the|my|a) payment (?:yesterday|last|already|on|this)\b",
        r"\bi have (?:the|a) (?:receipt|confirmation)\b", r"\b(?:mailed|wired|dropped off) (?:a|the|my|you|it)\b", r"\b(?:been|was) (?:sent|settled|mailed)\b",
        r"\bgot the confirmation\b", r"\bconfirmation number\b", r"\b(?:paid|sent) it (?:yesterday|last|on)\b",
    ], [r"\b(?:haven't|have not|didn't|did not|never|wasn't|hasn't) (?:yet )?(?:been )?(?:paid|sent|made)\b", r"\b(?:get|have|be) (?:it )?paid\b",
        r"\bpartial\b|\bpart of\b|\bsome of\b|\bhalf\b", r"\bif\b", r"\bwill\b|'ll\b"]),
    "callback_request": _rule("en", [
        r"\bcall (?:me |us )?(?:back|later|again)\b", r"\b(?:can|could) you (?:call|try) (?:me )?(?:back|later|again|tomorrow|this)\b",
        r"\bnot a good time\b", r"\b(?:bad|busy) time\b", r"\bi'm (?:driving|at work|in a meeting|with a customer|busy right now)\b",
        r"\b(?:i'll|let me|i will) call (?:you )?back\b", r"\btry (?:me )?(?:again )?(?:later|tomorrow|after)\b",
        r"\bcall (?:me )?(?:tomorrow|tonight|this evening|after|in an hour|around|on)\b", r"\bcan't talk (?:right )?now\b",
        # talking later: "Could we talk about this tomorrow instead?", "let's do this another time"
        r"\b(?:talk|speak|do this|discuss (?:this|it)|go over (?:this|it))\b.{0,20}\b(?:later|tomorrow|tonight|another time|some other time|next week|after \w+|instead)\b",
    ], [r"\b(?:don't|do not|stop|never|quit) call", r"\bno need to call\b"]),
    "dispute": _rule("en", [
        r"\bnever (?:borrowed|took out|applied|signed|opened|had)\b", r"\bnot my (?:loan|debt|account)\b",
        r"\b(?:don't|do not) owe (?:you|that|this|anything|any|\$|that much|this much)", r"\bi owe nothing\b",
        r"\b(?:amount|balance|number|figure|interest|fees?|charges?|total)\b.{0,12}\b(?:is|are|was|'s|looks) (?:wrong|incorrect|not right|way off|off|a mistake)",
        r"\bthat's not (?:right|correct|what i owe)\b", r"\bonly (?:borrowed|took out)\b", r"\bi only owe\b", r"\bidentity (?:theft|was stolen)\b",
        r"\bsomeone (?:used|stole|took out .{0,10} in) my\b", r"\bi dispute\b", r"\bwhere (?:did|does|is) (?:that|this) .{0,25}come from\b",
        r"\bnot (?:that|this) much\b", r"\bi (?:don't|do not) recogni[sz]e (?:this|that|the) (?:debt|loan|account|charge)",
    ], [r"\b(?:drained|emptied|cleaned out|wiped out)\b"]),
}

# Causes of hardship, in the order they are tried.
HARDSHIP: dict[str, dict[str, list[re.Pattern[str]]]] = {
    "zh": {
        "family_emergency": [re.compile(rf"{ZH_RELATIVE}.{{0,8}}(?:生病|病了|住院|手术|开刀|去世|走了|过世|车祸|出事|癌|重病|病重|抢救|ICU|摔|骨折|急诊|化疗|透析|"
                                        r"脑溢血|脑出血|脑梗|中风|心梗|瘫)"),
                             re.compile(r"家里(?:出了?)?(?:急事|大事|丧事|出事了)|办丧事|葬礼|陪床|照顾(?:我)?" + ZH_RELATIVE)],
        "illness": [re.compile(r"生病|病了|住院|手术|开刀|癌|化疗|身体(?:不好|出了问题|垮了)|骨折|受伤|摔伤|重病|大病|看病|医院|"
                               r"(?:腰|腿|胳膊|心脏|肝|肾|胃|肺|颈椎|腰椎|椎间盘|腰间盘|眼睛|膝盖)(?:上)?.{0,4}(?:病|问题|突出|炎|疼|痛|坏了|伤|瘤|支架|毛病)|"
                               r"卧床|躺(?:了|在床上?).{0,3}(?:天|月|周|星期|礼拜)|瘫痪|残疾|中风|脑梗|心梗|脑溢血|病倒")],
        "job_loss": [re.compile(r"失业|被?裁员?|被开除|被辞退|丢了工作|没了工作|没有?工作|工作没了|公司倒闭|找工作|辞职了|待业|工作丢了|下岗|被优化|"
                                r"(?:厂|厂子|工厂|公司|单位|店)(?:也|都)?(?:倒闭|黄了|关门|破产|垮了|不要我)|找不到(?:工作|活)|没(?:有)?活干")],
        "income_drop": [re.compile(r"降薪|工资.{0,6}(?:降|减|少了|低|拖|没发|发不出|扣|停发|晚发|延迟|拿不到)|收入(?:少|减|下降|降低|不稳定|锐减)|"
                                   r"生意(?:不好|亏|赔|差|黄了|做不下去)|(?:生意|收入|营业额|业绩|销量|流水)[^，。]{0,4}(?:一落千丈|大不如前|暴跌|腰斩|惨淡|冷清|下滑|断崖)|开不了张|没(?:有)?生意|门可罗雀|欠薪|奖金没了|工时(?:减|少)|活少了|单子少了|没什么活|提成(?:少|没了)|"
                                   r"店(?:关了|开不下去)|减产|放无薪假|停工|开工不足|"
                                   r"(?:生意|单子|订单|活|客人|顾客|收入|买卖)(?:也|都)?(?:太|忒|特别|非常|很|越来越|贼|真|挺)?(?:差|少|不好|难做|没了)|"
                                   r"(?:挣|赚)(?:不了|不到|不着)|(?:挣|赚)得(?:少|不多)")],
        "disaster": [re.compile(r"洪水|水灾|发大水|地震|火灾|着火|失火|台风|房子被淹|泥石流|冰雹|被水淹|受灾|雪灾")],
        "other": [re.compile(r"离婚|被(?:人)?(?:骗|盗|偷|抢)|电信诈骗|网络诈骗|遇到(?:了)?(?:诈骗|骗子)|打官司|怀孕|生孩子|坐月子|生了(?:二胎|孩子|小孩|宝宝|老二)|生二胎|刚生")],
    },
    "en": {
        "family_emergency": [re.compile(rf"{EN_RELATIVE}.{{0,30}}\b(?:sick|ill|hospital|surgery|passed away|died|accident|cancer|stroke|"
                                        r"heart attack|funeral|icu|emergency|chemo|dialysis)", re.IGNORECASE),
                             re.compile(r"\bfamily emergency\b|\bfuneral\b|\bpassed away\b", re.IGNORECASE)],
        "illness": [re.compile(r"\b(?:sick|ill|illness|hospital|hospitali[sz]ed|surgery|cancer|chemo|injured|injury|broke my|diagnosed|"
                               r"medical|disability|on disability|health (?:issues|problems))\b", re.IGNORECASE)],
        "job_loss": [re.compile(r"\b(?:lost (?:my|the) job|laid off|got fired|was fired|been fired|let go|let (?:me|us|him|her) go|unemployed|out of work|between jobs|"
                                r"find (?:a|another) job|looking for (?:a )?(?:job|work)|lost my position|company (?:closed|went under|shut down)|"
                                r"no job|don't have a job|job search)\b", re.IGNORECASE)],
        "income_drop": [re.compile(r"\b(?:pay cut|hours (?:cut|reduced|got cut)|cut my hours|cut back my hours|reduced hours|salary (?:delayed|cut|late)|"
                                   r"haven't been paid|business is (?:slow|bad|down)|lost (?:a|my) (?:big )?client|commissions? (?:are |is )?(?:down|dried up)|"
                                   r"only (?:working )?part[- ]time|income (?:dropped|went down|is down|fell)|making less|fewer shifts|"
                                   r"took a pay cut|sales are down|furlough(?:ed)?)\b", re.IGNORECASE)],
        "disaster": [re.compile(r"\b(?:flood(?:ed|ing)?|fire|burned down|hurricane|tornado|wildfire|earthquake|storm damage|the storm)\b", re.IGNORECASE)],
        "other": [re.compile(r"\b(?:divorce[d]?|scammed|robbed|stolen|(?:drained|emptied|cleaned out|wiped out) my|pregnan(?:t|cy)|new baby|legal trouble|identity was)\b", re.IGNORECASE)],
    },
}

# Talk that makes a promise not a promise.
HEDGES = {
    "zh": re.compile(r"尽量|看情况|不能保证|没法保证|保证不了|不敢保证|不一定|不好说|说不准|说不定|不确定|争取|可能|也许|大概|如果|要是|假如|万一|"
                     r"试试|试一下|到时候再说|再说吧|看看吧|看看能不能|想想办法|等.{0,10}再说|除非|应该能|应该可以|估计|没准|看能不能|先看看"),
    "en": re.compile(r"\b(?:if|maybe|might|try|trying|hopefully|perhaps|possibly|probably|not sure|unsure|can'?t promise|cannot promise|"
                     r"can'?t guarantee|no guarantees?|no promises|depends|depending|unless|we'?ll see|i'?ll see|see what i can|hope to|hoping|"
                     r"should be able|i think i can|i guess|not certain|no idea when)\b", re.IGNORECASE),
}
NEGATIONS = {
    "zh": re.compile(r"还不了|还不上|还不起|付不了|付不起|拿不出|凑不齐|凑不到|不能还|没法还|没办法还|不会还|没钱还|不可能还|来不及|做不到|不太行|"
                     r"不(?:想|打算)还|不还"),
    "en": re.compile(r"\b(?:can'?t|cannot|can not|won'?t|will not|unable to|not able to|no way|couldn'?t|don'?t have|not going to|not gonna|"
                     r"wouldn'?t|isn'?t going)\b", re.IGNORECASE),
}
# Two negations that cancel ("不是不还", "I'm not saying I won't pay"): not a negated clause.
DOUBLE_NEGATIONS = {
    "zh": re.compile(r"(?:不是|并不是|并非|又不是|也不是|没说|没说过|没有说|不会|没有|谁说)(?:要|我)?不"),
    "en": re.compile(r"\b(?:not saying|never said|didn't say|it's not that|it isn't that|not that)\s+i\s+(?:won'?t|will not|can'?t|don'?t|wouldn'?t)\b",
                     re.IGNORECASE),
}
# A contrast ends the scope of a hedge: "下周五肯定还，不过能还多少我尽量" is a promise with an open amount.
CONTRASTS = {
    "zh": re.compile(r"不过|但是|可是|只是|就是说"),
    "en": re.compile(r"\s+(?:but|though|however)\s+|,\s*(?:but|though)\b", re.IGNORECASE),
}
# Words that make a commitment firm; a firm part of a sentence is not hedged by a hedge across a contrast.
CERTAINTY = {
    "zh": re.compile(r"肯定|一定|保证|绝对|说话算话|放心|必须|准时"),
    "en": re.compile(r"\b(?:definitely|for sure|i promise|promise you|guarantee(?:d)?|i swear|you have my word|without fail|100 percent)\b",
                     re.IGNORECASE),
}
# Amounts near these words are income, debt or balance, not a payment ("下周五发工资三千", "I borrowed 2,000").
NOT_PAYMENT_AMOUNT = {
    "zh": re.compile(r"工资|发薪|薪水|收入|挣|赚|欠|借了?|利息|一共|总共|剩下|还有|本金|服务费|罚息|才|只有|就剩"),
    "en": re.compile(r"\b(?:paid|paycheck|salary|wages?|earn\w*|make|owe\w*|borrow\w*|balance|interest|fees?|total|left|only (?:have|got|make))\b",
                     re.IGNORECASE),
}
PAY_VERBS = {
    "zh": re.compile(r"还(?![是有没在行好挺得要])|付|转(?:账|给|过去|钱|你们)?|打(?:钱|款|过去|给你们|到)|交|缴|结清|补上|存(?:进|到|钱)|凑(?:齐|够)|"
                     r"打(?=\s*[0-9一二两三四五六七八九十百千万])"),
    "en": re.compile(r"\b(?:pay|paying|send|sending|transfer|wire|deposit|put|make (?:a|the|my) payment|get you|settle|clear|cover|"
                     r"have (?:it|the money|the payment|that) (?:to you|for you|in|by|on)|(?:i'll|i will|i can) have|do \$|do (?:the|a) payment|"
                     r"do(?=\s+(?:\$|\d|(?:a|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|fifty)\b)))\b", re.IGNORECASE),
}
ACCEPT = {
    "zh": re.compile(r"^(?:好的?|好吧|行吧?|可以|没问题|一言为定|就这么(?:定|办)|成|ok|okay|嗯(?:，|,)?(?:好|行|可以))", re.IGNORECASE),
    "en": re.compile(r"^(?:ok(?:ay)?|yes|yeah|yep|sure|fine|deal|alright|all right|that works|i can do that|sounds good|will do|that's fine)\b", re.IGNORECASE),
}
PAY_ALL = {
    "zh": re.compile(r"全部|全额|全款|都还|一次性还清|还清|结清"),
    "en": re.compile(r"\b(?:in full|all of it|the (?:full|whole|entire) (?:amount|balance|thing)|everything|the balance|pay it off|the full)\b", re.IGNORECASE),
}
