#!/ usr / bin / python3
"""behaviour_sink.py — an SMTP server for delivery tests whose answer depends on the recipient.

The local part of each RCPT address chooses what happens (a suffix after '+' or digits is ignored):
  accept...     250, and the message is stored
  reject...     550 5.1.1 at RCPT
  tempfail...   451 4.3.0 at RCPT, every time
  once...       451 4.3.0 at RCPT the first time this exact address is seen, then 250
  ratelimit...  421 4.7.28 rate limited at RCPT (the connection stays open)
  datafail...   250 at RCPT, then 554 5.6.0 after DATA
  drop...       250 at RCPT, then the connection is cut while the message is being received
  slow...       250 at RCPT, sent after --slow seconds (a "holding" event marks the start of the wait)
  WORD...       with --replies FILE (a JSON object: letters-only word -> reply), that reply at RCPT; a reply
                of several lines (joined by newlines) is sent as a multi-line reply, e.g. a provider's text
Options: --host (a loopback address, default 127.0.0.1), --port, --tls-cert/--tls-key (offer STARTTLS), --require-tls (refuse MAIL before STARTTLS),
--mail-reply REPLY (the reply to every MAIL, e.g. "550 5.7.1 null sender refused"; default 250),
--no-pipelining, --no-8bitmime, --max-recipients N (RCPTs past N in a transaction get --too-many-reply,
default "452 4.5.3 Error: too many recipients"), --dsn (offer DSN), --dir DIR: every accepted message is written to DIR/N.eml with its
envelope (and the client's address, EHLO name, MAIL and accepted RCPT lines) in DIR/N.json, and DIR/events.jsonl gets one line per connection and per message, with times,
so tests can measure concurrency and rates; it also gets one line per MAIL ("mail": sender, code), per RCPT
("rcpt": recipient, code) and per DATA ("data"), so tests can count what a client asked. Lines are bounded (4096 octets) and messages (10 MB).
Runs until killed. Uses only Python's standard library (asyncio, ssl) from Debian's python3.
"""
import argparse
import asyncio
import json
import os
import re
import ssl
import time

MAX_LINE = 4096
MAX_MESSAGE = 10 * 1024 * 1024


