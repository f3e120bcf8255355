#!/usr/bin/env python3
"""The transfer benchmark behind scripts/bench: the same Zoom file into the same local S3, side by
side, in one run.

Contenders (each run RUNS times, in rounds: every contender once, then again; each measurement
moves a 2 GiB file of its own, so a store that deduplicates blocks never finds them stored, and
the object is deleted after each run):
  source       curl -o /dev/null of the file from zoom-sim (the source limit)
  aws-cp       aws s3 cp of the same bytes from a local file (a sink limit)
  rclone-copy  rclone copyto of the same local file (a sink limit)
  ours         tools/bench retrieve: the retriever the retrieve-recording Lambda runs
  rclone-url   rclone copyurl streaming the file into S3 (what a user would pick instead)
  python       requests streaming GET into boto3 upload_fileobj (multipart_threshold=10000,
               max_concurrency=4), the approach of the Python pipeline our users come from
Measured per run: MiB/s, peak RSS and CPU seconds of the client process (wait4 rusage), CPU
seconds of the S3 server (/proc/<pid>/stat). Then ours once more with the 8 GiB file.

Usage: bench_transfer.py --config CONFIG.json --out RESULTS.json [--png CHART.png]
CONFIG: {"zoom_base": ..., "s3_endpoint": ..., "s3_pid": ..., "access_key": ..., "secret_key": ...,
         "bench_binary": ..., "work_dir": ..., "runs": 3, "part_size_mib": 16, "parts_in_flight": 4,
         "big": true, "sink": "s3s-fs 0.14.1"}
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import boto3
import requests

MIB = 1024 * 1024
ACCOUNT = "benchAccount0000000000"
FILES = {"2gib": "BenchMeeting2GiB000000==", "8gib": "BenchMeeting8GiB000000=="}
# One 2 GiB file per measurement (fixtures/scenarios/bench.json): fresh bytes every time.
FRESH_2GIB = [f"BenchMeeting2GiB{n:04d}AA==" for n in range(1, 19)]

PYTHON_PIPELINE = r"""
import sys, boto3, requests
from boto3.s3.transfer import TransferConfig
url, token, bucket, key = sys.argv[1:5]
s3 = boto3.client("s3")
with requests.get(url, headers={"Authorization": "Bearer " + token}, stream=True, timeout=60) as r:
    r.raise_for_status()
    s3.upload_fileobj(r.raw, bucket, key,
                      Config=TransferConfig(multipart_threshold=10000, max_concurrency=4))
