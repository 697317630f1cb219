"""Stage 4, past one machine: the index in Milvus, reached by ``pymilvus.MilvusClient(uri)``.

The URI is a Milvus Lite ``.db`` path (an embedded server, one process at a time) or a Milvus server's
``http://host:19530``; the code path is one. Everything a serving node needs is in three collections,
named after :attr:`qa.store.Location.collection`:

- ``<c>_units``: a unit per row: its vector, its keyword tokens (``tokens``, scored by Milvus's own BM25
  function into ``bm25``), its paragraph and sentences, and its source and the source's hash (``tag``);
- ``<c>_paragraphs``: a quotable paragraph per row: text, heading path, page, sentence offsets;
- ``<c>_meta``: the manifest and the keyword usage, as JSON in pieces, and ``current``, the version a
  reader loads.

The keyword side is Milvus's BM25 over the same tokens as the embedded store's (jieba over script-folded
text, :func:`qa.keywords.tokenize`): Milvus's own analyzers cannot be told our folding, stopwords and
dictionary, so each token is written as a hash of it (:func:`term`) that Milvus's ``standard`` tokenizer
keeps whole. With bm25s's k1 and b, the scores are bm25s's (measured in ``docs/milvus.md``); Milvus keeps
the statistics as rows come and go, so an incremental build writes only the changed sources' rows.

A build writes the new sources' rows, then publishes the manifest (``current``), then deletes the rows
of sources changed or removed: a reader never sees a half-written version, and one that loaded the old
one finds its rows until it reloads (:meth:`MilvusStore.current`).
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import IndexCorrupt, IndexFailure, IndexMismatch, IndexMissing, StoreUnavailable
from .migrations import FORMAT_VERSION, READABLE_FORMATS
from .store import TOKEN_VARIABLE, Location, public_uri

if TYPE_CHECKING:
    from .index import LoadedIndex, Manifest
    from .split import Paragraph

log = logging.getLogger(__name__)

#: bm25s's defaults, so that both stores score alike.
BM25_K1, BM25_B = 1.5, 0.75
#: The dense index: exact (FLAT) below :data:`qa.index.HNSW_MIN_UNITS` units, HNSW from there on, as the
#: embedded store. Milvus's HNSW searched within one document (4% of 24k units) found 58 of the exact top 100.
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 128, 256
#: Rows a write sends at once.
BATCH = 2000
#: Most rows one search returns (Milvus's own limit).
MAX_LIMIT = 16384
#: Rows whose terms and vectors a store keeps between reads (those of the question at hand).
FETCHED_ROWS = 5000
#: JSON is kept in pieces of this many characters (a VARCHAR holds 65,535 bytes, 4 at most a character).
PIECE = 16000
#: Seconds to wait for a server before saying it cannot be reached.
CONNECT_SECONDS = 10.0
#: Longest text a VARCHAR field holds, in bytes.
MAX_VARCHAR = 65535


def names(loc: Location) -> tuple[str, str, str]:
    """The units', paragraphs' and meta collections of ``loc``."""
    return f"{loc.collection}_units", f"{loc.collection}_paragraphs", f"{loc.collection}_meta"


@functools.lru_cache(maxsize=2**20)  # a library's vocabulary repeats: hashed once a token
def term(token: str) -> str:
    """A keyword token as Milvus's ``standard`` tokenizer keeps it whole: 16 hex digits of its hash."""
    return hashlib.blake2b(token.encode("utf-8"), digest_size=8).hexdigest()


def tag(source: str, sha256: str) -> str:
    """What marks the rows of one version of one source."""
    return hashlib.blake2b(f"{source}\0{sha256}".encode("utf-8"), digest_size=8).hexdigest()


def row_key(tag_: str, kind: str, n: int) -> int:
    """The primary key of a row: stable for the same source version, so writing it again replaces it."""
    return int.from_bytes(hashlib.blake2b(f"{tag_}\0{kind}\0{n}".encode(), digest_size=8).digest(), "big") >> 1


