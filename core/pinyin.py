"""Pinyin keys for finding a name by full pinyin (zhangsan) or initials (zs)."""

import re
from functools import lru_cache

_NOT_LETTER = re.compile(r"[^a-z]")


@lru_cache(maxsize=50_000)  # names repeat (建设社区党委 in many towns) and rarely change
def pinyin_keys(name: str) -> tuple[str, str]:
    # Imported here, not at the top: pypinyin's dictionaries take about 50 MB, and of the
    # processes only those that save a lecturer's name need them (the web server loads them
    # before it forks its workers, jiangtai.warmup; the scheduler never does).
    from pypinyin import Style, lazy_pinyin

    syllables = [_NOT_LETTER.sub("", s.lower()) for s in lazy_pinyin(name, style=Style.NORMAL)]
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def normalise_query(q: str) -> str:
    """Lower-case, no spaces: 'Zhang San' and 'zhangsan' look for the same thing."""
    return "".join(q.lower().split())


def is_latin(q: str) -> bool:
    return bool(q) and bool(re.fullmatch(r"[a-z]+", q))
