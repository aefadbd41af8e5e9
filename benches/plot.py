#!/usr/bin/env python3
"""Reports and plots of the chain and end-to-end benchmarks.

    plot.py chain REPORT.json              draws REPORT.png
    plot.py e2e WORK_DIR OUT.json [MACHINE]
                                           gathers the demo reports of
                                           scripts/bench-e2e.sh (or gpu-bench.sh)
                                           into OUT.json, prints the table,
                                           draws OUT.png
    plot.py data-plane WORK_DIR OUT.json   the same for scripts/bench-data-plane.sh,
                                           with the input bytes each member
                                           received (workers' metrics)
    plot.py sites WORK_DIR OUT.json        the same for scripts/bench-sites.sh: one
                                           site against three, rate by rate
    plot.py model-threads WORK_DIR         prints what each worker's model threads
                                           did at each rate of an e2e WORK_DIR (from
                                           the workers' metrics; needs no matplotlib)
"""

import glob
import json
import os
import platform
import sys
import time
from pathlib import Path



def pyplot():
    """matplotlib, loaded only for the plots (the GPU machine's python3 has
    none; its summaries need none)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chain(report_path):
    report = json.loads(Path(report_path).read_text())
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for members in sorted({r["members"] for r in report["rows"]}):
        rows = [r for r in report["rows"] if r["members"] == members]
        ax.plot([r["batch"] for r in rows], [r["requests_covered_per_block"] for r in rows], "o-",
                label=f"{members} members vote")
    ax.axhline(report["target_requests_per_block"], color="red", ls="--", label="target 10,000")
    ax.axhline(report["ordered_requests_per_block"], color="gray", ls=":", label="requests one block orders")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("requests per batch (one vote covers a batch)")
    ax.set_ylabel("requests whose votes fit one block")
    ax.set_title("Chain vote path (benchmarked weights, 2 s blocks)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(report_path).with_suffix(".png"), dpi=120)


def e2e(work, out, machine=None):
    """Model sets are the folders of WORK_DIR holding demo reports: `digits`
    (the four digit models), `free` (the near-free model) or an ImageNet-class
    model name (all four members run it). raw-NAME.json holds the worker's raw
    tch throughput of model NAME alone at the workers' batch size, the
    baseline of each set's ratio (the slowest member's, for `digits`);
    shared-NAME.json (scripts/gpu-bench.sh) the slowest of four copies run at
    once, as the members share one GPU there, the baseline of
    `ratio_to_shared_raw`."""
    work, out = Path(work), Path(out)
    raw, shared = {}, {}
    for prefix, into in (("raw-", raw), ("shared-", shared)):
        for f in glob.glob(str(work / f"{prefix}*.json")):
            line = Path(f).read_text().strip().splitlines()[0]
            into[Path(f).stem[len(prefix):]] = json.loads(line)["inputs_per_s"]
    sets = sorted({Path(p).parent.parent.name for p in glob.glob(str(work / "*" / "logs" / "demo-report-*.json"))},
                  key=lambda s: (s != "digits", s != "free", s))
    runs = []
    for s in sets:
        digit_members = [v for k, v in raw.items() if k.startswith("digits-") and k != "digits-free"]
        if s == "digits":
            baseline = min(digit_members) if digit_members else None
        else:
            baseline = raw.get(s, raw.get("digits-free") if s == "free" else None)
        logs = work / s / "logs"
        for f in sorted(glob.glob(str(logs / "demo-report-*.json")),
                        key=lambda p: int(Path(p).stem.split("-")[-1])):
            r = json.loads(Path(f).read_text())
            rate = Path(f).stem.split("-")[-1]
            r["model_threads"] = model_threads(logs, snapshot_before(logs, rate), rate, r.get("seconds"))
            r.update({"model_set": s, "raw_slowest_member_per_s": baseline,
                      # The steady rate (first certifying block to the last) against the raw rate.
                      "ratio_to_raw": r.get("sustained_per_s", r["certified_per_s"]) / baseline if baseline else None,
                      "raw_shared_slowest_member_per_s": shared.get(s),
                      "ratio_to_shared_raw": r.get("sustained_per_s", r["certified_per_s"]) / shared[s] if shared.get(s) else None})
            runs.append(r)
    report = {
        "what": "certified requests/s and latency, four validators and four workers on one machine",
        "machine": machine or {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d"),
        "raw_inputs_per_s": raw,
        "raw_shared_inputs_per_s": shared,
        "runs": runs,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'models':<12} {'offered/s':>9} {'certified/s':>11} {'sustained':>9} {'ratio raw':>9} {'vs shared':>9} {'p50 s':>6} {'p90 s':>6} {'p99 s':>6} "
          f"{'final p50':>9} {'final p90':>9} {'blocks p50':>10} {'<=2 blocks':>10}")
    for r in runs:
        lat, fin, blk = r["latency_s"], r["finality_latency_s"], r.get("blocks_to_certificate", {})
        ratio = f"{r['ratio_to_raw']:.4f}" if r["ratio_to_raw"] is not None else "-"
        vs_shared = f"{r['ratio_to_shared_raw']:.4f}" if r["ratio_to_shared_raw"] is not None else "-"
        print(f"{r['model_set']:<12} {r['offered_per_s']:>9} {r['certified_per_s']:>11.1f} {r.get('sustained_per_s', float('nan')):>9.1f} {ratio:>9} {vs_shared:>9} "
              f"{lat['p50']:>6.2f} {lat['p90']:>6.2f} {lat['p99']:>6.2f} {fin['p50']:>9.2f} {fin['p90']:>9.2f} "
              f"{blk.get('p50', float('nan')):>10.0f} {blk.get('within_2', float('nan')):>10.3f}")
    if not runs:
        sys.exit(f"no demo reports under {work}")
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for s, style in zip(sets, ("o-", "s--", "^-.", "v:")):
        rs = [r for r in runs if r["model_set"] == s]
        x = [r["offered_per_s"] for r in rs]
        a.plot(x, [r["certified_per_s"] for r in rs], style, label=f"{s}: whole run")
        if all("sustained_per_s" in r for r in rs):
            a.plot(x, [r["sustained_per_s"] for r in rs], style, alpha=0.4, label=f"{s}: steady (first certifying block to the last)")
        b.plot(x, [r["latency_s"]["p50"] for r in rs], style, label=f"{s}: best block p50")
        b.plot(x, [r["latency_s"]["p99"] for r in rs], style, alpha=0.5, label=f"{s}: best block p99")
        b.plot(x, [r["finality_latency_s"]["p50"] for r in rs], style, alpha=0.3, label=f"{s}: finalized p50")
    lim = max(r["offered_per_s"] for r in runs)
    a.plot([0, lim], [0, lim], color="gray", ls=":", label="offered")
    a.set_xlabel("offered requests/s"), a.set_ylabel("certified requests/s"), a.legend(fontsize=8)
    b.set_xlabel("offered requests/s"), b.set_ylabel("seconds from request to certificate"), b.legend(fontsize=7)
    where = machine if isinstance(machine, str) else f"{os.cpu_count()} CPU cores"
    fig.suptitle(f"End to end: four validators, four workers, q = 3 ({where})")
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


def snapshot_lines(path):
    """The lines of one metrics snapshot; none where the worker gave none."""
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def metric_sums(path):
    """The `_sum` and `_count` of the model-thread histograms in one metrics
    snapshot (dropbear_worker_batch_size, dropbear_worker_inference_seconds)."""
    out = {}
    for line in snapshot_lines(path):
        name, _, value = line.partition(" ")
        if name.startswith(("dropbear_worker_batch_size_", "dropbear_worker_inference_seconds_")) \
                and name.endswith(("_sum", "_count")):
            out[name] = float(value)
    return out


def snapshot_before(logs, rate):
    """The label of the metrics snapshot taken before the run at `rate`: the
    previous rate's (whether or not that run left a report), else `start`."""
    labels = sorted({int(Path(p).stem.split("-")[1]) for p in glob.glob(str(Path(logs) / "metrics-*-*.txt"))
                     if Path(p).stem.split("-")[1].isdigit()})
    earlier = [label for label in labels if label < int(rate)]
    return str(earlier[-1]) if earlier else "start"