def connect(loc: Location):
    """A ``MilvusClient`` for ``loc``, the token (if any) from ``QA_MILVUS_TOKEN``.

    Raises:
        StoreUnavailable: Milvus cannot be reached or refuses, named by its URI.
    """
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreUnavailable("the Milvus store needs pymilvus: pip install 'qa-plan[milvus]'") from None
    # Reading a whole collection, pymilvus asks Milvus Lite for a timestamp it does not serve: Lite's server
    # logs the error, and pymilvus warns that it keeps time itself. Nothing to act on, so neither is shown.
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    if "://" not in loc.uri:  # a Milvus Lite file: its folder must exist
        Path(loc.uri).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    # Milvus Lite's server takes the client's keep-alive pings, every 10 s, as too many, and sends it away: a
    # build that embeds for minutes between two calls then cannot reconnect. Pings are for a server over a network.
    lite = {} if "://" in loc.uri else {"grpc_options": {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0}}
    try:
        return MilvusClient(uri=loc.uri, token=os.environ.get(TOKEN_VARIABLE, ""), timeout=CONNECT_SECONDS, **lite)
    except Exception as e:  # noqa: BLE001 - whatever the client raises, the user needs the URI and what to do
        raise unavailable(loc, e) from None


def unavailable(loc: Location, e: BaseException) -> StoreUnavailable:
    """The error for a Milvus that cannot be reached or refuses."""
    why = " ".join(str(getattr(e, "message", "") or e).split())[:300] or type(e).__name__
    check = (f"check that it runs and the URI and {TOKEN_VARIABLE}" if "://" in loc.uri else
             "a Milvus Lite file is open in one process at a time: stop the other one, or use a Milvus server")
    return StoreUnavailable(
        f"cannot use Milvus at {public_uri(loc.uri)} ({why}); {check}, "
        f"or answer from the local index (drop --uri); the local index in {loc.folder}/ was left as it was"
    )


def _call(loc: Location, what, *args, **kwargs):
    """Run a client call; a failure becomes :class:`StoreUnavailable` naming the URI."""
    import grpc
    from pymilvus.exceptions import MilvusException

    try:
        return what(*args, **kwargs)
    except (MilvusException, grpc.RpcError, OSError) as e:  # what Milvus, the wire or a Lite file raise; a bug is not one
        raise unavailable(loc, e) from None


# ------------------------------------------------------------------ schema

def _create(client, loc: Location, dim: int) -> None:
    """Create the three collections, with their indexes."""
    from pymilvus import DataType, Function, FunctionType

    units, paragraphs, meta = names(loc)
    s = client.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("tag", DataType.VARCHAR, max_length=16)
    s.add_field("source", DataType.VARCHAR, max_length=4096)
    s.add_field("ordinal", DataType.INT64)
    s.add_field("paragraph", DataType.INT64)  # the paragraph's number in its source
    s.add_field("first", DataType.INT64)
    s.add_field("last", DataType.INT64)
    s.add_field("piece", DataType.INT64)
    s.add_field("key", DataType.VARCHAR, max_length=64)
    s.add_field("tokens", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True, analyzer_params={"tokenizer": "standard"})
    s.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["tokens"], output_field_names=["bm25"]))
    ip = client.prepare_index_params()
    ip.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
    ip.add_index("tag", index_type="INVERTED")
    client.create_collection(units, schema=s, index_params=ip)

    s = client.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("tag", DataType.VARCHAR, max_length=16)
    s.add_field("source", DataType.VARCHAR, max_length=4096)
    s.add_field("number", DataType.INT64)
    s.add_field("title", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("path", DataType.JSON)
    s.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("sentences", DataType.JSON)
    s.add_field("page", DataType.INT64)  # -1: no page
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
    ip = client.prepare_index_params()
    ip.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(paragraphs, schema=s, index_params=ip)

    s = client.create_schema(auto_id=False)
    s.add_field("key", DataType.VARCHAR, max_length=256, is_primary=True)
    s.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(meta, schema=s, index_params=ip)


def _dense_index(client, loc: Location, units: int) -> None:
    """Give the units' vectors the index their number calls for (:data:`HNSW_M`), replacing another."""
    from .index import HNSW_MIN_UNITS

    collection = names(loc)[0]
    kind = "HNSW" if units >= HNSW_MIN_UNITS else "FLAT"
    if "vector" in client.list_indexes(collection):
        if client.describe_index(collection, "vector").get("index_type") == kind:
            return
        client.release_collection(collection)
        client.drop_index(collection, "vector")
    ip = client.prepare_index_params()
    params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION} if kind == "HNSW" else {}
    ip.add_index("vector", index_type=kind, metric_type="IP", params=params)
    client.create_index(collection, ip)


def _dim(client, collection: str) -> int | None:
    """The vector dimension of an existing units collection; None when there is none."""
    if not client.has_collection(collection):
        return None
    for f in client.describe_collection(collection)["fields"]:
        if f["name"] == "vector":
            return int(f.get("params", {}).get("dim", 0))
    return None


