"""Milvus Lite itself, without qa: insert, flush, index build, each kind of search and read, memory and disk
at N rows of 384-d vectors and hashed-token text (a Zipf vocabulary of 200,000 words), against faiss and
bm25s on the same data. The store-level trial behind the million-unit figures of docs/milvus.md.

    python benchmarks/bench_milvus_lite.py N DENSE_INDEX(HNSW|FLAT|...) [--probe] [--nofaiss] [--nobm25s] [--nofaisshnsw]

Writes benchmarks/.work/milvus-lite/res_N_INDEX.json.
"""
import os, sys, time, json, shutil, threading, gc
import numpy as np

N = int(sys.argv[1]); DENSE = sys.argv[2]
FLAGS = set(sys.argv[3:])
DIM = 384; VOCAB = 200_000; NSRC = 300; BATCH = 10_000
WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work", "milvus-lite")
os.makedirs(WORK, exist_ok=True)
DB = f"{WORK}/x_{N}_{DENSE}.db"
RES = {"N": N, "dense_index": DENSE}
T0 = time.time()

def log(*a):
    print(f"[{time.time()-T0:8.1f}s]", *a, flush=True)

def rss_mb():
    with open("/proc/self/status") as f:
        for l in f:
            if l.startswith("VmRSS"):
                return int(l.split()[1]) / 1024
    return 0

PEAK = [0.0]
def sampler():
    while True:
        PEAK[0] = max(PEAK[0], rss_mb()); time.sleep(0.2)
threading.Thread(target=sampler, daemon=True).start()

def du_mb(p):
    t = 0
    for r, _, fs in os.walk(p):
        for f in fs:
            try: t += os.path.getsize(os.path.join(r, f))
            except OSError: pass
    return t / 2**20

# ---------------- data ----------------
rng = np.random.default_rng(0)
NCENT = 1000
cent = rng.standard_normal((NCENT, DIM)).astype(np.float32)
cent /= np.linalg.norm(cent, axis=1, keepdims=True)
vocab = np.array([f"k{x:06x}" for x in rng.choice(16**6, VOCAB, replace=False)])
p = 1.0 / (np.arange(VOCAB) + 5.0) ** 1.05; p /= p.sum(); cdf = np.cumsum(p)

def make_vecs(n, r):
    c = r.integers(0, NCENT, n)
    v = cent[c] + 0.35 * r.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM) * np.sqrt(DIM) * 0.1
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32)

def make_tokens(n, r):
    lens = r.integers(20, 61, n)
    ids = np.searchsorted(cdf, r.random(lens.sum()))
    ids = np.minimum(ids, VOCAB - 1)
    return np.split(ids, np.cumsum(lens)[:-1])

log("generating data")
VEC = np.empty((N, DIM), np.float32); TOK = []
for s in range(0, N, 100_000):
    r = np.random.default_rng(1000 + s); n = min(100_000, N - s)
    VEC[s:s+n] = make_vecs(n, r); TOK.extend(make_tokens(n, r))
SRC = np.random.default_rng(7).integers(0, NSRC, N)
log("data ready", "rss MB", round(rss_mb()))

import logging; logging.basicConfig(level=logging.WARNING); logging.getLogger("milvus_lite").setLevel(logging.INFO)
from pymilvus import MilvusClient, DataType, Function, FunctionType

def make_schema(client):
    sc = client.create_schema(auto_id=False, enable_dynamic_field=False)
    sc.add_field("id", DataType.INT64, is_primary=True)
    sc.add_field("source", DataType.VARCHAR, max_length=1024)
    sc.add_field("paragraph", DataType.INT64)
    sc.add_field("tokens", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                 analyzer_params={"tokenizer": "standard"})
    sc.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    sc.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
    sc.add_function(Function(name="bm25fn", function_type=FunctionType.BM25,
                             input_field_names=["tokens"], output_field_names=["bm25"]))
    return sc

DENSE_PARAMS = {
    "FLAT": ("FLAT", {}),
    "HNSW": ("HNSW", {"M": 32, "efConstruction": 128}),
    "HNSW64": ("HNSW", {"M": 64, "efConstruction": 128}),
    "IVF_FLAT": ("IVF_FLAT", {"nlist": 1024}),
    "AUTOINDEX": ("AUTOINDEX", {}),
}

def index_params(client, dense):
    ip = client.prepare_index_params()
    it, prm = DENSE_PARAMS[dense]
    ip.add_index(field_name="vector", index_type=it, metric_type="IP", params=prm)
    ip.add_index(field_name="bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                 params={"bm25_k1": 1.5, "bm25_b": 0.75})
    return ip

def rows(s, e):
    return [{"id": int(i), "source": f"s{SRC[i]}", "paragraph": int(i % 50),
             "tokens": " ".join(vocab[TOK[i]]), "vector": VEC[i]} for i in range(s, e)]

def lat(fn, qs, warm=5):
    for q in qs[:warm]: fn(q)
    ts = []
    for q in qs:
        t = time.perf_counter(); fn(q); ts.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(float(np.percentile(ts, 50)), 2), "p95_ms": round(float(np.percentile(ts, 95)), 2)}

