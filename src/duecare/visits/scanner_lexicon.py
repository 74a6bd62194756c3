"""The words and patterns of the visit report scanner (zh and en), one tuple of regular expressions per category.

Each pattern is written for what a visit note actually says; hard negatives from the labelled set (a nurse
who works at a hospital, a borrower who is unable to work, two children without ages) are kept out on purpose.
"""

from __future__ import annotations

import re

_KIN_EN = (r"wife|husband|spouse|partner|son|daughter|child|kid|mother|father|mum|mom|dad|brother|sister|"
           r"boyfriend|girlfriend|fianc[eé]e?|grandson|granddaughter|uncle|aunt|cousin|nephew|niece|"
           r"mother-in-law|father-in-law|stepson|stepdaughter")
_KIN_ZH = (r"老婆|妻子|丈夫|老公|爱人|配偶|儿子|女儿|孩子|小孩|孙子|孙女|父亲|母亲|爸爸|妈妈|父母|哥哥|姐姐|弟弟|妹妹|"
           r"岳父|岳母|公公|婆婆|男朋友|女朋友|对象|家人|亲戚")
ZH_KIN = frozenset(_KIN_ZH.split("|"))
ZH_NAMING = frozenset({"叫", "是", "名叫", "叫做", "姓名", "名字", "：", ":"})
# Common surnames (top of the 百家姓 by population), minus characters that more often start a plain word
# after a kinship term (于, 万, 常, 向, 任, 方, 白, 金, 石, 今, 同, 和, 时, 原, 全, 那, 能, 也, 都).
ZH_SURNAMES = frozenset("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程"
                        "苏魏吕丁沈姚卢姜崔钟谭陆汪范贾夏韦付傅邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严"
                        "覃武戴莫孔汤易乔赖文施洪牛温芦柳葛彭鲁韩")
ZH_NOT_NAMES = frozenset({"高兴", "周末", "黄金", "马上", "程序", "江湖", "文化", "温度", "毛病", "钱包", "钱款",
                          "付款", "付钱", "易于", "史上", "龙头", "严重", "武汉", "孟子", "乔迁", "何时", "何况",
                          "许多", "曾经", "余额", "杜绝", "陆续", "范围", "夏天", "董事", "韩国", "顾客", "段时间"})
EN_RELATIVE_NAME = re.compile(
    rf"\b(?i:{_KIN_EN})\b,?\s+(?:(?:is|was|named|called)\s+)?([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b")
EN_NOT_NAMES = frozenset({"The", "A", "An", "He", "She", "They", "It", "I", "We", "Is", "Was", "And", "But",
                          "Said", "Says", "Who", "On", "In", "At", "For", "To", "From", "With", "Has", "Had"})
STOPWORDS = frozenset({"the", "a", "an", "is", "was", "of", "to", "and", "in", "on", "at", "his", "her", "的", "了",
                       "是", "在", "他", "她"})
ID_CONTEXT = ("身份证", "身份证号", "身份证号码", "证件", "证件号", "id", "identity", "ic", "passport")
CARD_CONTEXT = ("卡号", "银行卡", "信用卡", "card", "debit", "credit", "visa", "mastercard")
# Digits after these words are an account or a reference, not a phone number.
NOT_A_PHONE = re.compile(r"(?:account|routing|sort code|iban|card|reference|ref\.?|卡号|账号|帐号|合同|编号|订单)"
                         r"[^.。]{0,12}$", re.IGNORECASE)

_AGE_ZH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?:岁|周岁)"
_CHILD_ZH = r"儿子|女儿|孩子|小孩|孙子|孙女|娃"
_INCOME_ZH = (r"月收入|收入|工资|月薪|挣|赚|退休金|养老金|补贴|能拿|拿到|到手|寄回|"
              r"(?:一个月|每个月|每月|一年)[^，。；]{0,4}?[\d一二三四五六七八九十两几]+\s*(?:千|万|百|元|块)")
_INCOME_EN = (r"earns?|earning|makes|income|salary|wages?|pension|paid\s+\$|gets\s+paid|brings?\s+home|"
              r"takes?\s+home|take-home|gets?\s+[$£¥]|on\s+[$£¥]\d")
