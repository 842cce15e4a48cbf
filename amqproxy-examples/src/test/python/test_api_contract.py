#!/usr/bin/env python3
"""The HTTP test API's contract (issue 11, item 6), exercised the way a test in another language would: HTTP calls
with urllib and an AMQP 0-9-1 publisher of a few dozen lines on a raw socket, both from the Python 3 standard
library only.

Usage: test_api_contract.py HTTP_PORT AMQP_PORT   (the proxy on 127.0.0.1, started with --test-api in front of a
broker that takes guest/guest on vhost /). Prints one line per check; exits 0 when every check passed, 1 otherwise.
Run by HttpTestApiContractTest; every socket has a timeout, so a hung proxy fails the run instead of stalling it.
"""

import base64
import json
import socket
import struct
import sys
import urllib.error
import urllib.request

TIMEOUT = 10


class Http:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def call(self, method, path, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type")
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"not_json": raw.decode("utf-8", "replace")}  # e.g. the plain 404 of a proxy without --test-api
        return status, parsed, ctype


# --- a minimal AMQP 0-9-1 client: enough to publish with confirms -------------------------------------------------

def shortstr(s):
    b = s.encode()
    return struct.pack("!B", len(b)) + b


def longstr(b):
    return struct.pack("!I", len(b)) + b


def table(d):
    out = b""
    for k, v in d.items():
        out += shortstr(k) + b"S" + longstr(v.encode())
    return longstr(out)


class Amqp:
    def __init__(self, port, connection_name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.sock.sendall(b"AMQP\x00\x00\x09\x01")
        self.expect(0, 10, 10)  # connection.start
        self.method(0, 10, 11, table({"connection_name": connection_name, "product": "test_api_contract.py"})
                    + shortstr("PLAIN") + longstr(b"\x00guest\x00guest") + shortstr("en_US"))
        args = self.expect(0, 10, 30)  # connection.tune
        channel_max, frame_max, _ = struct.unpack("!HIH", args[:8])
        self.method(0, 10, 31, struct.pack("!HIH", channel_max, frame_max, 0))
        self.method(0, 10, 40, shortstr("/") + shortstr("") + b"\x00")
        self.expect(0, 10, 41)  # connection.open-ok
        self.method(1, 20, 10, shortstr(""))
        self.expect(1, 20, 11)  # channel.open-ok
        self.method(1, 85, 10, b"\x00")
        self.expect(1, 85, 11)  # confirm.select-ok
        self.published = 0

    def frame(self, ftype, channel, payload):
        self.sock.sendall(struct.pack("!BHI", ftype, channel, len(payload)) + payload + b"\xce")

    def method(self, channel, cls, mth, args):
        self.frame(1, channel, struct.pack("!HH", cls, mth) + args)

    def read_frame(self):
        while True:
            while len(self.buf) < 7:
                self.fill()
            ftype, channel, size = struct.unpack("!BHI", self.buf[:7])
            while len(self.buf) < 8 + size:
                self.fill()
            payload, end = self.buf[7:7 + size], self.buf[7 + size]
            self.buf = self.buf[8 + size:]
            if end != 0xCE:
                raise AssertionError("bad frame end")
            if ftype == 8:
                continue  # heartbeat
            return ftype, channel, payload

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("the proxy closed the connection")
        self.buf += chunk

    def read_method(self):
        ftype, channel, payload = self.read_frame()
        if ftype != 1:
            raise AssertionError("expected a method frame, got type %d" % ftype)
        cls, mth = struct.unpack("!HH", payload[:4])
        return channel, cls, mth, payload[4:]

    def expect(self, channel, cls, mth):
        ch, c, m, args = self.read_method()
        if (ch, c, m) != (channel, cls, mth):
            raise AssertionError("expected %d.%d on channel %d, got %d.%d on %d" % (cls, mth, channel, c, m, ch))
        return args

    def declare_queue(self):
        # exclusive + auto-delete, server-named
        self.method(1, 50, 10, struct.pack("!H", 0) + shortstr("") + b"\x0c" + table({}))
        args = self.expect(1, 50, 11)
        return args[1:1 + args[0]].decode()

    def publish(self, routing_key, body, content_type, correlation_id, headers):
        """Publishes on the default exchange and returns 'ack' or 'nack' as the broker (or the proxy) answered."""
        self.method(1, 60, 40, struct.pack("!H", 0) + shortstr("") + shortstr(routing_key) + b"\x00")
        flags = (1 << 15) | (1 << 13) | (1 << 12) | (1 << 10)  # content_type, headers, delivery_mode, correlation_id
        props = shortstr(content_type) + table(headers) + b"\x02" + shortstr(correlation_id)
        self.frame(2, 1, struct.pack("!HHQH", 60, 0, len(body), flags) + props)
        self.frame(3, 1, body)
        self.published += 1
        ch, cls, mth, args = self.read_method()
        if (cls, mth) == (60, 80):
            answer = "ack"
        elif (cls, mth) == (60, 120):
            answer = "nack"
        else:
            raise AssertionError("expected basic.ack or basic.nack, got %d.%d" % (cls, mth))
        tag = struct.unpack("!Q", args[:8])[0]
        if tag != self.published:
            raise AssertionError("confirm for delivery tag %d, expected %d" % (tag, self.published))
        return answer

    def close(self):
        self.method(0, 10, 50, struct.pack("!H", 200) + shortstr("bye") + struct.pack("!HH", 0, 0))
        try:
            while True:
                ch, cls, mth, _ = self.read_method()
                if (cls, mth) == (10, 51):
                    break
        finally:
            self.sock.close()


# --- the contract --------------------------------------------------------------------------------------------------

failures = []


def check(what, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else ": " + str(detail)))
    if not condition:
        failures.append(what)


