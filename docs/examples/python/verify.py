"""Verifies a Tripline delivery by hand, with Python's standard library only.

Usage: TRIPLINE_WEBHOOK_SECRET=whsec_... python3 verify.py BODY_FILE HEADERS_FILE
BODY_FILE holds the raw request body; HEADERS_FILE a JSON object of the request
headers. Exits 0 when the signature is valid, 1 when it is not.
"""
import json
import os
import sys

# verify:start
import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict, raw_body: bytes) -> dict:
    """Returns the payload of a genuine delivery; raises ValueError otherwise.

    raw_body is the request body exactly as received, before any JSON parsing;
    headers maps lower-case header names to values.
    """
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # The header may hold several "v1,<signature>" entries (during a secret
    # rotation): accept the request when any one matches.
    for entry in headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(expected, signature):
            return json.loads(raw_body)
    raise ValueError("no matching signature")
# verify:end


def main() -> int:
    body_file, headers_file = sys.argv[1:3]
    with open(body_file, "rb") as f:
        raw_body = f.read()
    with open(headers_file, encoding="utf-8") as f:
        headers = {k.lower(): v for k, v in json.load(f).items()}
    try:
        payload = verify(os.environ["TRIPLINE_WEBHOOK_SECRET"], headers, raw_body)
    except (ValueError, KeyError) as err:
        print(f"not verified: {err}", file=sys.stderr)
        return 1
    print(f"verified {payload['event']} {payload['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
