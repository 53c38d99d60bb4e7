"""Runs the pipeline's per-video work on a Ray cluster, filling the caches the stages read.

    .venv-ray/bin/python scale/ray_driver.py --project DIR [--address HOST:PORT] [--videos-per-task N]
        [--cpus-per-task N] [--retries N] [--summary FILE]

On the node it runs on (the head), in the project folder DIR (the same path on every node: shared
storage): `dvc repro ingest` (sheets, downloads, hashes, probes); the playable media's fingerprints
as Ray tasks; `dvc repro dedup` (every fingerprint cached, so it only groups); the distinct videos'
face detections as Ray tasks. Each task runs pipeline/distributed/unit.ts once over its videos (one
face engine per task, not per video), which writes exactly the cache entries the dedup and extract
stages would write; `dvc repro` afterwards finds them and only assembles tables. A task whose worker
or node dies, or whose unit exits non-zero, is retried (--retries) on any node. Progress goes to
stderr, the summary (videos done, failed with reasons, wall time, videos/s, per task its node and
times) to --summary (default data/logs/scale.json). Exit status 1 when a task failed every try: its
videos are then left to `dvc repro`, which computes them on one machine.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import ray

UNIT = ["node", "--import", "tsx", "pipeline/distributed/unit.ts"]
PLAN = ["node", "--import", "tsx", "pipeline/distributed/plan.ts"]


class SharedFolder:
    """Storage: the project folder, mounted at the same path on every node (this machine's disk in
    tests; NFS or a ReadWriteMany volume on Kubernetes). A task runs in it: it reads the media where
    ingest put them and writes cache entries in place (atomic renames, content-addressed names).

    Another storage (an object store) implements the same `workdir`: fetch the task's media and the
    params into a local scratch project, yield it, then upload the new files under data/cache/."""

    def __init__(self, project):
        self.project = os.path.abspath(project)

    @contextmanager
    def workdir(self, videos):
        yield self.project


@ray.remote
def run_unit(storage, step, videos, workers):
    """One task: the unit over `videos` in a subprocess; its result, the node and the times."""
    t0 = time.monotonic()
    with storage.workdir(videos) as cwd, tempfile.NamedTemporaryFile("w", prefix="unit-", suffix=".json") as task:
        json.dump({"step": step, "videos": videos}, task)
        task.flush()
        p = subprocess.run(UNIT + [task.name, "--workers", str(workers)], cwd=cwd, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"unit exited with {p.returncode}: {p.stderr.strip()[-2000:]}")
    return {**json.loads(p.stdout), "node": ray.get_runtime_context().get_node_id(), "task_s": time.monotonic() - t0}


def log(msg):
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def distribute(storage, step, videos, args):
    """Runs `step` over `videos` in tasks of --videos-per-task; returns the step's summary."""
    t0 = time.monotonic()
    n = args.videos_per_task
    batches = [videos[i:i + n] for i in range(0, len(videos), n)]
    remote = run_unit.options(num_cpus=args.cpus_per_task, max_retries=args.retries, retry_exceptions=True)
    pending = {remote.remote(storage, step, b, args.cpus_per_task): b for b in batches}
    path_of = {v["sha256"]: v["path"] for v in videos}
    tasks, failed, lost, done = [], [], [], 0
    for finished in range(1, len(batches) + 1):
        [ref], _ = ray.wait(list(pending), num_returns=1)
        batch = pending.pop(ref)
        shas = [v["sha256"] for v in batch]
        try:
            r = ray.get(ref)
            tasks.append({"videos": shas, "node": r["node"], "computed": r["computed"], "task_s": r["task_s"], "unit_s": r["seconds"]})
            failed += [{**f, "path": path_of[f["sha256"]]} for f in r["failed"]]
        except ray.exceptions.RayError as e:
            lost += [{"sha256": s, "path": path_of[s], "reason": str(e).strip().splitlines()[-1]} for s in shas]
        done += len(batch)
        log(f"{step}: {done}/{len(videos)} videos, {finished}/{len(batches)} tasks, {time.monotonic() - t0:.0f} s")
    wall = time.monotonic() - t0
    return {
        "videos": len(videos), "tasks": tasks, "computed": sum(t["computed"] for t in tasks),
        "failed": failed, "lost": lost, "wall_s": wall, "videos_per_s": len(videos) / wall if wall else None,
        "task_s": sum(t["task_s"] for t in tasks), "unit_s": sum(t["unit_s"] for t in tasks),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", default=".", help="the project folder, on storage every node sees at this path")
    ap.add_argument("--address", default=None, help="the Ray cluster (default: RAY_ADDRESS, else the cluster on this node)")
    ap.add_argument("--videos-per-task", type=int, default=8)
    ap.add_argument("--cpus-per-task", type=int, default=1, help="CPUs per task = the unit's parallel videos")
    ap.add_argument("--retries", type=int, default=3)
    ap.add_argument("--summary", default="data/logs/scale.json", help="relative to the project")
    args = ap.parse_args()
    storage = SharedFolder(args.project)
    # dvc's own output goes to stderr with the progress lines; the plan's JSON is read.
    here = lambda cmd, out=sys.stderr: subprocess.run(cmd, cwd=storage.project, check=True, stdout=out, text=True).stdout

    t0 = time.monotonic()
    ray.init(address=args.address)
    log(f"cluster: {ray.cluster_resources().get('CPU', 0):.0f} CPUs on {len([n for n in ray.nodes() if n['Alive']])} nodes")
    steps = {}
    for stage, step in (("ingest", "fingerprint"), ("dedup", "faces")):
        here(["dvc", "repro", stage])
        videos = json.loads(here(PLAN + [step], subprocess.PIPE))
        steps[step] = distribute(storage, step, videos, args)
    wall = time.monotonic() - t0
    summary = {"wall_s": wall, "cpus": ray.cluster_resources().get("CPU", 0), "steps": steps}
    out = os.path.join(storage.project, args.summary)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    for step, s in steps.items():
        log(f"{step}: {s['videos']} videos in {s['wall_s']:.1f} s ({s['videos_per_s'] or 0:.2f}/s), {s['computed']} computed, "
            f"{len(s['failed'])} failed ({'; '.join(f['path'] + ': ' + f['reason'] for f in s['failed']) or 'none'}), {len(s['lost'])} lost")
    log(f"done in {wall:.1f} s; summary in {out}")
    sys.exit(1 if any(s["lost"] for s in steps.values()) else 0)


if __name__ == "__main__":
    main()