def drop(loc: Location) -> None:
    """Remove the collections of ``loc`` (the library is empty)."""
    client = connect(loc)
    for name in names(loc):
        if _call(loc, client.has_collection, name):
            _call(loc, client.drop_collection, name)


# ------------------------------------------------------------------ meta

def _read_json(client, loc: Location, meta: str, key: str, pieces: int):
    keys = [f"{key}:{i}" for i in range(pieces)]
    rows = {r["key"]: r["value"] for r in _call(loc, client.get, meta, ids=keys, output_fields=["value"])}
    if len(rows) != pieces:
        raise IndexCorrupt(f"Milvus at {public_uri(loc.uri)}: {key} has {len(rows)} of its {pieces} pieces; rebuild with `qa build --force`")
    return json.loads("".join(rows[k] for k in keys))


def _pieces(key: str, value) -> list[dict]:
    text = json.dumps(value, ensure_ascii=False)
    return [{"key": f"{key}:{i}", "value": text[j : j + PIECE], "v": [0.0, 0.0]} for i, j in enumerate(range(0, max(len(text), 1), PIECE))]


def _current(client, loc: Location) -> dict | None:
    """The ``current`` record: the published version and its pieces; None when nothing is published."""
    meta = names(loc)[2]
    if not _call(loc, client.has_collection, meta):
        return None
    _call(loc, client.load_collection, meta)  # a collection starts released in a new server process
    rows = _call(loc, client.get, meta, ids=["current"], output_fields=["value"])
    return json.loads(rows[0]["value"]) if rows else None


def published(loc: Location) -> str:
    """The name of the version published in Milvus; "" for none."""
    client = connect(loc)
    try:
        record = _current(client, loc)
        return record["version"] if record else ""
    finally:
        client.close()


def read_manifest(loc: Location) -> "Manifest | None":
    """The published manifest in Milvus; None when nothing is published there.

    Raises:
        StoreUnavailable: Milvus cannot be reached.
        IndexCorrupt, IndexMismatch: the manifest is damaged, or of another format.
    """
    client = connect(loc)
    try:
        return _manifest(client, loc)
    finally:
        client.close()


def _manifest(client, loc: Location, current: dict | None = None) -> "Manifest | None":
    """The manifest of the ``current`` record (read now when None)."""
    from .index import Manifest

    current = current or _current(client, loc)
    if current is None:
        return None
    data = _read_json(client, loc, names(loc)[2], f"{current['version']}:manifest", current["manifest"])
    if data.get("format_version") not in READABLE_FORMATS:
        raise IndexMismatch(
            f"Milvus at {public_uri(loc.uri)} has index format {data.get('format_version')!r}, this version of qa reads "
            f"{FORMAT_VERSION}; rebuild with `qa build --force`"
        )
    return Manifest.from_json(data)


# ------------------------------------------------------------------ write

