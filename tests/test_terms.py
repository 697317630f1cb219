"""The library's terms, embedded, read English phrases the dictionary cannot give (qa/terms.py)."""
from __future__ import annotations

import numpy as np
import pytest

from qa.bilingual import Glossary
from qa.terms import TERM_COSINE, Terms, library_terms, load_terms

USAGE = {"商业": 40, "航天": 12, "产业": 300, "发展": 900, "空间": 30, "生物": 8, "制造": 50, "诈骗": 3, "一次": 1, "x5": 9}


def test_the_terms_are_the_library_s_words_and_the_pairs_it_writes_together():
    texts = ["发展商业航天产业。", "支持商业航天。", "推动商业航天和生物制造。", "生物制造起步。"]
    words = library_terms(texts, USAGE)
    # tokens of two characters or more used by two units or more (not 一次, used once, nor x5, not Chinese) ...
    assert words[:8] == sorted(["商业", "航天", "产业", "发展", "空间", "生物", "制造", "诈骗"])
    # ... then pairs written together in three paragraphs or more: 商业航天 (3), not 生物制造 (2)
    assert words[8:] == ["商业航天"]


class CountingEmbed:
    """Vectors from a table, counting the texts embedded."""

    def __init__(self, table: dict[str, np.ndarray]):
        self.table, self.calls = table, 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_terms_are_embedded_once_and_kept_beside_the_index(tmp_path):
    embed = CountingEmbed({"商业航天": unit(1, 0, 0), "生物制造": unit(0, 1, 0), "黑臭水体": unit(0, 0, 1)})
    folder = tmp_path / "terms"
    first = load_terms(folder, "space-a", ["商业航天", "生物制造"], embed)
    assert embed.calls == 2 and len(list(folder.glob("*.npy"))) == 1
    again = load_terms(folder, "space-a", ["商业航天", "生物制造"], embed)
    assert embed.calls == 2  # read back, not embedded again
    np.testing.assert_allclose(again.vectors, first.vectors)
    # the library gained a word: only it is embedded, the rest taken from the pair before, which goes
    grown = load_terms(folder, "space-a", ["商业航天", "生物制造", "黑臭水体"], embed)
    assert embed.calls == 3 and len(list(folder.glob("*.npy"))) == 1
    np.testing.assert_allclose(grown.vectors[:2], first.vectors)
    # another model or backend keeps a pair of its own beside it
    load_terms(folder, "space-b", ["商业航天"], embed)
    assert embed.calls == 4 and len(list(folder.glob("*.npy"))) == len(list(folder.glob("*.json"))) == 2
    # a damaged or empty file is embedded again, not trusted
    for damage in (b"not an array", b""):
        for kept in folder.glob("*.npy"):
            kept.write_bytes(damage)
        calls = embed.calls
        load_terms(folder, "space-b", ["商业航天"], embed)
        assert embed.calls == calls + 1
    # no folder (an index that is not in version folders): in memory only
    assert load_terms(None, "space-b", ["商业航天"], embed).words == ["商业航天"]


def test_an_index_folder_that_cannot_be_written_keeps_the_terms_in_memory(tmp_path):
    blocked = tmp_path / "terms"
    blocked.write_text("a file where the folder would be")
    terms = load_terms(blocked, "space", ["商业航天"], CountingEmbed({"商业航天": unit(1, 0)}))
    assert terms.words == ["商业航天"] and blocked.read_text() == "a file where the folder would be"


GLOSSARY = Glossary(USAGE | {"商业航天": 3})


class Table(Terms):
    """Terms found by a table: phrase → (term, cosine); it keeps the phrases asked."""

    def __init__(self, table: dict[str, tuple[str, float]]):
        super().__init__(["商业航天"], np.zeros((1, 2)), lambda texts: None)
        self.table, self.asked = table, []

    def nearest(self, phrases):
        self.asked += phrases
        return [self.table.get(p, ("", 0.0)) for p in phrases]