class Sink:
    def __init__(self, args):
        self.args = args
        self.seen = set()
        self.count = 0
        self.active = 0
        self.tls = None
        self.replies = {}
        if args.replies:
            with open(args.replies) as f:
                self.replies = json.load(f)
        if args.tls_cert:
            self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls.load_cert_chain(args.tls_cert, args.tls_key)
        os.makedirs(args.dir, exist_ok=True)
        self.events = open(os.path.join(args.dir, "events.jsonl"), "a", buffering=1)

    def event(self, **fields):
        fields["time"] = time.time()
        self.events.write(json.dumps(fields) + "\n")

    @staticmethod
    def behaviour(address):
        local = address.split("@", 1)[0].lower()
        match = re.match(r"[a-z]+", local)
        return match.group(0) if match else "accept"

    async def session(self, reader, writer):
        self.active += 1
        peer = writer.get_extra_info("peername")
        self.event(kind="connect", active=self.active, peer=str(peer))
        try:
            await self.converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError, ValueError):
            pass
        finally:
            self.active -= 1
            self.event(kind="disconnect", active=self.active)
            writer.close()

    async def converse(self, reader, writer):
        async def reply(line):
            writer.write((line + "\r\n").encode())
            await writer.drain()

        async def read_line():
            line = await reader.readuntil(b"\n")
            if len(line) > MAX_LINE:
                raise ValueError("line too long")
            return line.decode("utf-8", "replace").rstrip("\r\n")

        tls_active = False
        peer = writer.get_extra_info("peername")
        client = {
  "peer" : peer[0] if peer else "", "helo" : ""}
        sender, recipients, behaviours = None, [], []
        await reply("220 sink.test ESMTP behaviour sink")
        while True:
            line = await read_line()
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                client["helo"] = line[5:].strip()
            if verb == "EHLO":
                caps = ["sink.test"]
                if not self.args.no_pipelining:
                    caps.append("PIPELINING")
                if not self.args.no_8bitmime:
                    caps.append("8BITMIME")
                caps += ["SIZE 10485760", "ENHANCEDSTATUSCODES"]
                if self.args.dsn:
                    caps.append("DSN")
                if self.tls and not tls_active:
                    caps.append("STARTTLS")
                for cap in caps[:-1]:
                    writer.write(("250-" + cap + "\r\n").encode())
                await reply("250 " + caps[-1])
            elif verb == "HELO":
                await reply("250 sink.test")
            elif verb == "STARTTLS" and self.tls and not tls_active:
                await reply("220 2.0.0 ready to start TLS")
                await writer.start_tls(self.tls)
                tls_active = True
                sender, recipients, behaviours = None, [], []
                self.event(kind="tls", version=writer.get_extra_info("ssl_object").version())
            elif verb == "MAIL":
                if self.args.require_tls and not tls_active:
                    await reply("530 5.7.0 Must issue a STARTTLS command first")
                    continue
                address = line[line.find("<") + 1:line.find(">")]
                if self.args.mail_reply:
                    self.event(kind="mail", sender=address, code=int(self.args.mail_reply[:3]))
                    await reply(self.args.mail_reply)
                    continue
                self.event(kind="mail", sender=address, code=250)
                sender = address
                client["commands"] = [line]
                recipients, behaviours = [], []
                await reply("250 2.1.0 ok")
            elif verb == "RCPT" and sender is None:
                await reply("503 5.5.1 need MAIL before RCPT")
            elif verb == "RCPT" and self.args.max_recipients and len(recipients) >= self.args.max_recipients:
                await reply(self.args.too_many_reply)
            elif verb == "RCPT":
                address = line[line.find("<") + 1:line.find(">")]
                kind = self.behaviour(address)
                if kind in self.replies:
                    self.event(kind="rcpt", recipient=address, code=int(self.replies[kind][:3]))
                    lines = self.replies[kind].split("\n")
                    for text in lines[:-1]:
                        writer.write((text + "\r\n").encode())
                    await reply(lines[-1])
                elif kind == "reject":
                    self.event(kind="rcpt", recipient=address, code=550)
                    await reply("550 5.1.1 <%s>: no such user" % address)
                elif kind == "tempfail":
                    self.event(kind="rcpt", recipient=address, code=451)
                    await reply("451 4.3.0 <%s>: try again later" % address)
                elif kind == "once" and address not in self.seen:
                    self.seen.add(address)
                    self.event(kind="rcpt", recipient=address, code=451)
                    await reply("451 4.3.0 <%s>: greylisted, try again later" % address)
                elif kind == "ratelimit":
                    self.event(kind="rcpt", recipient=address, code=421)
                    await reply("421 4.7.28 sink.test has rate limited your IP address")
                else:
                    self.event(kind="rcpt", recipient=address, code=250)
                    if kind == "slow":
                        self.event(kind="holding", recipient=address)
                        await asyncio.sleep(self.args.slow)
                    recipients.append(address)
                    client["commands"].append(line)
                    behaviours.append(kind)
                    await reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.event(kind="data")
                if not recipients:
                    await reply("554 5.5.1 no valid recipients")
                    continue
                await reply("354 go ahead")
                data, size = [], 0
                while True:
                    body_line = await reader.readuntil(b"\n")
                    size += len(body_line)
                    if size > MAX_MESSAGE:
                        raise ValueError("message too big")
                    if body_line in (b".\r\n", b".\n"):
                        break
                    if "drop" in behaviours:
                        return  # cut the connection in the middle of the message
                    data.append(body_line[1:] if body_line.startswith(b"..") else body_line)
                if "datafail" in behaviours:
                    await reply("554 5.6.0 message content rejected")
                else:
                    self.store(sender, recipients, b"".join(data), tls_active, client)
                    await reply("250 2.0.0 ok: queued as %d" % self.count)
                recipients, behaviours = [], []
            elif verb == "RSET":
                sender, recipients, behaviours = None, [], []
                await reply("250 2.0.0 ok")
            elif verb == "NOOP":
                await reply("250 2.0.0 ok")
            elif verb == "QUIT":
                await reply("221 2.0.0 bye")
                return
            else:
                await reply("502 5.5.2 command not recognized")

    def store(self, sender, recipients, data, tls_active, client):
        self.count += 1
        base = os.path.join(self.args.dir, str(self.count))
        with open(base + ".eml", "wb") as out:
            out.write(data)
#N.json is the sign that message N is complete : readers poll for it, so it appears whole(rename).
        with open(base + ".json.tmp", "w") as out:
            json.dump({"sender": sender, "recipients": recipients, "tls": tls_active, "peer": client["peer"],
                       "helo": client["helo"], "commands": client.get("commands", [])}, out)
        os.rename(base + ".json.tmp", base + ".json")
        self.event(kind="message", n=self.count, recipients=len(recipients), peer=client["peer"],
                   helo=client["helo"])


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--replies")
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--no-8bitmime", action="store_true")
    parser.add_argument("--slow", type=float, default=3.0)
    parser.add_argument("--max-recipients", type=int, default=0)
    parser.add_argument("--dsn", action="store_true")
    parser.add_argument("--mail-reply")
    parser.add_argument("--too-many-reply", default="452 4.5.3 Error: too many recipients")
    args = parser.parse_args()
    sink = Sink(args)
    server = await asyncio.start_server(sink.session, args.host, args.port, limit=MAX_LINE)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
