#!/usr/bin/env python3
"""A real SMTP server for Cairn's tests (aiosmtpd 1.4.6; scripts/lib.sh installs it in a venv).

    smtp-test-server.py [--host 127.0.0.1] [--port 0] MAILDIR

Listens on HOST:PORT (port 0: the system picks a free one) and prints "ready <port>" once it
accepts connections. Every accepted message is written once per recipient into MAILDIR as

    <recipient>--<nanoseconds>-<n>.eml    the message exactly as received
    <recipient>--<nanoseconds>-<n>.json   what the tests check: envelope, subject, plain-text
                                          body, attachments (name, type, size, base64 bytes)

where <recipient> is the address in lower case with anything but [a-z0-9._+@-] replaced by
"_". Both files are written to a temporary name and renamed, the .json last, so a test that
sees the .json can read both whole.

Recipients at the domain bounce.invalid are refused with "550 5.1.1 mailbox unavailable" (a
permanent failure); recipients at defer.invalid get "451 4.3.0 try again later" (transient).
"""

import argparse
import asyncio
import base64
import email
import email.policy
import itertools
import json
import os
import re
import signal
import sys
import time

from aiosmtpd.smtp import SMTP

REJECT_DOMAIN = "bounce.invalid"
DEFER_DOMAIN = "defer.invalid"
_counter = itertools.count(1)


def safe_name(address):
    return re.sub(r"[^a-z0-9._+@-]", "_", address.lower())


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path), ".tmp-" + os.path.basename(path))
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def summarise(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(data),
                "data_base64": base64.b64encode(data).decode("ascii"),
            }
        )
    return {
        "subject": str(msg.get("Subject", "")),
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "message_id": str(msg.get("Message-ID", "")),
        # Line endings as the tests write them (SMTP carries CRLF).
        "text_body": body.get_content().replace("\r\n", "\n") if body is not None else None,
        "attachments": attachments,
    }


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rsplit("@", 1)[-1].lower()
        if domain == REJECT_DOMAIN:
            return "550 5.1.1 mailbox unavailable"
        if domain == DEFER_DOMAIN:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        try:
            summary = summarise(raw)
        except Exception as e:  # a message the tests cannot read is still kept as .eml
            summary = {"parse_error": repr(e)}
        for rcpt in envelope.rcpt_tos:
            stem = f"{safe_name(rcpt)}--{time.time_ns()}-{next(_counter)}"
            eml = os.path.join(self.maildir, stem + ".eml")
            write_atomically(eml, raw)
            record = dict(summary, mail_from=envelope.mail_from, recipient=rcpt, eml=stem + ".eml")
            write_atomically(
                os.path.join(self.maildir, stem + ".json"),
                json.dumps(record, indent=1).encode("utf-8"),
            )
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser(description="SMTP server for Cairn's tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("maildir")
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)

    loop = asyncio.get_running_loop()
    handler = Handler(args.maildir)
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="cairn-test-smtp",
            ident="Cairn test SMTP server",
            enable_SMTPUTF8=True,
            data_size_limit=50 * 1024 * 1024,
            loop=loop,
        ),
        host=args.host,
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"ready {port}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
