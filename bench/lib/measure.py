#!/usr/bin/env python3
"""Spawn a server, time it until a URL answers 200, read its memory, stop it.

One process spawns and polls, so the figure is not inflated by forking a
poller (curl) per probe: readiness is probed about every millisecond with one
HTTP GET on 127.0.0.1, and the clock runs from just before the spawn.

  measure.py startup --url URL --log FILE [--timeout S] -- CMD...
      prints the milliseconds from spawn until URL answered 200
  measure.py rss --url URL --log FILE [--settle S] [--timeout S] -- CMD...
      waits until ready, sleeps S seconds (default 5), prints
      "VmRSS_KiB VmHWM_KiB" from /proc/PID/status
  measure.py stats
      reads numbers (one a line) on stdin, prints "median p90"
      (p90 by nearest rank)

The server is always stopped before this exits (SIGTERM, then SIGKILL after
10 s), also on errors and on SIGINT/SIGTERM/SIGHUP. Every wait is bounded.
"""

import argparse
import http.client
import math
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop(Exception):
    pass


def _on_signal(signum, _frame):
    # Once is enough: ignore further signals so that stopping the server
    # is not itself interrupted.
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise Stop(f"signal {signum}")


def probe(host, port, path, https=False):
    """True when GET path answers 200 (over TLS without checking the
    certificate for https: a loopback readiness probe of a dev certificate)."""
    if https:
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, port, timeout=2, context=ctx)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def stop(proc):
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def log_tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def spawn_until_ready(args):
    """Returns (proc, elapsed_ms). The caller must stop(proc)."""
    url = urllib.parse.urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"measure.py: refusing a non-loopback URL: {args.url}")
    path = url.path or "/"
    log = open(args.log, "ab")
    t0 = time.monotonic_ns()
    proc = subprocess.Popen(args.cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    deadline = t0 + int(args.timeout * 1e9)
    try:
        while True:
            if probe(url.hostname, url.port, path, url.scheme == "https"):
                return proc, (time.monotonic_ns() - t0) / 1e6
            code = proc.poll()
            if code is not None:
                raise RuntimeError(f"{args.cmd[0]} exited with {code} before {args.url} answered 200")
            if time.monotonic_ns() > deadline:
                raise RuntimeError(f"{args.url} did not answer 200 within {args.timeout} s")
            time.sleep(0.001)
    except BaseException:
        stop(proc)
        raise


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            words = value.split()
            fields[key] = words[0] if words else ""
    return fields["VmRSS"], fields["VmHWM"]


def main():
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("startup", "rss"):
        p = sub.add_parser(mode)
        p.add_argument("--url", required=True)
        p.add_argument("--log", required=True)
        p.add_argument("--timeout", type=float, default=30.0)
        p.add_argument("--settle", type=float, default=5.0)
        p.add_argument("cmd", nargs="+")
    sub.add_parser("stats")
    args = parser.parse_args()

    if args.mode == "stats":
        values = sorted(float(x) for x in sys.stdin.read().split())
        if not values:
            sys.exit("measure.py stats: no numbers")
        p90 = values[max(0, math.ceil(0.9 * len(values)) - 1)]
        print(f"{statistics.median(values):.1f} {p90:.1f}")
        return

    try:
        proc, ms = spawn_until_ready(args)
    except (RuntimeError, Stop) as e:
        sys.exit(f"measure.py: {e}\n--- last lines of {args.log}:\n{log_tail(args.log)}")
    try:
        if args.mode == "startup":
            print(f"{ms:.1f}")
        else:
            time.sleep(args.settle)
            if proc.poll() is not None:
                sys.exit(f"measure.py: {args.cmd[0]} exited while idle\n{log_tail(args.log)}")
            rss, hwm = proc_status(proc.pid)
            print(rss, hwm)
    except Stop as e:
        sys.exit(f"measure.py: stopped by {e}")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
