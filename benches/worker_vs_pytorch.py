#!/usr/bin/env python3
"""The worker's batched tch inference against the same TorchScript model run by
PyTorch in Python: same machine, same device, same batch sizes, same number of
threads, measured in one run. Prints a table with the ratio (worker / PyTorch
throughput) and writes a JSON report and a PNG plot.

Both sides time the whole path a server pays: input bytes to a tensor, forward
pass under no_grad, scores back on the CPU as floats. On a GPU both gather the
batch into a pinned host buffer and copy it to the device without blocking,
and both run with the same --precision and --channels-last. A setting with +xN
runs N model threads on each side, each with its own copy of the model and, on
a GPU, its own CUDA stream (the worker's --instances; in Python, threads under
torch.cuda.stream), and counts their inputs together. A small shared machine
is noisy, so each point is measured in several rounds that alternate between
the two sides, and the medians are compared.

    $DROPBEAR_PYTHON benches/worker_vs_pytorch.py --worker-bin PATH [--device cpu]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

MODELS = {
    # name: (file, input shape, classes)
    "digits-cnn-wide": ("digits-cnn-wide.pt", [1, 8, 8], 10),
    "resnet18": ("resnet18.pt", [3, 224, 224], 1000),
    "mobilenet_v2": ("mobilenet_v2.pt", [3, 224, 224], 1000),
    "resnet50": ("resnet50.pt", [3, 224, 224], 1000),
}


def inputs(batch, shape):
    """The same deterministic inputs as the Rust side (worker_infer.rs)."""
    per = int(np.prod(shape))
    i = np.arange(batch)[:, None]
    j = np.arange(per)[None, :]
    return (((i * 31 + j * 7) % 97) / 97.0).astype(np.float32).reshape([batch, *shape])


DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def one_batch(path, shape, batch, device, precision, channels_last):
    """A copy of the model at `path` on `device` in `precision`, and the function
    that runs one batch through it as a server does: input bytes to a tensor
    (on a GPU through a pinned buffer, copied without blocking), forward pass
    under no_grad, scores back as floats."""
    module = torch.jit.load(str(path), map_location=device).eval()
    dtype = DTYPES[precision]
    if dtype != torch.float32:
        module = module.to(dtype)
    if channels_last:
        module = module.to(memory_format=torch.channels_last)
    raw = bytearray(inputs(batch, shape).tobytes())
    cuda = device.startswith("cuda")
    staging = torch.empty([batch, *shape], dtype=torch.float32, pin_memory=cuda)

    def once():
        with torch.no_grad():
            x = torch.frombuffer(raw, dtype=torch.float32).reshape([batch, *shape])
            if cuda:
                # As a server does on a GPU: the batch into pinned memory,
                # then to the device without blocking.
                staging.copy_(x)
                x = staging.to(device, non_blocking=True)
            else:
                x = x.to(device)
            x = x.to(dtype)
            if channels_last and x.dim() == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            return module(x).float().cpu().numpy()

    return once


def pytorch(path, shape, batch, seconds, device, precision="fp32", channels_last=False,
            instances=1):
    if instances > 1:
        return pytorch_instances(path, shape, batch, seconds, device, precision, channels_last,
                                 instances)
    once = one_batch(path, shape, batch, device, precision, channels_last)
    for _ in range(10):
        once()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or n < 3:
        once()
        n += 1
    elapsed = time.perf_counter() - start
    return {"batch": batch, "iterations": n, "seconds": elapsed,
            "inputs_per_s": n * batch / elapsed, "ms_per_batch": elapsed * 1000 / n}


def pytorch_instances(path, shape, batch, seconds, device, precision, channels_last, instances):
    """`instances` threads, each with its own copy of the model and, on a GPU,
    its own stream, each running the same path as pytorch() above."""
    import threading
    cuda = device.startswith("cuda")
    barrier = threading.Barrier(instances)
    results = [None] * instances

    errors = []

    def run(k):
        try:
            prepare(k)
        except BaseException as e:  # every thread meets the others at the barrier
            errors.append(e)
            barrier.abort()

    def prepare(k):
        once = one_batch(path, shape, batch, device, precision, channels_last)
        stream = torch.cuda.Stream(device=device) if cuda else None
        if cuda:
            # The weights were converted on the default stream.
            torch.cuda.synchronize()
        ctx = torch.cuda.stream(stream) if cuda else torch.no_grad()
        with ctx:
            for _ in range(10):
                once()
            barrier.wait()
            start, n = time.perf_counter(), 0
            while time.perf_counter() - start < seconds or n < 3:
                once()
                n += 1
            results[k] = (n, time.perf_counter() - start)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(instances)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    n = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results)
    return {"batch": batch, "instances": instances, "iterations": n, "seconds": elapsed,
            "inputs_per_s": n * batch / elapsed, "ms_per_batch": elapsed * 1000 / n * instances}


def median(values):
    v = sorted(values)
    return v[len(v) // 2]


def worker(binary, path, shape, classes, batches, seconds, device, threads, precision="fp32",
           channels_last=False, instances=1):
    out = subprocess.run(
        [binary, "--model", str(path), "--shape", ",".join(map(str, shape)), "--classes", str(classes),
         "--batch-sizes", ",".join(map(str, batches)), "--seconds", str(seconds),
         "--device", device, "--threads", str(threads), "--precision", precision,
         "--instances", str(instances)]
        + (["--channels-last"] if channels_last else []),
        check=True, capture_output=True, text=True)
    return {r["batch"]: r for r in map(json.loads, out.stdout.splitlines())}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker-bin")
    p.add_argument("--replot", metavar="REPORT.json", help="only draw the PNG of an existing report")
    p.add_argument("--models-dir", default=os.environ.get("DROPBEAR_MODELS", str(Path.home() / ".cache/dropbear-models")))
    p.add_argument("--models", default="digits-cnn-wide,resnet18")
    p.add_argument("--batch-sizes", default="1,8,32")
    p.add_argument("--seconds", type=float, default=1.0, help="per round and side")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--settings", default="fp32",
                   help="comma-separated, each measured: fp32, fp16 or bf16, +cl for channels-last, "
                        "+xN for N model threads (fp16+cl+x2)")
    p.add_argument("--out", default="benches/reports/worker-vs-pytorch-cpu")
    args = p.parse_args()
    if args.replot:
        report = Path(args.replot)
        plot(json.loads(report.read_text()), report.with_suffix(".png"))
        return
    if not args.worker_bin:
        p.error("--worker-bin is required")

    torch.set_num_threads(args.threads)
    batches = [int(b) for b in args.batch_sizes.split(",")]
    report = {
        "what": "worker (tch) vs PyTorch in Python, same TorchScript model, same batch sizes",
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "device": args.device,
                    "gpu": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else None},
        "torch": torch.__version__, "threads": args.threads, "date": time.strftime("%Y-%m-%d"),
        "pinned_non_blocking": args.device.startswith("cuda"),
        "results": [],
    }
    settings = []
    for setting in args.settings.split(","):
        precision, *flags = setting.split("+")
        instances = [int(f[1:]) for f in flags if f[:1] == "x" and f[1:].isdigit()]
        if (precision not in DTYPES or any(f != "cl" and not (f[:1] == "x" and f[1:].isdigit())
                                           for f in flags) or len(instances) > 1
                or any(n < 1 for n in instances)):
            p.error(f"unknown setting {setting!r}: fp32, fp16 or bf16, with +cl for channels-last "
                    "and +xN for N model threads")
        settings.append((precision, "cl" in flags, instances[0] if instances else 1))
    print(f"{'model':<16} {'setting':<10} {'batch':>5} {'pytorch/s':>11} {'worker/s':>11} {'ratio':>6}")
    for name in args.models.split(","):
        file, shape, classes = MODELS[name]
        path = Path(args.models_dir) / file
        for precision, channels_last, instances in settings:
            if channels_last and len(shape) != 3:
                continue
            setting = (precision + ("+cl" if channels_last else "")
                       + (f"+x{instances}" if instances > 1 else ""))
            for b in batches:
                py_rounds, rs_rounds = [], []
                for _ in range(args.rounds):
                    py_rounds.append(pytorch(path, shape, b, args.seconds, args.device, precision,
                                             channels_last, instances))
                    rs_rounds.append(worker(args.worker_bin, path, shape, classes, [b], args.seconds,
                                            args.device, args.threads, precision, channels_last,
                                            instances)[b])
                py = median([r["inputs_per_s"] for r in py_rounds])
                rs = median([r["inputs_per_s"] for r in rs_rounds])
                ratio = rs / py
                print(f"{name:<16} {setting:<10} {b:>5} {py:>11.1f} {rs:>11.1f} {ratio:>6.3f}", flush=True)
                report["results"].append({
                    "model": name, "setting": setting, "precision": precision,
                    "channels_last": channels_last, "instances": instances, "batch": b,
                    "ratio": ratio,
                    "pytorch": {"inputs_per_s": py, "rounds": py_rounds},
                    "worker": {"inputs_per_s": rs, "rounds": rs_rounds},
                })

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    try:
        plot(report, out.with_suffix(".png"))
    except ImportError as e:  # a bare GPU machine may lack matplotlib; the JSON report stands
        print(f"no plot ({e}); re-plot elsewhere with --replot {out.with_suffix('.json')}")
    ratios = sorted(r["ratio"] for r in report["results"])
    report["worst_ratio"], report["median_ratio"] = ratios[0], ratios[len(ratios) // 2]
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"ratio worker/PyTorch: median {ratios[len(ratios) // 2]:.3f}, worst {ratios[0]:.3f} "
          f"(target: >= 0.95); report {out.with_suffix('.json')}")


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = sorted({(r["model"], r.get("setting", "fp32")) for r in report["results"]})
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (m, setting) in zip(axes[0], panels):
        rows = [r for r in report["results"] if r["model"] == m and r.get("setting", "fp32") == setting]
        b = [r["batch"] for r in rows]
        ax.plot(b, [r["pytorch"]["inputs_per_s"] for r in rows], "o-", label="PyTorch (Python)")
        ax.plot(b, [r["worker"]["inputs_per_s"] for r in rows], "s--", label="dropbear-worker (tch)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size")
        ax.set_ylabel("inputs / s")
        ax.set_title(f"{m} {setting} on {report['machine']['device']}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
