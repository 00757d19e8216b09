#!/usr/bin/env python3
"""One modality of the OFFICIAL ImageBind (facebookresearch/ImageBind@53680b0) kept loaded, timing
inputs on request, so bench/pytorch-anchor.ts can interleave it with our encoders run by run.
Which BLAS it uses is the caller's choice (LD_LIBRARY_PATH to Debian's openblas-pthread or
openblas-openmp folder); the BLAS it found is reported on start.

Protocol (JSON lines): prints {"ready": true, ...} once loaded; then for each line
{"input": "x.npy", "runs": n} read on stdin it runs the input once untimed (first use only) and n
times timed, and prints {"times_ms": [...]}. End of stdin ends it.

usage: anchor_engine.py --src DIR --checkpoint X.safetensors --modality vision [--threads 2]
"""
import argparse, json, os, resource, struct, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from official_runner import blas_info, install_stand_ins  # noqa: E402

PARTS = ("modality_preprocessors", "modality_trunks", "modality_heads", "modality_postprocessors")


def read_modality(path, modality):
    """Only this modality's tensors from the safetensors file (the others are never read)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    prefixes = tuple(f"{p}.{modality}." for p in PARTS)
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        for name, meta in header.items():
            if not name.startswith(prefixes):
                continue
            start, end = meta["data_offsets"]
            f.seek(8 + n + start)
            arr = np.frombuffer(f.read(end - start), dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
            out[name] = torch.from_numpy(arr.copy())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--modality", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    install_stand_ins(args.src)
    from imagebind.models.imagebind_model import imagebind_huge

    model = imagebind_huge(pretrained=False)
    # Keep only this modality: the rest would only hold memory (4.5 GB for all six).
    for part in PARTS:
        modules = getattr(model, part)
        for k in list(modules.keys()):
            if k != args.modality:
                del modules[k]
    missing, unexpected = model.load_state_dict(read_modality(args.checkpoint, args.modality), strict=False)
    own = [k for k in missing if any(k.startswith(f"{p}.{args.modality}.") for p in PARTS)]
    if own or unexpected:
        raise SystemExit(f"state dict mismatch: missing {own[:5]}, unexpected {unexpected[:5]}")
    model.eval()
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": blas_info(), "threads": args.threads,
                      "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
    inputs = {}
    with torch.no_grad():
        for line in sys.stdin:
            req = json.loads(line)
            if req["input"] not in inputs:
                inputs[req["input"]] = torch.from_numpy(np.load(req["input"]))
                model({args.modality: inputs[req["input"]]})
            x = inputs[req["input"]]
            times = []
            for _ in range(req["runs"]):
                t0 = time.perf_counter()
                model({args.modality: x})
                times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"times_ms": times}), flush=True)


if __name__ == "__main__":
    main()
