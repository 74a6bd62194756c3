"""The portal's visit notice page tells the truth about what follows each answer (issue 15 item 2): the
borrower reads the workflow's own notice text, with every required element."""

from __future__ import annotations

import html
from typing import Any

from test_pages import borrower_signs_in


def test_the_portal_notice_says_no_legal_step_follows_a_decline_or_silence(client: Any, world: Any) -> None:
    borrower_signs_in(client, world.visit_phone)
    page = client.get(f"/portal/notices/{world.notice_b1}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for words in ("拒绝、撤回或未答复的后果", "您的答复或未答复都不会自动引发任何法律程序", "录音录像",
                  "保存期限", "12348", "我们是谁"):
        assert words in text, words
    assert "法律评估" not in text and "法务团队" not in text
