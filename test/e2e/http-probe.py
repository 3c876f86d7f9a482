#!/usr/bin/env python3
"""Sends the requests given as JSON on stdin ([{"url": ..., "headers": {...}}, ...]) one after
the other and prints [{"status": ..., "body": ...}, ...] as JSON (status 0: no response)."""
import json
import sys
import urllib.error
import urllib.request

# Straight to the address: never through a proxy from the environment.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
results = []
for request in json.load(sys.stdin):
    req = urllib.request.Request(request['url'], headers=request.get('headers', {}))
    try:
        with opener.open(req, timeout=5) as response:
            results.append({'status': response.status, 'body': response.read().decode()})
    except urllib.error.HTTPError as e:
        results.append({'status': e.code, 'body': e.read().decode()})
    except Exception as e:  # noqa: BLE001 - any failure is a result here
        results.append({'status': 0, 'body': str(e)})
print(json.dumps(results))