def write(
    loc: Location, paragraphs: "list[Paragraph]", units: np.ndarray, keys: list[str], tokens: list[list[str]],
    vectors: np.ndarray, manifest: "Manifest", kept: set[str],
) -> str:
    """Write a build into Milvus and publish it; return the version's name.

    Args:
        loc: Where.
        paragraphs: All paragraphs of the library, in order.
        units: All units (paragraph, first, last, piece), in order.
        keys: Each unit's content key.
        tokens: Each unit's keyword tokens.
        vectors: The vectors of the units of the sources not ``kept``, in unit order.
        manifest: The new manifest.
        kept: Sources whose rows in Milvus are this version's already: not written again.

    Raises:
        StoreUnavailable: Milvus cannot be reached or refuses; what was published before stays published.
    """
    units_c, paragraphs_c, meta_c = names(loc)
    client = connect(loc)
    try:
        dim = _call(loc, _dim, client, units_c)
        if dim not in (None, manifest.dim) or (dim is not None and not kept and _manifest(client, loc) is None):
            for name in names(loc):  # another model's vectors, or leftovers of a build never published
                _call(loc, client.drop_collection, name)
            dim = None
        if dim is None:
            _call(loc, _create, client, loc, manifest.dim)
        _call(loc, _dense_index, client, loc, len(units))
        for name in names(loc):
            _call(loc, client.load_collection, name)
        tags = {name: tag(name, rec.sha256) for name, rec in manifest.sources.items() if rec.status == "indexed"}
        for para in paragraphs:  # checked before anything is written
            if para.source not in kept and max(len(para.text.encode("utf-8")), len(para.title.encode("utf-8"))) > MAX_VARCHAR:
                raise IndexFailure(f"{para.source}: a paragraph of over {MAX_VARCHAR} bytes cannot be kept in Milvus; the index was left as it was")

        def paragraph_rows():
            for para in paragraphs:
                if para.source not in kept:
                    t = tags[para.source]
                    yield {
                        "id": row_key(t, "p", para.number), "tag": t, "source": para.source, "number": para.number,
                        "title": para.title, "path": list(para.path), "text": para.text,
                        "sentences": [list(s) for s in para.sentences], "page": -1 if para.page is None else para.page,
                        "v": [0.0, 0.0],
                    }

        def unit_rows():
            ordinal: Counter = Counter()
            written = 0
            for u, (p, first, last, piece) in enumerate(np.asarray(units).tolist()):
                source = paragraphs[p].source
                n = ordinal[source]
                ordinal[source] += 1
                if source not in kept:
                    t = tags[source]
                    yield {
                        "id": row_key(t, "u", n), "tag": t, "source": source, "ordinal": n, "paragraph": paragraphs[p].number,
                        "first": first, "last": last, "piece": piece, "key": keys[u],
                        "tokens": " ".join(term(w) for w in tokens[u]), "vector": vectors[written].tolist(),
                    }
                    written += 1

        for collection, rows in ((paragraphs_c, paragraph_rows()), (units_c, unit_rows())):
            while batch := list(itertools.islice(rows, BATCH)):  # a batch at a time: a million rows as dicts would not fit
                _call(loc, client.upsert, collection, batch)
            _call(loc, client.flush, collection)
        usage = Counter(t for unit in tokens for t in set(unit))
        # Published: the manifest and the usage first, then `current`, which readers read first.
        version = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        manifest_rows = _pieces(f"{version}:manifest", json.loads(manifest.to_json()))
        usage_rows = _pieces(f"{version}:usage", dict(usage))
        _call(loc, client.upsert, meta_c, manifest_rows + usage_rows)
        previous = _current(client, loc)
        record = {"version": version, "manifest": len(manifest_rows), "usage": len(usage_rows),
                  "length": sum(len(t) for t in tokens)}
        _call(loc, client.upsert, meta_c, [{"key": "current", "value": json.dumps(record), "v": [0.0, 0.0]}])
        _call(loc, client.flush, meta_c)
        # Rows of sources changed or removed, and the version before the previous one, go now.
        live = json.dumps(sorted(tags.values()))
        for collection in (units_c, paragraphs_c):
            _call(loc, client.delete, collection, filter=f"tag not in {live}")
            _call(loc, client.flush, collection)
        keep = {version} | ({previous["version"]} if previous else set())
        old = [r["key"] for r in _call(loc, client.query, meta_c, filter='key != "current"', output_fields=["key"])
               if r["key"].split(":")[0] not in keep]
        if old:
            _call(loc, client.delete, meta_c, ids=old)
        return version
    finally:
        client.close()


# ------------------------------------------------------------------ read