def test_an_english_phrase_is_read_by_the_nearest_term_of_the_library():
    terms = Table({"commercial space industry": ("商业航天", TERM_COSINE + 0.01)})
    meanings = GLOSSARY.meanings("What does Hainan plan for the commercial space industry?", lambda: terms)
    assert meanings[-1].words == ["商业航天", "商业", "航天"]  # searched with its tokens too
    asked = terms.asked
    # phrases of up to three words of the runs between stopwords, frame words ("plan") and names ("Hainan"); a single
    # word only when the dictionary gives no word the library uses ("space" 空间 is one; "commercial" gives 商务, unused)
    assert {"commercial space industry", "commercial space", "space industry", "commercial"} == set(asked)


def test_a_term_under_the_cosine_or_one_the_dictionary_gave_already_adds_nothing():
    terms = Table({"commercial space industry": ("商业航天", TERM_COSINE - 0.01), "space industry": ("产业", TERM_COSINE + 0.05)})
    meanings = [m.words for m in GLOSSARY.meanings("What about the commercial space industry?", lambda: terms)]
    assert all("商业航天" not in words for words in meanings) and meanings.count(["产业"]) == 1


def test_without_terms_or_for_a_chinese_question_nothing_is_looked_up():
    assert GLOSSARY.meanings("What about the commercial space industry?")[-1].words == ["产业"]
    terms = Table({})
    assert GLOSSARY.meanings("商业航天怎么发展？", lambda: terms) == [] and not terms.asked


def test_a_build_embeds_the_library_s_terms_and_the_retriever_reads_them_back(tmp_path, fake_encoder, monkeypatch):
    import qa.embed
    from qa import Retriever, build_index

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("海南报告\n\n支持商业航天发展。\n\n商业航天发射场建成。\n\n推进商业航天和生物制造。\n", encoding="utf-8")
    build_index(data, tmp_path / "index", fake_encoder)
    assert len(list((tmp_path / "index" / "terms").glob("*.npy"))) == 1
    embedded = []
    encode = qa.embed.encode_queries
    monkeypatch.setattr(qa.embed, "encode_queries", lambda model, texts: embedded.append(texts) or encode(model, texts))
    terms = Retriever(tmp_path / "index").terms()
    assert "商业航天" in terms.words and not embedded  # read back from the build's file, nothing embedded


def test_with_the_default_model_a_comparison_reads_a_phrase_by_the_library_s_own_term(default_index, tmp_path):
    """"biomanufacturing": CC-CEDICT gives no word the library uses; the reports write 生物制造, which the model puts
    nearest. A comparison reads it so; an answer reads the dictionary alone."""
    from qa import Retriever, build_index
    from qa.compare import without_preference

    data = tmp_path / "data"
    data.mkdir()
    for name, text in {"甲省.txt": "甲省政府工作报告\n\n加快发展生物制造、商业航天等新兴产业。\n\n粮食产量稳定在500亿斤。\n",
                       "乙省.txt": "乙省政府工作报告\n\n培育生物制造产业集群，建设生物制造创新中心。\n\n城镇新增就业50万人。\n",
                       "丙省.txt": "丙省政府工作报告\n\n推进生物制造中试平台建设。\n\n居民收入增长5%。\n"}.items():
        (data / name).write_text(text, encoding="utf-8")
    build_index(data, tmp_path / "index")
    r = Retriever(tmp_path / "index")
    question = "Which reports mention biomanufacturing?"
    assert ["生物制造", "生物", "制造"] in [m.words for m in without_preference(r.lexicon, r.terms).read(question).meanings]
    assert all("生物制造" not in m.words for m in r.parse(question).meanings)
    rows = r.compare(question).rows
    assert all(row.hit and "生物制造" in row.hit.highlights[0] for row in rows)
    assert all("生物制造" not in m.words for m in r.parse(question).meanings)  # answers still read the dictionary alone
