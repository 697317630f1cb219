"""The default model as int8 ONNX: built once from the rebuilt folder, then run without torch.

multilingual-e5-small in fp32 torch runs near its arithmetic limit on a
small CPU; int8 through ONNX Runtime is about twice as fast for the sentence-
sized texts the index embeds and five times faster for a question, and a
process that only answers never imports torch. The build, at first use:

1. :func:`export_onnx`: the BERT encoder with mean pooling and L2 normalisation
   inside the graph (the legacy TorchScript exporter, opset 17).
2. :func:`quantize_onnx`: dynamic int8, MatMul weights only, per output
   channel, signed (the fast u8s8 kernels). The FFN output projections of
   layers 0, 4 and 5 stay fp32: their inputs have outliers of 130-160 times
   their RMS, which a per-tensor activation scale cannot hold.
3. :func:`shrink_embedding`: the word-embedding table (94% of the file) as
   int8 with one scale per row: 470 MB become 125 MB, at no cost in quality.
4. :func:`save_tokenizer`: the tokenizer exactly as sentence-transformers runs
   it (transformers rebuilds the pipeline; the raw file differs on trailing spaces).

Against the fp32 model the vectors keep a cosine of at least 0.996 on the
plan, the reports and CMRC (``benchmarks/agreement.py``; ``tests/test_onnx.py`` checks 0.99).
The folder follows the model cache's rules: lock, marker last, sha256 of every file.
"""
from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from .errors import ModelError
from .model import DEFAULT_MODEL, FOLDER_VERSION, cache_dir, ensure_default_model, ensure_folder, publish_folder

log = logging.getLogger(__name__)

#: Bump when the export recipe changes, so cached ONNX folders are rebuilt.
ONNX_VERSION = 1
#: Tokens per text, counting <s> and </s>, as sentence-transformers truncates.
MAX_LENGTH = 512
OPSET = 17
#: FFN output projections kept fp32, found from activation statistics
#: (max|x|/rms of their inputs: 151, 163, 127; other layers 25-90).
FP32_FFN_OUTPUT_LAYERS = (0, 4, 5)
#: Texts per ONNX run at most: 64 was no faster.
BATCH_SIZE = 32
#: Tokens per ONNX run (texts × padded length): attention takes memory in the square of
#: the length, so 32 texts of 512 tokens peaked at 2.7 GB building the 29 reports; 1,024
#: tokens kept 715 MB, and was 12% faster (65 s against 74 s for their 6,053 longest units).
TOKENS_PER_BATCH = 1024


def onnx_model_dir(cache: Path | None = None) -> Path:
    """The folder the int8 ONNX model is built into."""
    return (cache or cache_dir()) / f"{DEFAULT_MODEL}-v{FOLDER_VERSION}-onnx-int8-v{ONNX_VERSION}"


def ensure_onnx_model(cache: Path | None = None) -> Path:
    """The int8 ONNX folder, built first (from the default model's folder) if missing or damaged.

    Raises:
        ModelError: it cannot be built (say, ``onnx`` is not installed) or written.
    """
    return ensure_folder(onnx_model_dir(cache), lambda folder: build_onnx(ensure_default_model(cache), folder))


def build_onnx(source: Path, folder: Path) -> Path:
    """Export, quantize and publish ``folder`` from the sentence-transformers folder ``source``.

    Takes about a minute and 3 GB of memory, once. The caller holds the folder's lock.
    """
    try:
        import onnx  # noqa: F401 - needed by the exporter and the quantizer
    except ImportError as e:
        raise ModelError(f"cannot build the ONNX model: {e}. Install onnx (pip install onnx), or use --backend torch.") from e
    log.warning("preparing the int8 ONNX model in %s (once, about a minute)", folder)
    config = json.loads((source / "config_sentence_transformers.json").read_text("utf-8"))

    def fill(tmp: Path) -> dict:
        export_onnx(source, tmp / "fp32.onnx")
        quantize_onnx(tmp / "fp32.onnx", tmp / "int8.onnx")
        (tmp / "fp32.onnx").unlink()
        shrink_embedding(tmp / "int8.onnx", tmp / "model.onnx")
        (tmp / "int8.onnx").unlink()
        save_tokenizer(source, tmp / "tokenizer.json")
        (tmp / "config.json").write_text(
            json.dumps({"prompts": config["prompts"], "max_length": MAX_LENGTH}, ensure_ascii=False), "utf-8"
        )
        return {"model": DEFAULT_MODEL, "backend": "onnx-int8", "from": str(source)}

    try:
        return publish_folder(folder, fill)
    except (ImportError, RuntimeError, ValueError) as e:
        raise ModelError(f"cannot build the ONNX model in {folder}: {e}") from e


# ------------------------------------------------------------------ build steps

