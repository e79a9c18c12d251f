"""Small text helpers shared by apps that must not depend on each other."""

from __future__ import annotations

import re

# CJK Unified Ideographs (+ extension A) and the compatibility block: enough to tell
# Chinese text from Latin-script text without loading a language model.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
