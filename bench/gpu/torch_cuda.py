#!/usr/bin/env python3
"""The official ImageBind (facebookresearch/ImageBind@53680b0) on CUDA, for bench/gpu/run.sh: the
same random weights and inputs as our side (gpu-bench.ts prepare), timed in fp32 and in fp16
(model.half(), the fastest path the official code allows), outputs saved for the comparison.

usage: torch_cuda.py --src DIR --dir D [--modalities vision,text,audio] [--batches 1,32] [--runs 5]
                     [--device cuda|cpu]   (cpu: a smoke test of this script where there is no GPU)
"""
import argparse, json, os, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
from official_runner import install_stand_ins, read_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--modalities", default="vision,text,audio")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()
    install_stand_ins(args.src)
    from imagebind.models.imagebind_model import ImageBindModel

    with open(os.path.join(args.dir, "config.json")) as f:
        config = json.load(f)
    config.pop("text_vocab_size", None)  # an imagebind-ts extension; the official vocabulary is 49408
    model = ImageBindModel(**config)
    model.load_state_dict(read_safetensors(os.path.join(args.dir, "random.safetensors")), strict=True)
    model.eval().to(args.device)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    info = {"torch": torch.__version__, "device": args.device,
            "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None,
            "cuda": torch.version.cuda, "rows": []}
    os.makedirs(os.path.join(args.dir, "out"), exist_ok=True)
    for precision in ("fp32", "fp16"):
        if precision == "fp16":
            if dev.type != "cuda":
                break  # CPU half kernels are a different question; this path is for the GPU
            model = model.half()
        with torch.no_grad():
            for m in args.modalities.split(","):
                for b in [int(x) for x in args.batches.split(",")]:
                    x = torch.from_numpy(np.load(os.path.join(args.dir, "inputs", f"{m}_b{b}.npy"))).to(dev)
                    if precision == "fp16" and x.is_floating_point():
                        x = x.half()
                    out = model({m: x})[m]
                    model({m: x})
                    sync()
                    times = []
                    for _ in range(args.runs):
                        t0 = time.perf_counter()
                        out = model({m: x})[m]
                        sync()
                        times.append((time.perf_counter() - t0) * 1000)
                    times.sort()
                    np.save(os.path.join(args.dir, "out", f"torch_{args.device}_{precision}_{m}_b{b}.npy"),
                            out.float().cpu().numpy())
                    row = {"precision": precision, "modality": m, "batch": b, "median_ms": times[len(times) // 2],
                           "times_ms": times}
                    info["rows"].append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    with open(os.path.join(args.dir, f"torch-{args.device}.json"), "w") as f:
        json.dump(info, f, indent=2)


if __name__ == "__main__":
    main()
