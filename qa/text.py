"""Text utilities: decoding source bytes, pinyin glosses, folding for comparison.

Scraped Chinese text arrives in several encodings and with pinyin glosses
after characters (``現(xiàn)代化``): :func:`decode` and :func:`strip_glosses`
serve every reader of :mod:`qa.read`. Removing a gloss keeps every original
character of the content, so that quotes stay verbatim. The folding functions
compare text across scripts, widths and cases.
"""
from __future__ import annotations

import codecs
import functools
import re
import unicodedata

from .errors import SourceError


# Pinyin letters: ASCII a-z plus the tone-marked vowels and ü.
_PINYIN = "a-zü\u00e0-\u00fc\u0101\u0113\u011b\u012b\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc"
# A gloss is a parenthesised pinyin syllable with a tone mark right after a
# CJK character; requiring the tone mark keeps "(a)" list markers or "(app)".
_TONED = "ü\u00e0\u00e1\u00e8\u00e9\u00ec\u00ed\u00f2\u00f3\u00f9\u00fa\u0101\u0113\u011b\u012b\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc"
_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（](?=[a-z]*[{_TONED}])([{_PINYIN}]{{1,6}})[)）]")
# The scrape also damaged a few glosses into mojibake; "?xùn)|" stands where
# 東 and its two glosses, (dòng) and (dōng), were. Known repairs only.
_DAMAGED = {"?xùn)|": ("東", 2)}

def decode(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode source bytes, detecting UTF-8/UTF-16 BOMs, GB18030 and Big5.

    Args:
        data: The file's bytes.
        name: Shown in error messages.

    Returns:
        ``(text, encoding)``.

    Raises:
        SourceError: empty, binary or in no supported encoding.
    """
    if not data.strip():
        raise SourceError(f"{name}: the file is empty")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise SourceError(f"{name}: starts with a {enc} byte-order mark but is not valid {enc}: {e}") from None
    if b"\x00" in data:
        raise SourceError(f"{name}: looks binary (contains NUL bytes); save text as UTF-8 to index it")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Legacy Chinese encodings: Big5 bytes often decode as GB18030 too (and
    # vice versa), so decode both and keep the one that reads as words.
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise SourceError(f"{name}: not UTF-8, UTF-16 (with BOM), GB18030 or Big5; re-save it as UTF-8")
    text, enc = max(candidates, key=lambda c: _wordiness(c[0]))
    if _control_share(text) > 0.05:
        raise SourceError(f"{name}: looks binary (too many control characters); save text as UTF-8 to index it")
    return text, enc


def _control_share(text: str) -> float:
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\r\t")
    return bad / max(len(text), 1)


def _wordiness(text: str) -> float:
    """Share of adjacent CJK character pairs that are dictionary words."""
    words = _jieba_words()
    folded = fold_script(text[:20000])
    pairs = [folded[i : i + 2] for i in range(len(folded) - 1) if "\u4e00" <= folded[i] <= "\u9fff"]
    return sum(p in words for p in pairs) / max(len(pairs), 1)


@functools.lru_cache(maxsize=1)
def _jieba_words() -> frozenset:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return frozenset(w for w in jieba.dt.FREQ if len(w) == 2)


def strip_glosses(text: str) -> tuple[str, int]:
    """``text`` without pinyin glosses such as the ``(xiàn)`` of ``現(xiàn)代化``, and how many were removed."""
    removed = 0
    for bad, (good, n) in _DAMAGED.items():
        removed += text.count(bad) * n
        text = text.replace(bad, good)
    text, n = _GLOSS.subn("", text)
    return text, removed + n


# ---------------------------------------------------------------- folding

def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese character."""
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@functools.lru_cache(maxsize=None)
def converter(config: str):
    """The OpenCC converter for ``config`` (e.g. ``"t2s"``), made once per process."""
    import opencc

    return opencc.OpenCC(config)


def fold_script(text: str) -> str:
    """Fold width (NFKC), case and script (traditional to simplified)."""
    return converter("t2s").convert(unicodedata.normalize("NFKC", text).lower())


_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


def fold_for_match(text: str) -> str:
    """Fold script, width, case, punctuation and spaces: for comparing answers."""
    return _PUNCT_OR_SPACE.sub("", fold_script(text))
