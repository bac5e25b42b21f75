"""Chinese text to search terms: jieba's search-mode segmentation, lower-cased, without
punctuation, single characters and words that say nothing about a topic."""

import re
from functools import cache, lru_cache

_WORD = re.compile(r"[\w]+", re.UNICODE)
# Words every request uses ("a lecture on …", "how do we …", "please tell us …"): they tell
# nothing about which course fits.
STOPWORDS = frozenset(
    [
        # the lecture itself
        "讲座", "讲课", "授课", "培训", "培训班", "课程", "专题", "学习", "党课", "一堂",
        "一堂课", "一次", "一期", "一场", "上课", "来讲", "做个", "老师", "讲师", "专家",
        "活动", "主题", "内容", "方面", "有关", "相关", "问题", "工作", "进行", "开展",
        # asking and wishing
        "我们", "大家", "需要", "希望", "想请", "请人", "邀请", "帮忙", "联系", "一位", "一名",
        "有没有", "没有", "能否", "可以", "能够", "一下", "一些", "一点", "这个", "那个",
        "这些", "那些", "什么", "为什么", "哪些", "怎么", "怎么样", "怎么办", "怎样", "如何",
        "讲讲", "讲一讲", "说说", "谈谈", "聊聊", "关于", "才能",
        # one character, kept for texts that segment oddly
        "请", "的", "和", "与", "及", "在",
    ]
)  # fmt: skip
# Words that say who listens rather than what about — a secretary names the audience in most
# requests ("给支部党员讲讲…", "老党员", "村民") — and words that go with any topic ("教育",
# "知识", "精神"). The engine counts them, but much less than the words of the topic itself.
WEAK_WORDS = frozenset(
    [
        "党员", "支部", "党支部", "党组织", "村里", "本村", "村民", "群众", "干部", "全体",
        "基层", "教育", "知识", "精神",
    ]
)  # fmt: skip


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


@lru_cache(maxsize=2048)
def cached_terms(text: str) -> tuple[str, ...]:
    """`terms` of short texts that come back often: demand topics and synonym words."""
    return tuple(terms(text))
