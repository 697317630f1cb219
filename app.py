"""Start the web chat: ``python app.py`` serves http://127.0.0.1:7860.

The same as ``qa serve``; builds the index of ``--data`` first when it is
missing or out of date.
"""
from __future__ import annotations

import argparse
import sys

from qa.embed import BACKENDS
from qa.store import STORES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Web chat over the documents of the data folder.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind; 0.0.0.0 exposes it to the network")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--data", default="data", help="folder of source texts")
    parser.add_argument("--index", default="index", help="index folder")
    parser.add_argument("--store", choices=STORES, default=None,
                        help="where the index lives (default: milvus when a URI is given, else faiss in --index)")
    parser.add_argument("--uri", default=None, help="Milvus: a Milvus Lite .db file or http://host:19530 (default: $QA_MILVUS_URI)")
    parser.add_argument("--collection", default=None, help="Milvus collection prefix (default: $QA_MILVUS_COLLECTION or qa)")
    parser.add_argument("--model", default=None, help="sentence-transformers model name or path")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="run the model as int8 ONNX or fp32 torch (default: the index's; onnx for a new one)")
    args = parser.parse_args(argv)

    import qa
    from qa.web import serve

    try:
        index = qa.location(args.index, args.store, args.uri, args.collection)
    except ValueError as e:
        parser.error(str(e))
    try:
        serve(data_dir=args.data, index_dir=index, model=args.model, host=args.host, port=args.port, backend=args.backend)
    except qa.QAError as e:  # the package's own errors say what to do
        sys.exit(f"Error: {e}")


if __name__ == "__main__":
    main()
