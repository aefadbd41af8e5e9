#!/usr/bin/env python3
"""Score the digits models that scripts/make_models.py wrote, the way a worker sees them.

Loads each TorchScript file with torch.jit.load, checks its blake2-256 digest
against manifest.json, runs the held-out set from the raw .bin files and prints
the accuracy next to the manifest's. This is the Python baseline that the Rust
worker's results are compared against. Exits non-zero on any mismatch.

Run: $DROPBEAR_PYTHON scripts/check_models.py [--out DIR] [--device cpu|cuda]
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path.home() / ".cache" / "dropbear-models")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    manifest = json.loads((args.out / "manifest.json").read_text())

    n = manifest["test_count"]
    raw = (args.out / manifest["test_inputs"]["file"]).read_bytes()
    x = torch.from_numpy(np.frombuffer(raw, dtype="<f4").reshape(n, 1, 8, 8).copy())
    y = np.frombuffer((args.out / manifest["test_labels"]["file"]).read_bytes(), dtype=np.uint8)
    assert len(y) == n, f"{len(y)} labels for {n} inputs"

    ok = True
    for m in manifest["models"]:
        data = (args.out / m["file"]).read_bytes()
        digest_ok = hashlib.blake2b(data, digest_size=32).hexdigest() == m["blake2_256"]
        model = torch.jit.load(str(args.out / m["file"]), map_location=args.device).eval()
        with torch.no_grad():
            pred = model(x.to(args.device)).argmax(1).cpu().numpy()
        acc = float((pred == y).mean())
        match = digest_ok and abs(acc - m["test_accuracy"]) < 1e-9
        ok &= match
        print(f"{m['name']:17} accuracy {acc:.4f}  manifest {m['test_accuracy']:.4f}  "
              f"digest {'ok' if digest_ok else 'MISMATCH'}  {'ok' if match else 'FAIL'}")
    print("check_models: all match" if ok else "check_models: MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