def model_threads(logs, before, rate, seconds):
    """What each worker's model threads did between the metrics snapshots
    `before` and `rate` (metrics-LABEL-WORKER.txt in `logs`): forward passes,
    their mean batch, the time spent in them and that time over the run's
    `seconds` (above 1 with several model threads). Low busy shares with the
    offered load not met say the model was not the limit."""
    workers = sorted({Path(p).stem.split("-", 2)[2] for p in glob.glob(str(Path(logs) / f"metrics-{rate}-*.txt"))})
    out = {}
    for w in workers:
        a, b = metric_sums(Path(logs) / f"metrics-{before}-{w}.txt"), metric_sums(Path(logs) / f"metrics-{rate}-{w}.txt")
        if not a or not b:
            # A snapshot the worker did not answer: no window to measure.
            continue
        d = {k: b.get(k, 0.0) - a.get(k, 0.0) for k in b}
        passes = d.get("dropbear_worker_batch_size_count", 0.0)
        busy = d.get("dropbear_worker_inference_seconds_sum", 0.0)
        out[w] = {
            "forward_passes": int(passes),
            "mean_batch": d.get("dropbear_worker_batch_size_sum", 0.0) / passes if passes else None,
            "busy_s": busy,
            "busy_share": busy / seconds if seconds else None,
        }
    return out