def load(loc: Location) -> "LoadedIndex":
    """The published index in Milvus: manifest, paragraphs and units in memory, vectors and keywords in Milvus.

    Raises:
        IndexMissing: nothing is published there.
        StoreUnavailable: Milvus cannot be reached.
        IndexCorrupt: a row is missing.
    """
    from .index import UNIT_COLUMNS, LoadedIndex
    from .migrations import backfill_places
    from .split import Paragraph

    client = connect(loc)
    current = _current(client, loc)  # read once: the manifest and the usage are of one version
    manifest = _manifest(client, loc, current)
    if manifest is None:
        client.close()
        raise IndexMissing(f"no index in Milvus at {public_uri(loc.uri)} (collection {loc.collection}); build one with `qa build --uri ...`")
    units_c, paragraphs_c, meta_c = names(loc)
    for name in (units_c, paragraphs_c):
        _call(loc, client.load_collection, name)
    usage = _read_json(client, loc, meta_c, f"{current['version']}:usage", current["usage"])
    order = {name: i for i, name in enumerate(manifest.sources)}
    tags = {tag(name, rec.sha256): name for name, rec in manifest.sources.items() if rec.status == "indexed"}
    fields = ["tag", "source", "number", "title", "path", "text", "sentences", "page"]
    prows = [r for r in _rows(client, loc, paragraphs_c, fields) if r["tag"] in tags]  # rows of a later build are left out
    prows.sort(key=lambda r: (order[r["source"]], r["number"]))
    paragraphs = [
        Paragraph(r["source"], r["title"], list(r["path"]), r["text"], [tuple(s) for s in r["sentences"]],
                  None if r["page"] < 0 else r["page"], r["number"]) for r in prows
    ]
    where = {(p.source, p.number): i for i, p in enumerate(paragraphs)}
    urows = [r for r in _rows(client, loc, units_c, ["id", "tag", "source", "ordinal", "paragraph", "first", "last", "piece"]) if r["tag"] in tags]
    urows.sort(key=lambda r: (order[r["source"]], r["ordinal"]))
    counts = manifest.counts
    if len(paragraphs) != counts.get("paragraphs") or len(urows) != counts.get("units"):
        client.close()
        raise IndexCorrupt(
            f"Milvus at {public_uri(loc.uri)} holds {len(paragraphs)} paragraphs and {len(urows)} units of this version, "
            f"its manifest says {counts.get('paragraphs')} and {counts.get('units')}; rebuild with `qa build --force`"
        )
    units = np.array([[where[(r["source"], r["paragraph"])], r["first"], r["last"], r["piece"]] for r in urows],
                     dtype=np.int32).reshape(-1, len(UNIT_COLUMNS))
    store = MilvusStore(client, loc, np.array([r["id"] for r in urows], dtype=np.int64),
                        [r["source"] for r in urows], usage, current["version"], current["length"])
    backfill_places(manifest, paragraphs)
    return LoadedIndex(Path(loc.folder) / current["version"], manifest, paragraphs, units, store)


def _rows(client, loc: Location, collection: str, fields: list[str]) -> list[dict]:
    """Every row of a collection, with ``fields``."""
    out: list[dict] = []
    it = _call(loc, client.query_iterator, collection, batch_size=BATCH * 4, filter="", output_fields=fields)
    try:
        while batch := _call(loc, it.next):
            out.extend(batch)
    finally:
        it.close()
    return out