def export_onnx(source: Path, out: Path) -> None:
    """The folder's BertModel, mean pooling and L2 normalisation, as one fp32 ONNX graph."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention keeps MatMul/Softmax, which the quantizer sees.
    bert = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class Embed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    ids = torch.tensor([[0, 6, 100, 200, 2], [0, 7, 2, 1, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on transformers' mask code do not apply here
        torch.onnx.export(
            Embed().eval(), (ids, mask), str(out),
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )


def quantize_onnx(src: Path, out: Path, fp32_ffn_output_layers: tuple[int, ...] = FP32_FFN_OUTPUT_LAYERS) -> None:
    """Dynamic int8 of the MatMul weights, per output channel, except the given FFN output projections."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul"
            and any(f"/layer.{i}/output/dense/" in n.name for i in fp32_ffn_output_layers)]
    if len(keep) != len(fp32_ffn_output_layers):  # the exporter's node names changed: do not guess
        raise RuntimeError(f"expected {len(fp32_ffn_output_layers)} FFN output MatMuls, found {keep}")
    logging.getLogger("root").disabled = True  # quantize_dynamic logs a pre-processing hint at every call
    try:
        quantize_dynamic(str(src), str(out), op_types_to_quantize=["MatMul"], per_channel=True,
                         reduce_range=False, weight_type=QuantType.QInt8, nodes_to_exclude=keep)
    finally:
        logging.getLogger("root").disabled = False


def shrink_embedding(src: Path, out: Path) -> None:
    """Store the word-embedding table as int8 with one fp32 scale per row (symmetric, /127)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    g = model.graph
    node = next(n for n in g.node if n.op_type == "Gather" and n.input[0].endswith("word_embeddings.weight"))
    table = next(i for i in g.initializer if i.name == node.input[0])
    w = numpy_helper.to_array(table).astype(np.float32)
    scale = (np.maximum(np.abs(w).max(axis=1, keepdims=True), 1e-12) / 127.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    name, ids, y = table.name, node.input[1], node.output[0]
    g.initializer.remove(table)
    g.initializer.extend([numpy_helper.from_array(q, name + "_int8"), numpy_helper.from_array(scale, name + "_scale")])
    gather_rows = [  # rows = int8[ids] * scale[ids]
        helper.make_node("Gather", [name + "_int8", ids], [y + "_q"], name=node.name + "_q", axis=0),
        helper.make_node("Gather", [name + "_scale", ids], [y + "_s"], name=node.name + "_s", axis=0),
        helper.make_node("Cast", [y + "_q"], [y + "_f"], name=node.name + "_cast", to=TensorProto.FLOAT),
        helper.make_node("Mul", [y + "_f", y + "_s"], [y], name=node.name + "_mul"),
    ]
    at = list(g.node).index(node)
    g.node.remove(node)
    for k, n in enumerate(gather_rows):
        g.node.insert(at + k, n)
    onnx.save(model, str(out))


def save_tokenizer(source: Path, out: Path) -> None:
    """tokenizer.json exactly as sentence-transformers tokenizes with transformers 5.

    transformers rebuilds XLM-R's pipeline (WhitespaceSplit + Metaspace) instead
    of using the folder's file, which would add a '▁' before ``</s>`` for any
    text ending in whitespace.
    """
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(source)).backend_tokenizer
    tok.no_truncation()
    tok.no_padding()
    tok.save(str(out))


# ------------------------------------------------------------------ encoding

class OnnxEncoder:
    """Encodes texts with the int8 model; imports neither torch nor transformers.

    It offers the part of ``SentenceTransformer``'s interface the product uses
    (``encode_query``, ``encode_document``, ``get_embedding_dimension``,
    ``prompts``), so either can be passed where a model is expected.
    Vectors are always L2-normalised (the graph does it).

    Args:
        folder: A folder from :func:`ensure_onnx_model`.
        threads: Intra-op threads; all cores by default.
    """

    def __init__(self, folder: str | os.PathLike, threads: int | None = None):
        folder = Path(folder)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            config = json.loads((folder / "config.json").read_text("utf-8"))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads or os.cpu_count() or 1
            so.inter_op_num_threads = 1
            # Busy-waiting pool threads lose badly when another process holds a core;
            # on a quiet machine turning it off cost nothing measurable.
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = ort.InferenceSession(str(folder / "model.onnx"), so, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - any loader failure becomes one clear message
            raise ModelError(f"cannot load the ONNX model in {folder}: {e}; delete the folder to rebuild it") from e
        self.prompts: dict[str, str] = config["prompts"]
        self.tokenizer.enable_truncation(max_length=config["max_length"])
        self.tokenizer.no_padding()  # padded here, per length-sorted batch
        self.pad_id = self.tokenizer.token_to_id("<pad>")
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def get_embedding_dimension(self) -> int:
        return self.dim

    # sentence-transformers' other arguments (batch size, normalisation, numpy) are
    # accepted and ignored: the batch of 32 measured fastest, and output is always normalised numpy.
    def encode_query(self, sentences: str | list[str], **_) -> np.ndarray:
        """Questions' vectors, with the ``query`` prompt; a string gives one vector."""
        return self.encode(sentences, self.prompts["query"])

    def encode_document(self, sentences: str | list[str], **_) -> np.ndarray:
        """Passages' vectors, with the ``document`` prompt; a string gives one vector."""
        return self.encode(sentences, self.prompts["document"])

    def encode(self, sentences: str | list[str], prompt: str = "", batch_size: int = BATCH_SIZE) -> np.ndarray:
        """``(len(sentences), dim)`` float32 vectors of ``prompt + text``, L2-normalised.

        Texts are sorted by token length so that padding, and time, stay small; a run
        holds at most :data:`TOKENS_PER_BATCH` tokens, so that memory does too.
        """
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        ids = [e.ids for e in self.tokenizer.encode_batch([prompt + t for t in texts])]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        start = 0
        while start < len(order):
            width = len(ids[order[start]])
            rows = order[start : start + max(1, min(batch_size, TOKENS_PER_BATCH // width))]
            start += len(rows)
            input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                input_ids[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            out[rows] = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        return out[0] if single else out