def main(http_port, amqp_port):
    http = Http(http_port)

    status, body, ctype = http.call("DELETE", "/faults")
    check("DELETE /faults answers 204", status == 204, status)
    status, body, ctype = http.call("DELETE", "/traffic")
    check("DELETE /traffic answers 204", status == 204, status)
    status, body, ctype = http.call("GET", "/faults")
    check("GET /faults answers 200 {\"faults\": []}", status == 200 and body == {"faults": []}, (status, body))
    check("JSON is application/json", ctype is not None and ctype.startswith("application/json"), ctype)

    for rule, field in [({"on": "basic.publish", "action": "explode"}, "action"),
                        ({"on": "basic.publish", "action": "delay"}, "ms"),
                        ({"on": 5, "action": "nack"}, "on"),
                        ({"on": "basic.publish", "action": "nack", "nthh": 2}, "nthh"),
                        ({"on": "basic.publish", "action": "nack", "nth": 0}, "nth"),
                        ({"on": "basic.publish", "action": "close_channel"}, "code"),
                        ({"on": "basic.frobnicate", "action": "drop"}, "on"),
                        ({"on": "queue.declare", "action": "nack"}, "action")]:
        status, body, _ = http.call("POST", "/faults", rule)
        check("400 naming '%s' for %s" % (field, json.dumps(rule)),
              status == 400 and isinstance(body, dict) and ("'%s'" % field) in body.get("error", ""), (status, body))
    status, body, _ = http.call("POST", "/faults", b"{\"on\": ")
    check("400 for a body that is not JSON", status == 400 and "error" in body, (status, body))

    amqp = Amqp(amqp_port, "python-contract")
    queue = amqp.declare_queue()
    status, body, _ = http.call("POST", "/faults", {"on": "basic.publish", "routing_key": queue, "nth": 2,
                                                   "action": "nack"})
    check("POST /faults answers 201 {\"id\": ...}", status == 201 and isinstance(body.get("id"), str), (status, body))
    rule_id = body["id"]

    headers = {"x-test": "yes"}
    answers = [amqp.publish(queue, ("message %d" % i).encode(), "text/plain", "c-%d" % i, headers)
               for i in (1, 2, 3)]
    check("the 2nd publish, and only it, is nacked", answers == ["ack", "nack", "ack"], answers)

    status, body, _ = http.call("GET", "/faults")
    faults = body.get("faults", []) if status == 200 else []
    check("GET /faults lists the rule with its fields and 1 hit",
          len(faults) == 1 and faults[0].get("id") == rule_id and faults[0].get("on") == "basic.publish"
          and faults[0].get("routing_key") == queue and faults[0].get("nth") == 2 and faults[0].get("times") == 1
          and faults[0].get("action") == "nack" and faults[0].get("hits") == 1, (status, body))

    status, body, _ = http.call("GET", "/traffic")
    published = [p for p in body.get("published", []) if p.get("routing_key") == queue] if status == 200 else []
    check("GET /traffic has the 3 publishes", len(published) == 3, (status, body))
    if len(published) == 3:
        first = published[0]
        check("a publish names its connection, user, vhost, channel and exchange",
              first.get("connection_name") == "python-contract" and first.get("user") == "guest"
              and first.get("vhost") == "/" and first.get("channel") == 1 and first.get("exchange") == ""
              and first.get("mandatory") is False, first)
        check("properties by their snake_case names",
              first.get("properties") == {"content_type": "text/plain", "headers": {"x-test": "yes"},
                                          "delivery_mode": 2, "correlation_id": "c-1"}, first.get("properties"))
        check("body_base64 is the body", base64.b64decode(first.get("body_base64", "")) == b"message 1", first)
        check("outcomes: confirmed, nacked, confirmed",
              [p.get("outcome") for p in published] == ["confirmed", "nacked", "confirmed"], published)
    connections = [c for c in body.get("connections", []) if c.get("connection_name") == "python-contract"]
    check("GET /traffic lists the client connection", len(connections) == 1 and connections[0].get("user") == "guest",
          body.get("connections"))
    check("GET /traffic counts what was dropped", body.get("dropped") == 0, body.get("dropped"))

    status, _, _ = http.call("DELETE", "/faults/" + rule_id)
    check("DELETE /faults/{id} answers 204", status == 204, status)
    status, body, _ = http.call("GET", "/faults")
    check("the rule is gone", status == 200 and body == {"faults": []}, (status, body))
    status, body, _ = http.call("DELETE", "/faults/no-such-rule")
    check("DELETE of an unknown id answers 404", status == 404 and "error" in body, (status, body))
    check("the publish after the rule's removal is acked",
          amqp.publish(queue, b"after", "text/plain", "c-4", headers) == "ack")
    amqp.close()

    status, _, _ = http.call("DELETE", "/traffic")
    check("DELETE /traffic answers 204", status == 204, status)
    status, body, _ = http.call("GET", "/traffic")
    check("and clears it", status == 200 and body.get("published") == [] and body.get("dropped") == 0, body)

    return 0 if not failures else 1


if __name__ == "__main__":
    try:
        sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
    except Exception as e:  # a crash is a failed contract too, with its reason on the last line
        print("FAIL crashed: %r" % (e,))
        sys.exit(1)
