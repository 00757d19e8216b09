#!/usr/bin/env python3
"""Times the OFFICIAL ImageBind implementation (facebookresearch/ImageBind@53680b0, read from a
scratch folder outside this repository) on the same random-weight checkpoint and the same inputs
as bench/speed.ts, and saves its outputs for a huge-scale parity check.

Only the model code is imported. Packages Debian does not ship are replaced by minimal stand-ins
whose behaviour in eval mode is exact: DropPath is the identity, trunc_normal_ only initialises,
einops' two ImageBind patterns are permutes, ftfy/iopath are unused without the tokenizer.

usage: official_runner.py --src DIR --checkpoint X.safetensors --inputs DIR --out X.json
"""
import argparse, json, os, resource, struct, sys, time, types

import numpy as np
import torch
import torch.nn as nn


def install_stand_ins(src):
    timm = types.ModuleType("timm"); layers = types.ModuleType("timm.layers")

    class DropPath(nn.Module):
        def __init__(self, p=0.0):
            super().__init__()

        def forward(self, x):
            return x

    layers.DropPath = DropPath
    layers.trunc_normal_ = nn.init.trunc_normal_
    timm.layers = layers
    einops = types.ModuleType("einops")

    def rearrange(x, pattern):
        if pattern.replace(" ", "") in ("bld->lbd", "lbd->bld"):
            return x.permute(1, 0, 2)
        raise ValueError(pattern)

    einops.rearrange = rearrange
    ftfy = types.ModuleType("ftfy"); ftfy.fix_text = lambda s: s
    iopath = types.ModuleType("iopath"); common = types.ModuleType("iopath.common"); fio = types.ModuleType("iopath.common.file_io")
    fio.g_pathmgr = types.SimpleNamespace(open=open)
    pkg = types.ModuleType("imagebind"); pkg.__path__ = [os.path.join(src, "imagebind")]
    sys.modules.update({"timm": timm, "timm.layers": layers, "einops": einops, "ftfy": ftfy, "iopath": iopath,
                        "iopath.common": common, "iopath.common.file_io": fio, "imagebind": pkg})


def read_safetensors(path):
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            start, end = meta["data_offsets"]
            f.seek(base + start)
            arr = np.frombuffer(f.read(end - start), dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
            out[name] = torch.from_numpy(arr.copy())
        return out


def blas_info():
    """Which BLAS torch's generic BLAS resolves to, and OpenBLAS's kernel for this CPU."""
    import ctypes, ctypes.util
    try:
        lib = ctypes.CDLL("libblas.so.3")
        for fn in ("openblas_get_config", "openblas_get_corename"):
            getattr(lib, fn).restype = ctypes.c_char_p
        return f"OpenBLAS {lib.openblas_get_config().decode()} core={lib.openblas_get_corename().decode()}"
    except (OSError, AttributeError):
        return "libblas.so.3 (not OpenBLAS)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--inputs", required=True, help="folder of <modality>_b<batch>.npy")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--modalities", default="vision,text,audio,depth,thermal,imu")
    ap.add_argument("--batches", default="1,8")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    install_stand_ins(args.src)
    from imagebind.models.imagebind_model import imagebind_huge

    model = imagebind_huge(pretrained=False)
    model.load_state_dict(read_safetensors(args.checkpoint), strict=True)
    model.eval()
    results = {"torch": torch.__version__, "threads": args.threads, "blas": blas_info(), "rows": []}
    with torch.no_grad():
        for m in args.modalities.split(","):
            for b in [int(x) for x in args.batches.split(",")]:
                path = os.path.join(args.inputs, f"{m}_b{b}.npy")
                if not os.path.exists(path):
                    continue
                x = torch.from_numpy(np.load(path))
                out = model({m: x})[m]
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    model({m: x})
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                np.save(os.path.join(args.inputs, f"torch_out_{m}_b{b}.npy"), out.numpy())
                row = {"modality": m, "batch": b, "median_ms": times[len(times) // 2], "min_ms": times[0],
                       "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
                results["rows"].append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
