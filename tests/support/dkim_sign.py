#!/usr/bin/python3
"""dkim_sign.py — an independent DKIM signer for tests: Debian's python3-dkim (dkimpy) signs the message on
stdin and writes it, with its DKIM-Signature field first, to stdout.
  dkim_sign.py --domain D --selector S --key FILE.pem [--algorithm rsa-sha256|ed25519-sha256]
For Ed25519, dkimpy wants the 32-byte seed in base64: it is read from the PKCS#8 key with `openssl pkey`.
Exit 0 on success, 1 when signing failed."""
import argparse
import base64
import subprocess
import sys

import dkim


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--domain", required=True)
    parser.add_argument("--selector", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--algorithm", default="rsa-sha256", choices=["rsa-sha256", "ed25519-sha256"])
    args = parser.parse_args()
    if args.algorithm == "ed25519-sha256":
        der = subprocess.run(["openssl", "pkey", "-in", args.key, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        key = base64.b64encode(der[-32:])
    else:
        with open(args.key, "rb") as f:
            key = f.read()
    message = sys.stdin.buffer.read()
    signature = dkim.sign(message, args.selector.encode(), args.domain.encode(), key,
                          signature_algorithm=args.algorithm.encode(),
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    if not signature:
        print("dkim_sign.py: signing failed", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(signature + message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
