#!/usr/bin/env python3
"""Make the TorchScript models that Dropbear's workers serve, and the data to test them.

Four small classifiers for scikit-learn's bundled 8x8 handwritten digits are the
demo group's heterogeneous models (runtime/src/genesis_config_presets.rs,
DEMO_MODELS): different architectures that mostly, but not always, agree on top-1.
They are trained here on the CPU with a fixed seed, in well under a minute, so
nothing is downloaded. The held-out test split is written as raw tensors for the
Rust worker and the end-to-end tests, and manifest.json records each file's
blake2-256 digest (the on-chain weight digest), its test accuracy and the
models' pairwise top-1 agreement.

Three ImageNet-class torchvision architectures (random weights: nothing to
download) are exported too, for throughput benchmarks; --no-imagenet skips them.

Run with the project venv: $DROPBEAR_PYTHON scripts/make_models.py [--out DIR].
A manifest with the same seed and VERSION means there is nothing to do.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path

# TorchScript writes a module's constants in Python set order, which follows the
# string hash seed: pin it (by restarting once) so that the same --seed gives
# byte-identical files.
if __name__ == "__main__" and os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import torch
from torch import nn

# Bump when anything that changes the output files changes.
VERSION = 1

DIGITS_INPUT = {"dtype": "F32", "shape": [1, 8, 8]}
IMAGENET_INPUT = {"dtype": "F32", "shape": [3, 224, 224]}
# Each near-free model in four copies that differ only by an unused buffer:
# a group's members must serve different weights digests.
PIPELINE_MODELS = tuple(
    f"{base}{suffix}" for base in ("digits-free", "imagenet-free") for suffix in ("", "-2", "-3", "-4")
)
IMAGENET_MODELS = ["resnet18", "resnet50", "mobilenet_v2"]


def digits_models():
    """The four demo models, by on-chain name. Every one takes [N, 1, 8, 8] and
    returns [N, 10] logits."""
    return {
        "digits-logreg": lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 10)),
        "digits-mlp": lambda: nn.Sequential(
            nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
        ),
        "digits-cnn-small": lambda: nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8x4x4
            nn.Flatten(), nn.Linear(128, 10),
        ),
        "digits-cnn-wide": lambda: nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32x4x4
            nn.Flatten(), nn.Linear(512, 64), nn.ReLU(), nn.Linear(64, 10),
        ),
    }


def blake2_256(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def file_digest(path: Path):
    return blake2_256(path.read_bytes()) if path.is_file() else None


def write_atomic(path: Path, data: bytes):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def script_bytes(module) -> bytes:
    buf = io.BytesIO()
    torch.jit.save(module, buf)
    return buf.getvalue()


def load_digits(seed):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)


def train(model, x, y, seed, epochs=60, batch=32, lr=3e-3):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


def make_digits(out: Path, seed: int):
    x_train, x_test, y_train, y_test = load_digits(seed)
    write_atomic(out / "digits-test.bin", x_test.astype("<f4").tobytes())
    write_atomic(out / "digits-test-labels.bin", y_test.astype(np.uint8).tobytes())
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    test = torch.from_numpy(x_test)

    entries, preds = [], {}
    for i, (name, make) in enumerate(digits_models().items()):
        start = time.time()
        torch.manual_seed(seed * 1000 + i)
        model = train(make(), xt, yt, seed * 1000 + i)
        data = script_bytes(torch.jit.script(model))
        write_atomic(out / f"{name}.pt", data)
        # Score the file as written, as a worker would load it.
        with torch.no_grad():
            pred = torch.jit.load(io.BytesIO(data))(test).argmax(1).numpy()
        preds[name] = pred
        acc = float((pred == y_test).mean())
        entries.append({
            "name": name, "file": f"{name}.pt", "blake2_256": blake2_256(data),
            "format": "TorchScript", "input": DIGITS_INPUT, "classes": 10,
            "test_accuracy": acc,
        })
        print(f"  {name:17} accuracy {acc:.4f}  ({time.time() - start:.1f} s)  {blake2_256(data)}")

    names = list(preds)
    agreement = [[float((preds[a] == preds[b]).mean()) for b in names] for a in names]
    print("  pairwise top-1 agreement:")
    print("  " + " " * 17 + "".join(f"{n[7:]:>11}" for n in names))
    for a, row in zip(names, agreement):
        print(f"  {a:17}" + "".join(f"{v:11.4f}" for v in row))
    return entries, {"models": names, "top1": agreement}, len(y_test)


def make_imagenet(out: Path, seed: int, force: bool, old: dict):
    import torchvision

    # All kept or all remade: TorchScript numbers the classes it compiles in one
    # process, so a file's bytes depend on what was exported before it.
    kept = [old.get(name) for name in IMAGENET_MODELS]
    if not force and all(
        m and m.get("seed") == seed and m["blake2_256"] == file_digest(out / m["file"]) for m in kept
    ):
        print("  kept (same seed): " + ", ".join(IMAGENET_MODELS))
        return kept
    entries = []
    for i, name in enumerate(IMAGENET_MODELS):
        path = out / f"{name}.pt"
        start = time.time()
        torch.manual_seed(seed * 1000 + 100 + i)
        model = getattr(torchvision.models, name)(weights=None).eval()
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.zeros(1, 3, 224, 224))
        data = script_bytes(traced)
        write_atomic(path, data)
        entries.append({
            "name": name, "file": path.name, "blake2_256": blake2_256(data), "seed": seed,
            "format": "TorchScript", "input": IMAGENET_INPUT, "classes": 1000,
        })
        print(f"  {name:17} traced ({len(data) / 2**20:.1f} MiB, {time.time() - start:.1f} s)  {blake2_256(data)}")
    return entries


class Free(nn.Module):
    """A near-free model for benchmarks of the pipeline's own cost: the same
    input and output shapes as the digit models, all-zero logits (every
    member answers 0, so every request is certified). `copy` only changes
    the file's bytes."""

    def __init__(self, copy=1):
        super().__init__()
        self.register_buffer("copy", torch.tensor(float(copy)))

    def forward(self, x):
        return x.flatten(1)[:, :10] * 0.0


