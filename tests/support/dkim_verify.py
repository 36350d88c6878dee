#!/usr/bin/python3
"""dkim_verify.py — an independent DKIM verifier for tests: Debian's python3-dkim (dkimpy) checks every
DKIM-Signature of the message on stdin. Keys come from a real DNS server (--nameserver 127.0.0.1:PORT, via
dnspython) or from --record TEXT (the same key record for every selector).
Prints one JSON object {"signatures": [{"index", "domain", "selector", "pass"}], "ok": bool}; exit 0 when
there is at least one signature and every one verifies, 1 otherwise, 2 on bad arguments."""
import argparse
import json
import re
import sys

import dkim
import dns.message
import dns.query
import dns.rdatatype


def dns_txt(server, port):
    def lookup(name, timeout=5):
        query = dns.message.make_query(name.decode() if isinstance(name, bytes) else name, dns.rdatatype.TXT)
        response = dns.query.udp(query, server, port=port, timeout=timeout)
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                for rdata in rrset:
                    return b"".join(rdata.strings)
        return None
    return lookup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nameserver", help="HOST:PORT of the DNS server holding the keys")
    parser.add_argument("--record", help="the key record to use for every signature")
    args = parser.parse_args()
    if bool(args.nameserver) == bool(args.record):
        parser.error("give exactly one of --nameserver and --record")
    if args.record:
        record = args.record.encode()
        dnsfunc = lambda name, timeout=5: record
    else:
        host, _, port = args.nameserver.rpartition(":")
        dnsfunc = dns_txt(host, int(port))
    message = sys.stdin.buffer.read()
    verifier = dkim.DKIM(message)
    headers = [value for name, value in verifier.headers if name.lower() == b"dkim-signature"]
    results = []
    for index, value in enumerate(headers):
        tags = dict(re.findall(rb"\b([a-z]+)\s*=\s*([^;\s]*)", value))
        try:
            ok = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
        except dkim.DKIMException as error:
            ok = False
            print("signature %d: %s" % (index, error), file=sys.stderr)
        results.append({"index": index, "domain": tags.get(b"d", b"").decode(),
                        "selector": tags.get(b"s", b"").decode(), "pass": ok})
    ok = bool(results) and all(r["pass"] for r in results)
    print(json.dumps({"signatures": results, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