"""


def oauth_token(base):
    answer = requests.post(
        f"{base}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": ACCOUNT},
        auth=("sim-client-id", "sim-client-secret"), timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def recording(base, token, uuid):
    """The file's download URL, size, a download token, and the CDN URL it redirects to."""
    segment = urllib.parse.quote(uuid, safe="")
    answer = requests.get(
        f"{base}/v2/meetings/{segment}/recordings",
        params={"include_fields": "download_access_token"},
        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    body = answer.json()
    file = body["recording_files"][0]
    download_token = body["download_access_token"]
    redirect = requests.get(file["download_url"], headers={"Authorization": f"Bearer {download_token}"},
                            allow_redirects=False, timeout=30)
    return {"url": file["download_url"], "size": file["file_size"], "token": download_token,
            "cdn_url": redirect.headers.get("Location", file["download_url"])}


def server_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(command, env, s3_pid, size):
    """Runs one contender; wall time, client rusage and server CPU."""
    server_before = server_cpu_seconds(s3_pid)
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if status != 0:
        raise RuntimeError(f"{command[0]} failed ({status}): {stderr[-2000:]}")
    return {
        "seconds": round(seconds, 3),
        "mib_per_second": round(size / MIB / seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "client_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "server_cpu_seconds": round(server_cpu_seconds(s3_pid) - server_before, 2),
    }


def summarise(name, description, runs, size):
    speeds = [r["mib_per_second"] for r in runs]
    gib = size / (1024 * MIB)
    cpu = statistics.median(r["client_cpu_seconds"] for r in runs)
    return {
        "name": name, "description": description, "runs": runs,
        "mib_per_second": {"median": statistics.median(speeds), "min": min(speeds), "max": max(speeds)},
        "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
        "client_cpu_seconds": cpu,
        "client_cpu_seconds_per_gib": round(cpu / gib, 2),
        "server_cpu_seconds": statistics.median(r["server_cpu_seconds"] for r in runs),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("--out", required=True)
    parser.add_argument("--png")
    parser.add_argument("--replot", action="store_true", help="only redraw --png from --out")
    args = parser.parse_args()
    if args.replot:
        report = json.load(open(args.out, encoding="utf-8"))
        print_report(report)
        return chart(report, args.png)
    config = json.load(open(args.config, encoding="utf-8"))
    base, runs = config["zoom_base"], config["runs"]
    work = config["work_dir"]
    env = dict(os.environ,
               AWS_ACCESS_KEY_ID=config["access_key"], AWS_SECRET_ACCESS_KEY=config["secret_key"],
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL_S3=config["s3_endpoint"], AWS_ENDPOINT_URL=config["s3_endpoint"],
               AWS_CONFIG_FILE=os.path.join(work, "aws-config"),
               RCLONE_CONFIG_SINK_TYPE="s3", RCLONE_CONFIG_SINK_PROVIDER="Other",
               RCLONE_CONFIG_SINK_ENDPOINT=config["s3_endpoint"],
               RCLONE_CONFIG_SINK_ACCESS_KEY_ID=config["access_key"],
               RCLONE_CONFIG_SINK_SECRET_ACCESS_KEY=config["secret_key"],
               RCLONE_CONFIG_SINK_REGION="us-east-1", RCLONE_CONFIG_SINK_FORCE_PATH_STYLE="true")
    # rclone's S3 backend refuses AWS_CA_BUNDLE with its own HTTP transport; the sink is plain
    # http on loopback, so no bundle is needed.
    rclone_env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
    part, in_flight = config["part_size_mib"], config["parts_in_flight"]
    # aws s3 cp at its best here: 16 MiB parts, 8 at once, path-style addressing.
    with open(env["AWS_CONFIG_FILE"], "w", encoding="utf-8") as f:
        f.write("[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 8\n"
                "  multipart_chunksize = 16MB\n  multipart_threshold = 16MB\n  addressing_style = path\n")
    rclone_s3 = ["--s3-chunk-size", "16M", "--s3-upload-concurrency", "8", "--s3-disable-checksum"]

    s3 = boto3.client("s3", endpoint_url=config["s3_endpoint"], aws_access_key_id=config["access_key"],
                      aws_secret_access_key=config["secret_key"], region_name="us-east-1",
                      config=boto3.session.Config(s3={"addressing_style": "path"}))
    bucket = f"bench-{int(time.time())}"
    s3.create_bucket(Bucket=bucket)
    token = oauth_token(base)
    size = recording(base, token, FILES["2gib"])["size"]
    local_copy = os.path.join(work, "2gib.mp4")

    def download(file):
        subprocess.run(["curl", "-sS", "-L", "-o", local_copy, "-H", f"Authorization: Bearer {file['token']}",
                        file["url"]], check=True)

    def ours(url, token_, size_, key):
        return ([config["bench_binary"], "retrieve", "--download-url", url, "--size", str(size_),
                 "--bucket", bucket, "--key", key, "--part-size-mib", str(part),
                 "--parts-in-flight", str(in_flight)], dict(env, BENCH_DOWNLOAD_TOKEN=token_))

    # (name, description, needs a local copy, command for (key, file))
    contenders = [
        ("source", "curl -o /dev/null from zoom-sim (source limit)", False, lambda key, file: (
            ["curl", "-sS", "-L", "-o", "/dev/null", "-H", f"Authorization: Bearer {file['token']}",
             file["url"]], env)),
        ("aws-cp", "aws s3 cp of a local file (sink limit)", True, lambda key, file: (
            ["aws", "s3", "cp", "--only-show-errors", local_copy, f"s3://{bucket}/{key}"], env)),
        ("rclone-copy", "rclone copyto of a local file (sink limit)", True, lambda key, file: (
            ["rclone", "copyto", *rclone_s3, local_copy, f"sink:{bucket}/{key}"], rclone_env)),
        ("ours", f"retrieve-recording's retriever ({part} MiB parts, {in_flight} in flight)", False,
         lambda key, file: ours(file["url"], file["token"], size, key)),
        ("rclone-url", "rclone copyurl streaming into S3", False, lambda key, file: (
            ["rclone", "copyurl", *rclone_s3, file["cdn_url"], f"sink:{bucket}/{key}"], rclone_env)),
        ("python", "requests stream -> boto3 upload_fileobj (max_concurrency=4)", False, lambda key, file: (
            [sys.executable, "-c", PYTHON_PIPELINE, file["url"], file["token"], bucket, key], env)),
    ]
    if runs * len(contenders) > len(FRESH_2GIB):
        raise SystemExit(f"at most {len(FRESH_2GIB) // len(contenders)} runs (one fresh file per measurement)")
    measured = {name: [] for name, *_ in contenders}
    for run in range(runs):
        for index, (name, _, needs_copy, command_for) in enumerate(contenders):
            file = recording(base, token, FRESH_2GIB[run * len(contenders) + index])
            if needs_copy:
                download(file)
            key = f"{name}-{run}.mp4"
            command, run_env = command_for(key, file)
            print(f"  {name} run {run + 1}/{runs}", file=sys.stderr)
            measured[name].append(measure(command, run_env, config["s3_pid"], size))
            if name != "source":
                head = s3.head_object(Bucket=bucket, Key=key)
                if head["ContentLength"] != size:
                    raise RuntimeError(f"{name} stored {head['ContentLength']} bytes, not {size}")
                s3.delete_object(Bucket=bucket, Key=key)
            if needs_copy:
                os.remove(local_copy)
    results = [summarise(name, description, measured[name], size) for name, description, *_ in contenders]

    big = None
    if config.get("big"):
        big_file = recording(base, token, FILES["8gib"])
        print("  ours with the 8 GiB file", file=sys.stderr)
        command, run_env = ours(big_file["url"], big_file["token"], big_file["size"], "ours-8gib.mp4")
        big = measure(command, run_env, config["s3_pid"], big_file["size"])
        s3.delete_object(Bucket=bucket, Key="ours-8gib.mp4")

    report = build_report(results, big, part, in_flight)
    report["sink"] = config.get("sink", "s3s-fs")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print_report(report)
    if args.png:
        chart(report, args.png)


def build_report(results, big, part, in_flight):
    by_name = {r["name"]: r for r in results}
    speed = lambda name: by_name[name]["mib_per_second"]["median"]
    ours = by_name["ours"]
    sink_limit = max(speed("aws-cp"), speed("rclone-copy"))
    ratios = {name: round(speed("ours") / speed(name), 2) for name in by_name if name != "ours"}
    rss_bound = part * in_flight + 64
    targets = {
        "ours_at_least_the_fastest_alternative": speed("ours") >= 0.95 * max(speed("rclone-url"), speed("python")),
        "ours_at_least_0.9_of_the_sink_limit": speed("ours") >= 0.9 * sink_limit,
        "cpu_per_gib_at_most_half_of_rclone": ours["client_cpu_seconds_per_gib"] <= 0.5 * by_name["rclone-url"]["client_cpu_seconds_per_gib"],
        "cpu_per_gib_at_most_python": ours["client_cpu_seconds_per_gib"] <= by_name["python"]["client_cpu_seconds_per_gib"],
        f"peak_rss_at_most_{rss_bound}_mib_at_2_gib": ours["peak_rss_mib"] <= rss_bound,
    }
    if big:
        targets[f"peak_rss_at_most_{rss_bound}_mib_at_8_gib"] = big["peak_rss_mib"] <= rss_bound
    return {"file_mib": 2048, "contenders": results, "ours_8_gib": big, "sink_limit_mib_per_second": sink_limit,
            "ratios_ours_to": ratios, "targets": targets}


def print_report(report):
    print(f"\n{'contender':<13}{'MiB/s med':>10}{'min':>8}{'max':>8}{'RSS MiB':>9}{'CPU s':>8}"
          f"{'CPU s/GiB':>10}{'S3 CPU s':>10}{'ours/x':>8}")
    for r in report["contenders"]:
        s = r["mib_per_second"]
        ratio = report["ratios_ours_to"].get(r["name"], 1.0)
        print(f"{r['name']:<13}{s['median']:>10.1f}{s['min']:>8.1f}{s['max']:>8.1f}{r['peak_rss_mib']:>9.1f}"
              f"{r['client_cpu_seconds']:>8.2f}{r['client_cpu_seconds_per_gib']:>10.2f}"
              f"{r['server_cpu_seconds']:>10.2f}{ratio:>8.2f}")
    big = report["ours_8_gib"]
    if big:
        print(f"{'ours 8 GiB':<13}{big['mib_per_second']:>10.1f}{'':>16}{big['peak_rss_mib']:>9.1f}"
              f"{big['client_cpu_seconds']:>8.2f}{big['client_cpu_seconds'] / 8:>10.2f}{big['server_cpu_seconds']:>10.2f}")
    print(f"\nsink: {report.get('sink', 's3s-fs')}; sink limit (best of aws-cp, rclone-copy): "
          f"{report['sink_limit_mib_per_second']:.1f} MiB/s")
    for target, met in report["targets"].items():
        print(f"  {'met ' if met else 'MISSED'}  {target}")


def chart(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    # The source limit is an order of magnitude above the rest: it goes in the title, not a bar.
    source = next(r for r in report["contenders"] if r["name"] == "source")
    sinks = [r for r in report["contenders"] if r["name"] != "source"]
    names = [r["name"] for r in sinks]
    medians = [r["mib_per_second"]["median"] for r in sinks]
    low = [m - r["mib_per_second"]["min"] for m, r in zip(medians, sinks)]
    high = [r["mib_per_second"]["max"] - m for m, r in zip(medians, sinks)]
    colours = ["#bbbbbb", "#bbbbbb", "#1f77b4", "#ff7f0e", "#2ca02c"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].bar(names, medians, yerr=[low, high], color=colours, capsize=4)
    axes[0].set_ylabel("MiB/s (median of runs, min-max)")
    sink = report.get("sink", "s3s-fs")
    axes[0].set_title(f"2 GiB zoom-sim -> {sink} (source limit {source['mib_per_second']['median']:.0f} MiB/s)")
    axes[0].tick_params(axis="x", rotation=30)
    axes[1].bar(names, [r["client_cpu_seconds_per_gib"] for r in sinks], color=colours)
    axes[1].set_ylabel("client CPU seconds per GiB")
    axes[1].set_title("Client CPU")
    axes[1].tick_params(axis="x", rotation=30)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
