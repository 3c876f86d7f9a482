#!/usr/bin/env python3
"""Requests --url every --interval seconds for --duration seconds. A request whose attempt fails
(refused, reset, timeout) is retried every --interval until it succeeds or --retry-for seconds
passed, as an idempotent client would. Prints one JSON line per request:
{"t": start, "ok": bool, "body": text, "failed_attempts": [times of failed attempts]}."""
import argparse
import json
import time
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--duration', type=float, default=8)
    parser.add_argument('--interval', type=float, default=0.05)
    parser.add_argument('--timeout', type=float, default=0.5)
    parser.add_argument('--retry-for', type=float, default=3)
    args = parser.parse_args()
    # Straight to the address: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    end = time.time() + args.duration
    while time.time() < end:
        start = time.time()
        failed = []
        ok, body = False, ''
        while True:
            attempt = time.time()
            try:
                with opener.open(args.url, timeout=args.timeout) as response:
                    body = response.read().decode()
                    ok = True
                    break
            except Exception:
                failed.append(attempt)
                if time.time() - start > args.retry_for:
                    break
                time.sleep(args.interval)
        print(json.dumps({'t': start, 'ok': ok, 'body': body, 'failed_attempts': failed}), flush=True)
        time.sleep(max(0.0, args.interval - (time.time() - start)))


main()
