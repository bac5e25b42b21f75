"""Chinese text to search terms: jieba's search-mode segmentation, lower-cased, without
punctuation, single characters and words that say nothing about a topic."""

import re
from functools import cache

_WORD = re.compile(r"[\w]+", re.UNICODE)
# Words every request uses ("a lecture on …"): they tell nothing about which course fits.
STOPWORDS = frozenset(
    [
        "讲座",
        "讲课",
        "授课",
        "培训",
        "课程",
        "专题",
        "学习",
        "党课",
        "一堂",
        "一次",
        "关于",
        "我们",
        "需要",
        "希望",
        "进行",
        "开展",
        "活动",
        "主题",
        "内容",
        "方面",
        "有关",
        "相关",
        "问题",
        "工作",
        "老师",
        "讲师",
        "请",
        "的",
        "和",
        "与",
        "及",
        "在",
    ]
)


@cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def terms(text: str) -> list[str]:
    """Search terms of a text, in order, repeats kept (for term frequencies)."""
    if not text:
        return []
    result = []
    for token in _jieba().lcut_for_search(text.lower()):
        token = token.strip()
        if len(token) < 2 or token in STOPWORDS or not _WORD.fullmatch(token):
            continue
        result.append(token)
    return result