class MilvusStore:
    """The units' vectors and keyword index in Milvus (:class:`qa.store.Store`).

    Args:
        client: A connected ``MilvusClient``.
        loc: Where.
        keys: Each row's primary key in Milvus, in row order.
        sources: Each row's source file.
        usage: Each keyword token with the number of units that hold it.
        version: The published version it was loaded from.
    """

    kind = "milvus"

    def __init__(self, client, loc: Location, keys: np.ndarray, sources: list[str], usage: dict[str, int], version: str,
                 length: int):
        self.client, self.loc, self.version = client, loc, version
        self._average = length / max(len(keys), 1)  # tokens a unit, for BM25's length norm
        self.collection = names(loc)[0]
        self.keys = keys
        self.size = len(keys)
        self._by_key = np.argsort(keys)  # rows by key, to find a row from a key
        self._sorted_keys = keys[self._by_key]
        self.vocabulary = usage
        names_, self._source_of = np.unique(np.array(sources, dtype=object), return_inverse=True) if sources else ([], np.zeros(0, np.int64))
        self._sources = list(names_)
        self._per_source = np.bincount(self._source_of, minlength=len(self._sources))
        self._all_vectors: np.ndarray | None = None
        self._fetched: dict[int, tuple[list[str], list[float]]] = {}  # row -> (terms, vector), for the question at hand

    def current(self) -> str | None:
        """The version published in Milvus now: another than :attr:`version` once a build has committed."""
        record = _current(self.client, self.loc)
        return record["version"] if record else None

    def known(self, tokens):
        return [t for t in tokens if t in self.vocabulary]

    def usage(self):
        return self.vocabulary

    def _rows_of(self, keys: list[int]) -> np.ndarray:
        """Rows of primary keys; -1 for a key this version does not hold (a later build's row)."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(keys) or not self.size:
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted_keys, keys), self.size - 1)
        return np.where(self._sorted_keys[at] == keys, self._by_key[at], -1)

    def _filter(self, within: np.ndarray | None) -> str:
        """A filter for rows ``within``: by source when they are whole sources, else by key."""
        if within is None:
            return ""
        within = np.unique(np.asarray(within, dtype=np.int64))
        touched = np.unique(self._source_of[within])
        if self._per_source[touched].sum() == len(within):
            return f"source in {json.dumps([self._sources[i] for i in touched], ensure_ascii=False)}"
        return f"id in [{','.join(map(str, self.keys[within].tolist()))}]"

    def _search(self, field: str, data, k: int, flt: str, params: dict) -> tuple[np.ndarray, np.ndarray]:
        hits = _call(self.loc, self.client.search, self.collection, data=[data], anns_field=field, limit=min(k, MAX_LIMIT),
                     filter=flt, search_params=params, output_fields=[])[0]
        rows = self._rows_of([h["id"] for h in hits])
        scores = np.array([h["distance"] for h in hits], dtype=np.float64)
        keep = rows >= 0
        return rows[keep], scores[keep]

    def dense_top(self, vector, k, within=None):
        params = {"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, k)}}
        return self._search("vector", np.asarray(vector, dtype=np.float32).tolist(), k, self._filter(within), params)

    def _keyword(self, tokens: list[str], k: int, flt: str) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = self._search("bm25", " ".join(term(t) for t in tokens), k, flt, {"metric_type": "BM25"})
        # Milvus Lite gives BM25 scores negated, and Milvus's BM25 has the factor (k1 + 1) that bm25s's leaves out.
        return rows, np.abs(scores) / (BM25_K1 + 1)

    def keyword_top(self, tokens, k, within=None):
        rows, scores = self._keyword(tokens, k, self._filter(within))
        return rows[scores > 0]

    def _fetch(self, rows: np.ndarray) -> dict[int, tuple[list[str], list[float]]]:
        """The terms and vector of each of ``rows``, in one read; kept for the rest of the question."""
        if len(self._fetched) > FETCHED_ROWS:
            self._fetched = {}
        fetched = self._fetched
        wanted = [r for r in rows.tolist() if r not in fetched]
        if wanted:
            got = {r["id"]: r for r in _call(self.loc, self.client.get, self.collection, ids=self.keys[wanted].tolist(),
                                               output_fields=["tokens", "vector"])}
            try:
                fetched.update((w, (got[k]["tokens"].split(), got[k]["vector"])) for w, k in zip(wanted, self.keys[wanted].tolist()))
            except KeyError:
                raise IndexCorrupt(
                    f"Milvus at {public_uri(self.loc.uri)} no longer holds units of version {self.version}: "
                    "a build has replaced it; ask again"
                ) from None
        return {r: fetched[r] for r in rows.tolist()}

    def keyword_scores(self, tokens, rows):
        """BM25 as bm25s scores it (Lucene's idf, no (k1 + 1) factor), from the units' terms and the library's
        statistics: one read for all candidates, where a filtered BM25 search in Milvus took 100-300 ms."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float64)
        if not tokens or not len(rows):
            return out
        n = self.size
        weights = Counter()
        for t in tokens:  # a token asked twice counts twice, as in bm25s
            df = self.vocabulary.get(t, 0)
            weights[term(t)] += np.log(1 + (n - df + 0.5) / (df + 0.5))
        fetched = self._fetch(rows)
        for i, row in enumerate(rows.tolist()):
            terms = fetched[row][0]
            counts = Counter(w for w in terms if w in weights)
            if counts:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * len(terms) / self._average)
                out[i] = sum(weights[w] * tf / (tf + norm) for w, tf in counts.items())
        return out

    def vectors(self, rows):
        rows = np.asarray(rows, dtype=np.int64)
        if self._all_vectors is not None:
            return self._all_vectors[rows]
        fetched = self._fetch(rows)
        return np.array([fetched[r][1] for r in rows.tolist()], dtype=np.float32).reshape(len(rows), -1)

    def all_vectors(self):
        """Every vector, fetched once and kept (a comparison scans them all)."""
        if self._all_vectors is None:
            got = _rows(self.client, self.loc, self.collection, ["id", "vector"])
            rows = self._rows_of([r["id"] for r in got])
            out = np.zeros((self.size, len(got[0]["vector"]) if got else 0), dtype=np.float32)
            for row, r in zip(rows.tolist(), got):
                if row >= 0:
                    out[row] = r["vector"]
            self._all_vectors = out
        return self._all_vectors

    def all_keyword_scores(self, tokens):
        out = np.zeros(self.size, dtype=np.float32)
        if tokens:  # the best MAX_LIMIT units: the rest score less than all of those
            rows, scores = self._keyword(tokens, MAX_LIMIT, "")
            out[rows] = scores
        return out