class FreeImagenet(nn.Module):
    """The near-free model of the data-plane benchmark: ImageNet's input and
    1000 classes; its scores are the input's three channel means, then
    zeros. It costs next to nothing, every member answers alike, and a test
    reads the worker's normalisation back from the scores."""

    def __init__(self, copy=1):
        super().__init__()
        self.register_buffer("copy", torch.tensor(float(copy)))

    def forward(self, x):
        means = x.mean(dim=(2, 3))
        return torch.cat([means, torch.zeros(x.shape[0], 997, dtype=x.dtype, device=x.device)], dim=1)


def make_pipeline(out: Path):
    # Exported after the digit models, so their files' bytes do not change.
    entries = []
    variants = [("digits-free", Free, DIGITS_INPUT, 10), ("imagenet-free", FreeImagenet, IMAGENET_INPUT, 1000)]
    copies = [(base, make, spec, classes, copy, suffix) for base, make, spec, classes in variants
              for copy, suffix in enumerate(("", "-2", "-3", "-4"), start=1)]
    for base, make, spec, classes, copy, suffix in copies:
        name = f"{base}{suffix}"
        data = script_bytes(torch.jit.script(make(copy)))
        write_atomic(out / f"{name}.pt", data)
        print(f"  {name:17} near-free pipeline model  {blake2_256(data)}")
        entries.append({
            "name": name, "file": f"{name}.pt", "blake2_256": blake2_256(data),
            "format": "TorchScript", "input": spec, "classes": classes,
        })
    return entries


def up_to_date(out: Path, manifest: dict, seed: int, imagenet: bool) -> bool:
    if manifest.get("version") != VERSION or manifest.get("seed") != seed:
        return False
    if [m["name"] for m in manifest.get("pipeline", [])] != list(PIPELINE_MODELS):
        return False
    if imagenet and len(manifest.get("imagenet", [])) != len(IMAGENET_MODELS):
        return False
    files = manifest["models"] + manifest.get("imagenet", []) + manifest["pipeline"]
    return all(file_digest(out / m["file"]) == m["blake2_256"] for m in files) and all(
        (out / f).is_file() for f in ("digits-test.bin", "digits-test-labels.bin")
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path.home() / ".cache" / "dropbear-models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="remake everything")
    ap.add_argument("--no-imagenet", action="store_true", help="only the digits models")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        manifest = {}
    if not args.force and up_to_date(out, manifest, args.seed, not args.no_imagenet):
        print(f"make_models: models up to date in {out}")
        return

    # One thread and deterministic kernels: the same seed gives the same weights.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.time()
    print(f"make_models: training digits models (seed {args.seed}, torch {torch.__version__})")
    models, agreement, test_count = make_digits(out, args.seed)
    pipeline = make_pipeline(out)

    same_run = manifest.get("version") == VERSION and manifest.get("seed") == args.seed
    old_imagenet = {m["name"]: m for m in manifest.get("imagenet", [])} if same_run else {}
    if args.no_imagenet:
        # Keep earlier ImageNet exports that are still on disk and intact.
        imagenet = [m for m in old_imagenet.values() if file_digest(out / m["file"]) == m["blake2_256"]]
    else:
        print("make_models: exporting ImageNet architectures (random weights)")
        imagenet = make_imagenet(out, args.seed, args.force, old_imagenet)

    manifest = {
        "version": VERSION,
        "seed": args.seed,
        "torch": torch.__version__,
        "test_count": test_count,
        "test_inputs": {"file": "digits-test.bin", "dtype": "F32", "shape": [test_count, 1, 8, 8]},
        "test_labels": {"file": "digits-test-labels.bin", "dtype": "U8", "shape": [test_count]},
        "models": models,
        "agreement": agreement,
        "imagenet": imagenet,
        "pipeline": pipeline,
    }
    write_atomic(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    print(f"make_models: wrote {out} in {time.time() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