def runs_with_model_threads(work):
    """(set, rate, demo report, model threads) for every demo report under
    an e2e WORK_DIR, rates in order."""
    work = Path(work)
    for logs in sorted(work.glob("*/logs")):
        for f in sorted(logs.glob("demo-report-*.json"), key=lambda p: int(p.stem.split("-")[-1])):
            r = json.loads(f.read_text())
            rate = f.stem.split("-")[-1]
            yield logs.parent.name, rate, r, model_threads(logs, snapshot_before(logs, rate), rate, r.get("seconds"))


def print_model_threads(work):
    print(f"{'models':<14} {'offered/s':>9} {'sent/s':>7} {'steady/s':>8}  model threads per worker: passes, mean batch, busy share")
    for name, rate, r, threads in runs_with_model_threads(work):
        per = "; ".join(
            f"{w} {t['forward_passes']}, {t['mean_batch'] or 0:.1f}, {t['busy_share'] or 0:.2f}"
            for w, t in threads.items())
        print(f"{name:<14} {rate:>9} {r.get('sent_per_s', float('nan')):>7.1f} "
              f"{r.get('sustained_per_s', float('nan')):>8.1f}  {per or '(no metrics)'}")


def input_bytes(path):
    """The dropbear_worker_input_bytes_total counters of one metrics snapshot, by way."""
    out = {}
    for line in snapshot_lines(path):
        if line.startswith("dropbear_worker_input_bytes_total{"):
            via = line.split('via="', 1)[1].split('"', 1)[0]
            out[via] = float(line.rsplit(" ", 1)[1])
    return out