# ---------------- probe: index types + limits ----------------
if "--probe" in FLAGS:
    pdb = f"{WORK}/probe.db"; shutil.rmtree(pdb, ignore_errors=True)
    c = MilvusClient(pdb); probe = {}
    for name in ["FLAT", "HNSW", "HNSW64", "IVF_FLAT", "AUTOINDEX"] + ["DISKANN", "IVF_PQ", "SCANN", "IVF_SQ8", "HNSW_SQ"]:
        cn = f"p_{name}"
        try:
            if name not in DENSE_PARAMS:
                ip = c.prepare_index_params()
                ip.add_index(field_name="vector", index_type=name, metric_type="IP",
                             params={"nlist": 64, "m": 8, "M": 16, "efConstruction": 64} if name != "DISKANN" else {})
                ip.add_index(field_name="bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                             params={"bm25_k1": 1.5, "bm25_b": 0.75})
            else:
                ip = index_params(c, name)
            c.create_collection(cn, schema=make_schema(c), index_params=ip)
            c.insert(cn, rows(0, 3000)); c.flush(cn)
            r = c.search(cn, data=[VEC[0]], anns_field="vector", limit=5, output_fields=["id"])
            probe[name] = f"OK top1={r[0][0]['id']} d={r[0][0]['distance']:.4f}"
        except Exception as e:
            probe[name] = "REFUSED: " + repr(e)[:300]
        log("probe", name, probe[name])
    cn = "p_HNSW"
    def tryit(label, f):
        try: probe[label] = "OK " + str(f())[:200]
        except Exception as e: probe[label] = "ERR " + repr(e)[:300]
        log(label, probe[label])
    tryit("limit16384", lambda: len(c.search(cn, data=[VEC[0]], anns_field="vector", limit=16384)[0]))
    tryit("limit16385", lambda: len(c.search(cn, data=[VEC[0]], anns_field="vector", limit=16385)[0]))
    tryit("limit100000", lambda: len(c.search(cn, data=[VEC[0]], anns_field="vector", limit=100000)[0]))
    tryit("query_limit_none", lambda: len(c.query(cn, filter="paragraph >= 0", output_fields=["id"])))
    tryit("query_limit20000", lambda: len(c.query(cn, filter="paragraph >= 0", output_fields=["id"], limit=20000)))
    tryit("id_in_3000", lambda: len(c.query(cn, filter=f"id in {list(range(3000))}", output_fields=["id"])))
    tryit("id_in_100000", lambda: len(c.query(cn, filter=f"id in {list(range(100000))}", output_fields=["id"])))
    tryit("id_in_tmpl", lambda: len(c.query(cn, filter="id in {ids}", filter_params={"ids": list(range(50))}, output_fields=["id"])))
    q = " ".join(vocab[TOK[1][:4]])
    tryit("bm25_dist", lambda: [(h["id"], round(h["distance"], 3)) for h in c.search(cn, data=[q], anns_field="bm25", limit=3, output_fields=["id"])[0]])
    tryit("ip_dist", lambda: [(h["id"], round(h["distance"], 3)) for h in c.search(cn, data=[VEC[1]], anns_field="vector", limit=3)[0]])
    tryit("get_count_before_flush", lambda: (c.insert(cn, rows(3000, 3100)), c.query(cn, filter="id >= 3000", output_fields=["count(*)"]))[1])
    tryit("release_then_search", lambda: (c.release_collection(cn), c.search(cn, data=[VEC[0]], anns_field="vector", limit=2))[1])
    RES["probe"] = probe
    c.close()
    json.dump(RES, open(f"{WORK}/probe.json", "w"), indent=1)
    sys.exit(0)

# ---------------- main milvus run ----------------
shutil.rmtree(DB, ignore_errors=True)
t = time.time(); client = MilvusClient(DB)
cn = "docs"
client.create_collection(cn, schema=make_schema(client), index_params=index_params(client, DENSE))
RES["create_s"] = round(time.time() - t, 2)
log("created", RES["create_s"])
t_ins = time.time(); tb = 0
for s in range(0, N, BATCH):
    b = rows(s, min(N, s + BATCH))
    t1 = time.perf_counter(); client.insert(cn, b); tb += time.perf_counter() - t1
    if (s // BATCH) % 10 == 0:
        log(f"inserted {s+len(b)} rate {(s+len(b))/(time.time()-t_ins):.0f} rows/s rss {rss_mb():.0f}MB disk {du_mb(DB):.0f}MB")
RES["insert_s_total"] = round(time.time() - t_ins, 1)
RES["insert_s_in_client_insert"] = round(tb, 1)
RES["insert_rows_per_s"] = round(N / RES["insert_s_total"])
t = time.time(); client.flush(cn); RES["flush_s"] = round(time.time() - t, 1); log("flush", RES["flush_s"])
t = time.time()
try:
    client.load_collection(cn)
except Exception as e:
    RES["load_err"] = repr(e)[:200]
RES["load_s"] = round(time.time() - t, 1)
import glob
t = time.time(); pdir = f"{DB}/collections/{cn}/partitions/_default"
while True:
    nd = len(glob.glob(pdir + "/data/data_*.parquet")); ni = len(glob.glob(pdir + "/indexes/*.vector.*idx"))
    if nd and ni >= nd: break
    if time.time() - t > 1500: RES["index_wait_timeout"] = True; break
    time.sleep(1)
RES["index_wait_after_flush_s"] = round(time.time() - t, 1); RES["segments"] = nd
RES["index_files"] = sorted(os.path.basename(x) for x in glob.glob(pdir + "/indexes/*"))
log("indexes ready", RES["index_wait_after_flush_s"], nd, ni)
t = time.time()
r = client.search(cn, data=[VEC[0]], anns_field="vector", limit=10)
RES["first_search_s"] = round(time.time() - t, 2)
RES["first_search_top1_is_self"] = r[0][0]["id"] == 0
cnt = client.query(cn, filter="", output_fields=["count(*)"])
RES["count"] = cnt[0]["count(*)"]
RES["time_to_searchable_total_s"] = round(time.time() - t_ins, 1)
t = time.time(); client.search(cn, data=["k000001 k000002"], anns_field="bm25", limit=10)
RES["first_bm25_search_s"] = round(time.time() - t, 2)
t = time.time(); client.search(cn, data=["k000003 k000004"], anns_field="bm25", limit=10)
RES["second_bm25_search_s"] = round(time.time() - t, 2)
log("searchable", RES)
RES["disk_mb"] = round(du_mb(DB)); RES["rss_after_load_mb"] = round(rss_mb())
try:
    RES["describe_index"] = {f: client.describe_index(cn, f) for f in ("vector", "bm25")}
except Exception as e:
    RES["describe_index"] = repr(e)[:200]
json.dump(RES, open(f"{WORK}/res_{N}_{DENSE}.json", "w"), indent=1, default=str)

# ---------------- queries ----------------
qr = np.random.default_rng(99)
NQ = 200
qv = make_vecs(NQ, qr)
qtext = [" ".join(vocab[make_tokens(1, qr)[0][:qr.integers(3, 7)]]) for _ in range(NQ)]
qsrc = [json.dumps([f"s{x}" for x in qr.choice(NSRC, 2, replace=False)]) for _ in range(NQ)]
qids = [qr.choice(N, 100, replace=False).tolist() for _ in range(NQ)]
sp = {"params": {"ef": 256}} if DENSE.startswith("HNSW") or DENSE == "AUTOINDEX" else ({"params": {"nprobe": 32}} if DENSE == "IVF_FLAT" else {})
L = {}
L["a_dense_k100"] = lat(lambda i: client.search(cn, data=[qv[i]], anns_field="vector", limit=100, search_params=sp), list(range(NQ)))
log("a", L)
L["b_dense_k100_src_in_2"] = lat(lambda i: client.search(cn, data=[qv[i]], anns_field="vector", limit=100, search_params=sp, filter=f"source in {qsrc[i]}"), list(range(NQ)))
log("b", L)
L["c_bm25_k100"] = lat(lambda i: client.search(cn, data=[qtext[i]], anns_field="bm25", limit=100, output_fields=["id"]), list(range(NQ)))
log("c", L)
L["d_bm25_id_in_100"] = lat(lambda i: client.search(cn, data=[qtext[i]], anns_field="bm25", limit=100, filter=f"id in {qids[i]}"), list(range(NQ)))
log("d", L)
L["e_query_100ids_vector"] = lat(lambda i: client.query(cn, filter=f"id in {qids[i]}", output_fields=["vector"]), list(range(NQ)))
log("e", L)
L["f_query_100ids_scalars"] = lat(lambda i: client.query(cn, filter=f"id in {qids[i]}", output_fields=["id", "source", "paragraph"]), list(range(NQ)))
log("f", L)
L["g_get_100ids_scalars"] = lat(lambda i: client.get(cn, ids=qids[i], output_fields=["source", "paragraph"]), list(range(50)))
RES["latency"] = L
# sanity of outputs
r = client.search(cn, data=[qtext[0]], anns_field="bm25", limit=100, filter=f"id in {qids[0]}")
RES["d_hits_for_100ids"] = len(r[0]); RES["bm25_dist_sample"] = [round(h["distance"], 3) for h in r[0][:3]]
r = client.search(cn, data=[qtext[0]], anns_field="bm25", limit=100)
RES["c_hits"] = len(r[0]); RES["c_bm25_dist_sample"] = [round(h["distance"], 3) for h in r[0][:3]]
r = client.search(cn, data=[qv[0]], anns_field="vector", limit=100, search_params=sp, filter=f"source in {qsrc[0]}")
RES["b_hits"] = len(r[0])
e = client.query(cn, filter=f"id in {qids[0]}", output_fields=["vector"])
RES["e_rows"] = len(e); RES["e_vec_type"] = type(e[0]["vector"]).__name__
RES["e_vec_exact"] = bool(np.allclose(np.asarray(e[0]["vector"], np.float32), VEC[e[0]["id"]]))

# ---------------- recall ----------------
NR = 50
exact = np.argsort(-(qv[:NR] @ VEC.T), axis=1)[:, :10]
rec = {}
for ef in ([64, 256] if sp else [None]):
    hits = 0
    for i in range(NR):
        prm = {"params": {"ef": ef}} if DENSE.startswith("HNSW") or DENSE == "AUTOINDEX" else sp
        r = client.search(cn, data=[qv[i]], anns_field="vector", limit=10, search_params=prm)
        hits += len(set(h["id"] for h in r[0]) & set(exact[i].tolist()))
    rec[f"ef={ef}"] = hits / (NR * 10)
RES["recall@10"] = rec
log("recall", rec)
RES["peak_rss_mb_milvus_phase"] = round(PEAK[0])
RES["disk_mb"] = round(du_mb(DB))
json.dump(RES, open(f"{WORK}/res_{N}_{DENSE}.json", "w"), indent=1, default=str)
client.close()
del client; gc.collect()

# ---------------- faiss ----------------
if "--nofaiss" not in FLAGS:
    import faiss
    F = {"threads": faiss.omp_get_max_threads()}
    t = time.time(); fl = faiss.IndexFlatIP(DIM); fl.add(VEC); F["flat_build_s"] = round(time.time() - t, 2)
    F["flat_k100"] = lat(lambda i: fl.search(qv[i:i+1], 100), list(range(NQ)))
    log("faiss flat", F)
    if "--nofaisshnsw" not in FLAGS:
        t = time.time(); h = faiss.IndexHNSWFlat(DIM, 64, faiss.METRIC_INNER_PRODUCT); h.hnsw.efConstruction = 128
        h.add(VEC); F["hnsw64_efc128_build_s"] = round(time.time() - t, 1)
        h.hnsw.efSearch = 256
        F["hnsw_k100_ef256"] = lat(lambda i: h.search(qv[i:i+1], 100), list(range(NQ)))
        _, I = h.search(qv[:NR], 10)
        F["hnsw_recall@10_ef256"] = float(np.mean([len(set(I[i]) & set(exact[i])) / 10 for i in range(NR)]))
    RES["faiss"] = F; log("faiss", F)
    del fl; gc.collect()

# ---------------- bm25s ----------------
if "--nobm25s" not in FLAGS:
    import bm25s
    from bm25s.tokenization import Tokenized
    B = {}
    t = time.time()
    # token ids are vocab indices; remap to contiguous ids
    used = np.unique(np.concatenate(TOK))
    remap = np.full(VOCAB, -1, np.int64); remap[used] = np.arange(len(used))
    tk = Tokenized(ids=[remap[x].tolist() for x in TOK], vocab={str(vocab[u]): int(i) for i, u in enumerate(used)})
    B["prep_s"] = round(time.time() - t, 1)
    t = time.time(); bm = bm25s.BM25(k1=1.5, b=0.75); bm.index(tk, show_progress=False); B["index_s"] = round(time.time() - t, 1)
    qtok = [t_.split() for t_ in qtext]
    B["get_scores"] = lat(lambda i: bm.get_scores(qtok[i]), list(range(NQ)))
    def topk(i):
        s = bm.get_scores(qtok[i]); return np.argpartition(-s, 100)[:100]
    B["get_scores+top100"] = lat(topk, list(range(NQ)))
    def sub(i):
        s = bm.get_scores(qtok[i]); return s[qids[i]]
    B["get_scores_then_index_100ids"] = lat(sub, list(range(NQ)))
    RES["bm25s"] = B; log("bm25s", B)
RES["peak_rss_mb_overall"] = round(PEAK[0])
RES["wall_s"] = round(time.time() - T0)
json.dump(RES, open(f"{WORK}/res_{N}_{DENSE}.json", "w"), indent=1, default=str)
log("DONE", json.dumps(RES, default=str))
