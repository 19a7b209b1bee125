#!/usr/bin/env python3
"""What `nas export` writes, run in ONNX Runtime (CPU provider) and compared with LibTorch.

Run through scripts/peer/onnx-parity.sh, which prepares the virtual environment. Commands:

  check --dir DIR [DIR ...]   each DIR holds model.onnx, model.sample.json (nas export's) and
                              optionally batch1.onnx / batch1.sample.json (exported with --batch 1):
                              the file loads, its input and output are `input` and `logits`, the
                              metadata says where it came from, and the logits at batch 8 and at
                              batch 1 match the sample's (max abs difference <= --atol, argmax
                              equal on every row).
  bench --model F --batch N --threads T [--repeats R]
                              ms per image of F in ONNX Runtime: the median of R timed runs after
                              warm-up, as `nas bench` measures latency; prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path: str, threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def load_sample(path: str):
    with open(path) as f:
        s = json.load(f)
    x = np.asarray(s["input"], dtype=np.float32).reshape(s["input_shape"])
    y = np.asarray(s["output"], dtype=np.float32).reshape(s["output_shape"])
    return x, y


def compare(name: str, got: np.ndarray, want: np.ndarray, atol: float) -> tuple[bool, float]:
    if got.shape != want.shape:
        print(f"  {name}: shape {got.shape}, want {want.shape}")
        return False, float("inf")
    diff = float(np.max(np.abs(got - want)))
    argmax_ok = bool(np.all(np.argmax(got, axis=1) == np.argmax(want, axis=1)))
    ok = diff <= atol and argmax_ok
    if not ok:
        print(f"  {name}: max |diff| {diff:.3g} (atol {atol}), argmax equal: {argmax_ok}")
    return ok, diff


REQUIRED_METADATA = ("nas_version", "space", "architecture", "arch_key", "weights", "input_layout",
                     "input_shape")


def check_dir(d: str, atol: float) -> tuple[bool, float, int]:
    ok, worst, runs = True, 0.0, 0
    s = session(f"{d}/model.onnx")
    inputs, outputs = s.get_inputs(), s.get_outputs()
    if [i.name for i in inputs] != ["input"] or [o.name for o in outputs] != ["logits"]:
        print(f"{d}: inputs {[i.name for i in inputs]}, outputs {[o.name for o in outputs]}")
        return False, worst, runs
    if not isinstance(inputs[0].shape[0], str):
        print(f"{d}: batch dimension {inputs[0].shape[0]!r} is not dynamic")
        ok = False
    meta = s.get_modelmeta().custom_metadata_map
    missing = [k for k in REQUIRED_METADATA if k not in meta]
    if missing:
        print(f"{d}: metadata lacks {missing}")
        ok = False
    if "class_names" in meta and len(json.loads(meta["class_names"])) != outputs[0].shape[1]:
        print(f"{d}: {len(json.loads(meta['class_names']))} class names for "
              f"{outputs[0].shape[1]} classes")
        ok = False
    x, y = load_sample(f"{d}/model.sample.json")
    for rows in (x.shape[0], 1):
        (got,) = s.run(["logits"], {"input": x[:rows]})
        good, diff = compare(f"{d} batch {rows}", got, y[:rows], atol)
        ok, worst, runs = ok and good, max(worst, diff), runs + 1
    try:
        fixed = session(f"{d}/batch1.onnx")
    except Exception:  # noqa: BLE001 - no fixed-batch export in this folder
        return ok, worst, runs
    x1, y1 = load_sample(f"{d}/batch1.sample.json")
    if fixed.get_inputs()[0].shape[0] != 1:
        print(f"{d}/batch1.onnx: batch dimension {fixed.get_inputs()[0].shape[0]!r}, want 1")
        ok = False
    (got,) = fixed.run(["logits"], {"input": x1})
    good, diff = compare(f"{d} fixed batch 1", got, y1, atol)
    return ok and good, max(worst, diff), runs + 1


def cmd_check(args) -> int:
    failed, worst, runs = [], 0.0, 0
    for d in args.dir:
        ok, diff, n = check_dir(d, args.atol)
        worst, runs = max(worst, diff), runs + n
        if not ok:
            failed.append(d)
    print(f"onnx-parity: {len(args.dir) - len(failed)} of {len(args.dir)} exports match LibTorch "
          f"in ONNX Runtime {ort.__version__} ({runs} runs, batch 8 and 1; max |diff| {worst:.2g}, "
          f"atol {args.atol})")
    return 1 if failed else 0


def cmd_bench(args) -> int:
    s = session(args.model, args.threads)
    shape = [args.batch if isinstance(d, str) else d for d in s.get_inputs()[0].shape]
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    for _ in range(args.warmup):
        s.run(["logits"], {"input": x})
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        s.run(["logits"], {"input": x})
        times.append((time.perf_counter() - t0) * 1000.0 / shape[0])
    print(json.dumps({"runtime": f"onnxruntime {ort.__version__}", "threads": args.threads,
                      "batch": shape[0], "latency_ms": statistics.median(times),
                      "min_ms": min(times), "max_ms": max(times)}))
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--dir", nargs="+", required=True)
    c.add_argument("--atol", type=float, default=1e-4)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--batch", type=int, default=64)
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--repeats", type=int, default=20)
    b.add_argument("--warmup", type=int, default=5)
    args = p.parse_args()
    return cmd_check(args) if args.cmd == "check" else cmd_bench(args)


if __name__ == "__main__":
    sys.exit(main())