def data_plane(work, out):
    """Doors are the folders of WORK_DIR (`http`: every member over the Open
    Inference Protocol; `rpc`: one worker over JSON-RPC, then gossip). Each
    holds the demo report of every rate and the workers' metrics after it
    (metrics-RATE-WORKER.txt; metrics-start-WORKER.txt before the first)."""
    work, out = Path(work), Path(out)
    doors = sorted({Path(p).parent.parent.name for p in glob.glob(str(work / "*" / "logs" / "demo-report-*.json"))})
    runs = []
    for door in doors:
        logs = work / door / "logs"
        workers = sorted({Path(p).stem.split("-", 2)[2] for p in glob.glob(str(logs / "metrics-start-*.txt"))})
        for f in sorted(glob.glob(str(logs / "demo-report-*.json")), key=lambda p: int(Path(p).stem.split("-")[-1])):
            r = json.loads(Path(f).read_text())
            rate = Path(f).stem.split("-")[-1]
            per_member = {}
            before = snapshot_before(logs, rate)
            for w in workers:
                a, b = input_bytes(logs / f"metrics-{before}-{w}.txt"), input_bytes(logs / f"metrics-{rate}-{w}.txt")
                per_member[w] = {via: b.get(via, 0) - a.get(via, 0) for via in set(a) | set(b)}
            r["model_threads"] = model_threads(logs, before, rate, r.get("seconds"))
            n = max(r["inputs"], 1)
            total = sum(sum(v.values()) for v in per_member.values())
            r.update({
                "door": door,
                "bytes_per_request": total / n,
                "bytes_per_request_per_member": total / n / max(len(workers), 1),
                "bytes_per_member_by_way": {w: {via: b / n for via, b in v.items()} for w, v in per_member.items()},
            })
            runs.append(r)
    if not runs:
        sys.exit(f"no demo reports under {work}")
    base = {r["offered_per_s"]: r for r in runs if r["door"] == "rpc"}
    for r in runs:
        b = base.get(r["offered_per_s"])
        r["sustained_vs_rpc"] = r["sustained_per_s"] / b["sustained_per_s"] if b and b.get("sustained_per_s") else None
    report = {
        "what": "u8 3x224x224 inputs (150 KB), near-free model, four validators and four workers on one machine",
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d"),
        "runs": runs,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'door':<5} {'offered/s':>9} {'sent/s':>7} {'certified/s':>11} {'sustained':>9} {'vs rpc':>6} {'p50 s':>6} {'p99 s':>6} "
          f"{'KB/req/member':>13} {'way (KB/req, all members)':<40}")
    for r in runs:
        ways = {}
        for v in r["bytes_per_member_by_way"].values():
            for via, b in v.items():
                ways[via] = ways.get(via, 0) + b
        vs = f"{r['sustained_vs_rpc']:.2f}" if r["sustained_vs_rpc"] is not None else "-"
        print(f"{r['door']:<5} {r['offered_per_s']:>9} {r['sent_per_s']:>7.1f} {r['certified_per_s']:>11.1f} {r['sustained_per_s']:>9.1f} {vs:>6} "
              f"{r['latency_s']['p50']:>6.2f} {r['latency_s']['p99']:>6.2f} {r['bytes_per_request_per_member'] / 1e3:>13.1f} "
              + ", ".join(f"{via} {b / 1e3:.0f}" for via, b in sorted(ways.items())))
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for door, style in zip(doors, ("o-", "s--")):
        rs = [r for r in runs if r["door"] == door]
        x = [r["offered_per_s"] for r in rs]
        a.plot(x, [r["sustained_per_s"] for r in rs], style, label=f"{door}: certified/s (steady)")
        a.plot(x, [r["sent_per_s"] for r in rs], style, alpha=0.4, label=f"{door}: inputs sent/s")
        b.plot(x, [r["bytes_per_request_per_member"] / 1e3 for r in rs], style, label=f"{door}: KB per request per member")
    lim = max(r["offered_per_s"] for r in runs)
    a.plot([0, lim], [0, lim], color="gray", ls=":", label="offered")
    a.set_xlabel("offered requests/s"), a.set_ylabel("requests/s"), a.legend(fontsize=8)
    b.set_xlabel("offered requests/s"), b.set_ylabel("input KB received per request per member"), b.legend(fontsize=8)
    fig.suptitle(f"Input path, u8 3x224x224: four validators, four workers, q = 3 ({os.cpu_count()} CPU cores)")
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