# Said about the borrower's income without saying it: not another person's income.
_NOT_SAID_ZH = r"(?<!没有说)(?<!没说)(?<!不知道)(?<!不清楚)(?<!没透露)"
_NUM_EN = r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"

CATEGORIES: dict[str, tuple[str, ...]] = {
    "other_id_number": (
        r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)",                                      # US SSN
        r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",             # UK National Insurance
        r"护照号?\s*[:：]?\s*[A-Z]{1,2}\d{7,8}",
        r"\b(?:NI|NINO|national insurance)\s+(?:number|no\.?)\s*(?:is|:)?\s*[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", r"\bpassport (?:number|no\.?)\s*[:#]?\s*[A-Z0-9]{6,9}\b",
    ),
    "wechat_id": (
        r"(?:微信号?|vx|wx|wechat(?:\s+id)?)\s*(?:号|账号|id)?\s*(?:是|为|：|:)?\s*[A-Za-z][-_A-Za-z0-9]{5,19}",
        r"\bwxid_[A-Za-z0-9]{6,}", r"(?:on|via)\s+wechat\s+as\s+[A-Za-z][-_A-Za-z0-9]{5,19}",
        r"\bwechat(?:\s+id)?\s+(?:is|=)\s+[A-Za-z][-_A-Za-z0-9]{5,19}",
    ),
    "financial_account": (
        r"支付宝(?:账号|账户)|微信支付账户|(?:存款|储蓄|证券|股票|基金|理财|银行)(?:账户|帐户)|(?:另有|还有)(?:一个)?(?:银行)?账户",
        r"\b(?:bank\s+)?account\s+(?:number|no\.?)\b", r"\brouting\s+number\b", r"\bsort\s+code\b",
        r"\biban\b", r"\b(?:brokerage|savings|checking|investment|pension)\s+account\b", r"\bISA\b",
        r"支付宝(?:里|余额)|余额宝|零钱通|微信零钱|公积金(?:账户|余额|里)|(?<!没有)(?<!无)(?:定期存款|一笔存款|股票|基金|理财产品)",
        r"\b(?:roth\s+)?IRA\b", r"\b(?:venmo|paypal|cash\s?app)\s+(?:balance|account)\b", r"\bpremium\s+bonds\b",
        r"\b401\(?k\)?\b", r"\bcrypto(?:currency)?\s+wallet\b",
    ),
    "address": (
        r"[\u4e00-\u9fff]{1,12}(?:路|街|大道|巷|胡同)\s*\d+\s*(?:号|弄)(?:\s*\d+\s*(?:号楼|栋|幢|单元|层|室|号))*",
        r"[\u4e00-\u9fff]{2,}(?:小区|花园|公寓|大厦)\s*\d+\s*(?:号楼|栋|幢)",
        (r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|"
        r"Place|Pl|Court|Ct|Crescent|Terrace|Boulevard|Blvd|Grove|Gardens|Square|Row|Mews)\b"),
        r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b",                                # UK postcode
        r"\b[A-Z]{2}\s\d{5}(?:-\d{4})?\b",                                       # US state + ZIP
        r"\b(?:flat|apartment|apt\.?|unit)\s+\d+[A-Z]?\b",
    ),
    "minor": (
        rf"(?:{_CHILD_ZH})[^，。,;；]{{0,6}}?{_AGE_ZH}", rf"{_AGE_ZH}的(?:{_CHILD_ZH}|男孩|女孩)", r"未成年",
        r"(?:上|读|在读)(?:幼儿园|小学|初中|高中|初[一二三]|高[一二三]|[一二三四五六]年级)",
        (r"\b(?:son|daughter|child|kid|boy|girl|grandson|granddaughter)\b[^.;]{0,25}?\b(?:aged\s+)?(?:[1-9]|1[0-7])\b"
        r"(?:\s*(?:years?\s+old|yrs?|,))"),
        r"\b(?:[1-9]|1[0-7])[- ]year[- ]old\b", r"\baged?\s+(?:[1-9]|1[0-7])\b", r"\bminor\b",
        (rf"\b(?:son|daughter|child|kid|boy|girl|lad|lass|grandson|granddaughter|stepson|stepdaughter)\b[^.;]{{0,20}}?"
         rf"\b(?:is|was|turned|turns|aged?|who\s+is)\s+{_NUM_EN}\b(?!\s*(?:%|percent|pounds|dollars|months))"),
        r"\b(?:in|into|starting)\s+year\s+(?:[1-9]|1[0-3])\b(?!\s+of)", r"\bGCSEs?\b",
        r"\b(?:primary|elementary|middle)\s+school\b", r"\bat the local primary\b",
    ),
    "income_of_others": (
        (rf"(?:老婆|妻子|丈夫|老公|爱人|配偶|父母|父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|儿子|女儿|男朋友|女朋友|对象|室友)"
         rf"[^。；;]{{0,14}}?{_NOT_SAID_ZH}(?:{_INCOME_ZH})"),
        (rf"\b(?:husband|wife|partner|spouse|parents|father|mother|dad|mum|mom|brother|sister|son|daughter|"
         rf"boyfriend|girlfriend|fianc[eé]e?|roommate|flatmate|housemate|lodger|in-laws)\b"
        rf"[^.;]{{0,40}}?\b(?:{_INCOME_EN})\b"),
    ),
    "health_detail": (
        (r"生病|病了|患(?:有|了)|确诊|住院|(?:一直|还)在医院|进了医院|医院(?:里)?(?:治疗|躺)|手术|化疗|放疗|癌|肿瘤|"
        r"糖尿病|胰岛素|高血压|心脏病|中风|抑郁|焦虑症|精神病|精神疾病|怀孕|流产|残疾|骨折|摔断|卧床|透析|"
        r"吃药|服药|(?<!抗)病历|艾滋|乙肝|戒毒|戒酒|酗酒|失眠|睡不着|心理医生|心理咨询|精神科|搭桥|心脏支架|腰椎病|"
        r"颈椎病|关节炎|哮喘|癫痫|老年痴呆|透析|瘫痪|康复治疗"),
        (r"\b(?:cancer|tumou?r|chemo(?:therapy)?|radiotherapy|depress(?:ion|ed)|anxiety disorder|psychiatric|"
        r"schizophreni\w*|bipolar|hospitali[sz]ed|diagnos(?:ed|is)|surgery|pregnan(?:t|cy)|miscarriage|diabetes|"
        r"insulin|heart attack|stroke|disabled|disability|medication|prescription|dialysis|rehab|methadone|"
        r"alcoholi\w*|addiction|hiv|sick|illness|injured|injury|transplant|immunosuppress\w*|therap(?:ist|y)|ptsd|"
        r"multiple sclerosis|wheelchair|antidepressants?|(?:nervous|mental)\s+breakdown|sectioned|mental health|"
        r"asthma|arthritis|epilep\w*|dementia|alzheimer\w*|parkinson\w*|autis\w*|adhd|hepatitis|chronic pain|"
        r"in recovery|AA meetings|sober|detox)\b"),
        r"(?-i:\bMS\b)",
        r"\bin\s+(?:the\s+)?hospital\b",
    ),
    "ethnicity": (
        r"维吾尔|藏族|回族|回民|蒙古族|壮族|苗族|彝族|满族|朝鲜族|哈萨克|少数民族|汉族|民族成分|[\u4e00-\u9fff]族人",
        r"\b(?:hispanic|latin[oa]|roma|gypsy|gypsies|travell?ers?|african[- ]american|ethnicity|ethnic)\b",
        r"\bof\s+\w+\s+(?:heritage|origin|descent)\b",
        (r"\b(?:navajo|cherokee|sioux|apache|ojibwe|lakota|native american|first nations|aboriginal|indigenous|"
         r"(?:indian\s+)?reservation)\b"),
    ),
    "religion": (
        r"宗教|信仰|佛教|信佛|拜佛|佛像|基督|天主教|伊斯兰|穆斯林|教会|清真寺|寺庙|道教|礼拜|受洗|祷告|回族|回民|教堂|菩萨|烧香|念经",
        (r"\b(?:religion|religious|church|mosque|synagogue|temple|christian|muslim|islam\w*|buddhis\w*|hindu\w*|"
        r"jewish|catholic|protestant|atheist|worship|jehovah|pray(?:s|ed|er|ing)?|mormon|latter-day|tith(?:e|es|ing)|"
        r"gurdwara|sikh\w*|quaker|evangelical|pastor|imam|rabbi|bible|quran|koran|ramadan|sabbath)\b"),
    ),
    "political_view": (
        r"政治|党员|共产党|民主党|国民党|政见|选举|投票给|上访|示威|游行",
        (r"\b(?:political|politics|democrat|republican|labour party|conservative party|tory|liberal democrat|"
        r"voted for|votes for|communist|union (?:member|organi[sz]er|rep)|trade union|protest\w*|teamsters|"
        r"(?:went|go|going|was)\s+on\s+strike|councillor|councilman|councilwoman|alderman|activist)\b"),
    ),
    "criminal_record": (
        r"坐过牢|坐牢|蹲过|判刑|服刑|犯罪记录|前科|刑满释放|劳改|被拘留|拘役|缓刑|假释|案底|被判|判过|看守所|局子|少管所|拘留所|劳教",
        (r"\b(?:criminal record|convict(?:ed|ion)|prison|jail|probation|parole|served time|arrested|dui|"
        r"felony|offender|sentenced|released on licen[cs]e|in county|county jail|possession charge|ex-con)\b"),
        r"\bdid\s+(?:\w+\s+){1,2}(?:months|years)\s+(?:in|inside)\b",
    ),
    "sexual_orientation": (
        r"同性恋|双性恋|性取向|性倾向|跨性别|男同|女同|是同志|拉拉|出柜",
        r"\b(?:gay|lesbian|bisexual|homosexual|transgender|sexual orientation|queer|pansexual|asexual|non-?binary)\b",
        r"\b(?:openly|is)\s+bi\b", r"\b(?:his|my)\s+husband\b[^.]{0,40}\b(?:he|his|him)\b|\bhis\s+husband\b|\bhis\s+boyfriend\b",
    ),
    "biometric": (
        r"指纹|人脸识别|人脸照片|人脸比对|人脸核验|人脸信息|面部识别|刷脸|声纹|虹膜|掌纹|基因|DNA",
        r"\b(?:fingerprints?|facial recognition|face scan|voiceprint|iris scan|biometrics?|dna|face id|voice id)\b",
    ),
    "precise_location": (
        r"(?:北纬|南纬|东经|西经)\s*\d|(?<![\d.])-?\d{1,3}\.\d{3,}\s*[,，]\s*-?\d{1,3}\.\d{3,}|定位显示",
        (r"每天(?:早上|上午|中午|下午|晚上|傍晚)?[^，。]{0,6}?(?:都|会)?在[^，。]{1,14}(?:门口|馆|店|站|广场|公园|小区|网吧|KTV|酒吧|"
         r"棋牌室|麻将馆|茶楼|市场|菜场|工地|健身房|楼下)"),
        r"每天(?:早上|上午|下午|晚上)[^，。]{0,6}在[^，。]{0,10}站",
        (r"\b(?:every|each)\s+(?:morning|evening|night|day|weekday)\b[^.]{0,30}\b(?:at|in)\s+(?:the\s+)?"
        r"(?:gym|pub|bar|club|park|[A-Z][a-z]+\s+(?:Park|Street|Station|Square))"),
        (r"\b(?:at|in)\s+(?:the\s+)?(?:gym|pub|bar|club|[A-Z][a-z]+\s+(?:Park|Street|Station|Square))\b[^.]{0,30}"
        r"\b(?:every|each)\s+(?:morning|evening|night|day)\b"),
        r"\bGPS\b",
        (r"\b(?:at|in)\s+(?:the\s+)?[A-Za-z' ]{0,25}?\b(?:station|gym|pub|bar|club|park|library|cafe|diner|casino|"
         r"bookies|betting shop|mall|arcade)\b[^.]{0,30}\b(?:every|each)\s+(?:morning|evening|night|day|weekday|weekend)\b"),
    ),
}
