"""Example sentences for the semantic QA layer (duecare.speech.semantic), written from the label definitions of
issue 8: one bank per violation code, and a bank of LAWFUL look-alikes (true credit-reporting statements, lawful
legal-review mentions, recording notices, promises of privacy, ordinary collection talk). A sentence is flagged
only when it is close to a violation example and no lawful example is about as close. Sentences here were written
for the banks; none is copied from a labelled split."""

from __future__ import annotations

VIOLATION_BANK: dict[str, list[str]] = {
    "threat": [
        # open-ended harm, intimidation
        "你不还钱，后果你自己承担。", "别怪我们不客气。", "我们有很多办法对付你。", "你等着瞧吧。", "你会后悔的。",
        "我们会让你过不安生。", "你跑不掉的，我们迟早找到你。", "我们的人会去你家门口等你。", "你出门最好小心一点。",
        "不还钱的话，你家里人也别想过安稳日子。", "我们会天天派人去你单位堵你。", "你以为躲起来就没事了？",
        "我们会把你欠钱的事告诉你所有亲戚。", "我们会在你们村里贴你的照片。", "我们会群发短信给你的联系人。",
        "You'd better pay or you'll find out what we can do.", "We have ways of making this very unpleasant for you.",
        "You can run but you can't hide from us.", "Don't make us come looking for you.", "Things could get ugly for you.",
        "Our guys will be waiting outside your house.", "Your whole family is going to hear about this.",
        "We'll make sure everyone at your job knows you don't pay.", "I'd hate for anything to happen to your kids.",
        "Pay up or deal with the consequences.", "You don't want to find out what happens next.",
        "We'll be parked outside your house until you pay.",
    ],
    "false_consequence": [
        "你不还钱就要坐牢。", "你这是诈骗罪，要判刑的。", "警察马上就会上门抓你。", "你的所有银行账户明天都会被冻结。",
        "你的工资会被直接扣光。", "你的子女以后不能考公务员。", "你一辈子都别想再贷款了。", "你会被列入全国黑名单，永远出不了国。",
        "你的房子和车马上就会被收走。", "你的身份证会被注销。", "欠钱不还就是犯罪，要留案底的。", "你以后坐不了飞机也住不了酒店。",
        "You're going to jail if you don't pay today.", "Not paying this is a crime and you'll be prosecuted.",
        "There's a warrant out for your arrest.", "We're going to freeze every bank account you have tomorrow.",
        "Your wages will be garnished starting this week.", "You'll never be able to get a loan again in your life.",
        "Your credit will be ruined forever.", "They'll take your car away tonight.", "Your benefits will be stopped.",
        "You'll lose your job over this.", "This will go on your criminal record.", "You'll be deported for this.",
    ],
    "impersonation_of_authority": [
        "我是公安局的，现在正式通知你。", "我们是法院执行局，你的案子已经立案了。", "我是检察院的工作人员。", "我这边是派出所的民警。",
        "我们是金融监管部门，专门查你的借款。", "我是政府部门的，你必须配合调查。", "我是网警，你的账户涉嫌违法。",
        "我代表司法机关通知你。", "我们是经侦支队的。",
        "This is Officer Daniels with the police department.", "I'm calling from the county court about your case.",
        "This is the sheriff's office.", "I'm a federal agent investigating your account.", "I work for the government fraud division.",
        "This is the district attorney's office.", "I'm with the state attorney general's office.",
        "This is a legal officer from the justice department.",
    ],
    "abusive_language": [
        "你就是个废物。", "你这个骗子。", "你真是个没用的东西。", "你这种人真恶心。", "你脸皮真厚。", "你这个穷酸鬼。", "你是猪吗？",
        "你这个赖皮。", "欠钱不还的败类。", "你真是丢人。",
        "You're a worthless deadbeat.", "You're pathetic.", "You're a lying thief.", "What kind of loser doesn't pay his bills?",
        "You're a disgrace.", "You are scum.", "Stop whining, you idiot.", "You cheap lowlife.", "You're a fraud and a crook.",
    ],
}

LAWFUL_BANK: list[str] = [
    # openings: identity, purpose, recording notice
    "您好，我是某某金融的客服专员，本次通话会录音。", "来电是关于您的逾期借款。", "提醒一下，这通电话全程录音。",
    "您的账单已经逾期了，请尽快处理。", "请问您打算什么时候还款？", "请问是您本人吗？",
    "Hi, this is Anna from Lakeside Finance, calling about your overdue payment.", "This call is recorded for quality purposes.",
    "I'm calling regarding the past-due balance on your account.", "Is this the account holder?",
    # true credit reporting
    "逾期记录会按规定报送征信系统。", "按时还款可以避免影响您的信用记录。", "逾期会产生罚息和滞纳金。", "结清以后征信会按规定更新。",
    "Late payments may be reported to the credit bureaus.", "Paying on time helps protect your credit score.",
    "A late fee will be added to the balance.", "Once it's paid, the bureaus will be updated.",
    # lawful legal review
    "如果长期不还，公司可能会依法起诉。", "我们可能会把账户交给律师审核。", "诉讼需要经过法院判决。",
    "If we can't work something out, the account may be referred to our legal team.",
    "We may consider legal action, which would go through the courts.", "You have the right to dispute this debt in writing.",
    # privacy, reassurance, negations of the violations
    "我们不会联系您的家人和单位。", "您的信息我们会保密。", "您不会坐牢，这是民事债务。", "我们不是法院，也不是警察。",
    "We won't contact your employer or family.", "This is a civil matter, you won't be arrested.",
    "We're not the police or the court.", "Your information stays confidential.",
    # ordinary collection talk, hardship help, callbacks
    "我理解您的困难，我们可以帮您申请分期。", "您可以先还一部分。", "好的，那我晚点再打给您。", "请您尽快想办法还款。",
    "这笔钱您还是要还的。", "如果有困难可以跟我们说。", "麻烦您让他本人回个电话。",
    "I understand, we can set up a payment plan.", "Could you make a partial payment today?", "Sure, I'll call you back later.",
    "Please try to make a payment as soon as you can.", "Can you have him call us back?", "We need to resolve this balance.",
    "What can you pay this month?",
    # greetings, apologies, amounts, bookkeeping, empathy
    "喂，您好，我是信和贷的王磊，找您是关于借款的事。", "不好意思打扰您了。", "您的欠款总额是三千二百元。", "好的，我给您记下来了。",
    "系统里显示这笔借款是您本人申请的。", "您家里人能不能帮您周转一下？", "一直拖着对您自己也没好处。", "关于您借款的事情想跟您确认一下。",
    "Hello, this is Mark with Cedar Loans, calling about your loan.", "Sorry to bother you.", "I understand you're frustrated.",
    "Your account is past due.", "The balance right now is $640.", "Okay, I've noted that down.",
    "If you pay today I can waive the late fee.", "Is there anyone who could help you with the payment?",
]