def sites(work, out):
    """Layouts are the folders of WORK_DIR (`one`: every process on loopback;
    `three`: three sites a network apart), each with the demo report of every
    rate. The one-site run is the baseline of the ratios."""
    work, out = Path(work), Path(out)
    runs = []
    for layout in ("one", "three"):
        for f in glob.glob(str(work / layout / "logs" / "demo-report-*.json")):
            r = json.loads(Path(f).read_text())
            r["layout"] = layout
            runs.append(r)
    if not runs:
        sys.exit(f"no demo reports under {work}")
    runs.sort(key=lambda r: (r["layout"] != "one", r["offered_per_s"]))
    base = {r["offered_per_s"]: r for r in runs if r["layout"] == "one"}
    for r in runs:
        b = base.get(r["offered_per_s"])
        r["sustained_vs_one_site"] = r["sustained_per_s"] / b["sustained_per_s"] if b and b.get("sustained_per_s") else None
        r["latency_p50_vs_one_site"] = r["latency_s"]["p50"] / b["latency_s"]["p50"] if b and b["latency_s"].get("p50") else None
    delays = (work / "delays.txt").read_text().strip() if (work / "delays.txt").exists() else None
    report = {
        "what": "four validators and four workers (q = 3, near-free model, u8 3x224x224 inputs to every member over "
                "the Open Inference Protocol) in one site, then in three sites a network apart",
        "three_sites": {"layout": "alice, bob and the client in site 1; charlie in 2; dave in 3",
                        "one_way_delays": delays},
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d"),
        "runs": runs,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'sites':<6} {'offered/s':>9} {'decided':>11} {'certified/s':>11} {'steady':>7} {'vs one':>6} "
          f"{'p50 s':>6} {'p90 s':>6} {'final p50':>9} {'blocks p50/p90':>14} {'within 2':>8}")
    for r in runs:
        vs = f"{r['sustained_vs_one_site']:.2f}" if r["sustained_vs_one_site"] is not None else "-"
        bl = r["blocks_to_certificate"]
        print(f"{r['layout']:<6} {r['offered_per_s']:>9} {str(r['decided']) + '/' + str(r['inputs']):>11} "
              f"{r['certified_per_s']:>11.1f} {r['sustained_per_s']:>7.1f} {vs:>6} {r['latency_s']['p50']:>6.2f} "
              f"{r['latency_s']['p90']:>6.2f} {r['finality_latency_s']['p50']:>9.2f} "
              f"{str(bl['p50']) + ' / ' + str(bl['p90']):>14} {bl['within_2']:>8.2f}")
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for layout, style in (("one", "o-"), ("three", "s--")):
        rs = [r for r in runs if r["layout"] == layout]
        if not rs:
            continue
        x = [r["offered_per_s"] for r in rs]
        a.plot(x, [r["sustained_per_s"] for r in rs], style, label=f"{layout} site(s): certified/s (steady)")
        b.plot(x, [r["latency_s"]["p50"] for r in rs], style, label=f"{layout} site(s): latency p50")
        b.plot(x, [r["finality_latency_s"]["p50"] for r in rs], style, alpha=0.4, label=f"{layout} site(s): finalized p50")
    a.set_xlabel("offered requests/s"), a.set_ylabel("requests/s"), a.legend(fontsize=8)
    b.set_xlabel("offered requests/s"), b.set_ylabel("seconds"), b.legend(fontsize=8)
    fig.suptitle(f"One site against three ({delays or 'delays unknown'}; {os.cpu_count()} CPU cores)")
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)


if __name__ == "__main__":
    if sys.argv[1] == "chain":
        chain(sys.argv[2])
    elif sys.argv[1] == "e2e":
        e2e(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif sys.argv[1] == "data-plane":
        data_plane(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "sites":
        sites(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "model-threads":
        print_model_threads(sys.argv[2])
    else:
        sys.exit(__doc__)
