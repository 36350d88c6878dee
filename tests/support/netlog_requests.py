#!/usr/bin/env python3
# netlog_requests.py NETLOG — the network requests a page made, from a Chromium --log-net-log file: one
# URL a line, for every URL request started on behalf of a file:// page (its network isolation key is
# the file:// site, or its initiator the opaque "null" origin), other than file: and data: URLs. Chromium's
# own background requests (updates, time, accounts: initiator "not an origin") are left out. Tests use it
# to show that a self-contained page loads nothing. Exits 2 when the file is not a net log.
import json
import sys


def main(path):
    try:
        log = json.load(open(path))
        events = log["events"]
    except (OSError, ValueError, KeyError) as error:
        print(f"not a net log: {error}", file=sys.stderr)
        sys.exit(2)
    seen = []
    for event in events:
        params = event.get("params") or {}
        url = params.get("url", "")
        if not url or url.startswith(("file:", "data:")):
            continue
        for_page = params.get("network_isolation_key", "").startswith("file://") or params.get("initiator") == "null"
        if for_page and url not in seen:
            seen.append(url)
    for url in seen:
        print(url)


if __name__ == "__main__":
    main(sys.argv[1])
