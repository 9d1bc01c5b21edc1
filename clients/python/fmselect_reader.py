#!/usr/bin/python3
"""Follow fmselect's subset from Python: committed windows only, the current subset after each.

    from fmselect_reader import SubsetReader
    with SubsetReader("127.0.0.1:9092", "subset") as reader:
        for window in reader.windows():             # follows until stopped; catch_up() reads to the end once
            train(window.subset, window.joined, window.left)

It reads the subset topic and its '<topic>-windows' topic with isolation.level=read_committed and applies
a window end only once it holds as many of its records as the window's mark counts, so it never shows half
a window (a window's records are spread over several Kafka transactions). On a compacted topic an old
window may have lost records to later ones: it is taken as whole once a later one is and every partition
is read to its end. Records that do not decode are skipped and counted (`skipped`).

Needs Debian's python3-confluent-kafka and python3-avro (clients/python/install-deps.sh installs them).
As a command: python3 clients/python/fmselect_reader.py --help
"""

import argparse
import io
import json
import os
import struct
import sys
import time
import types
from collections import namedtuple

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, TopicPartition

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA_DIRS = [os.path.join(ROOT, "schemas"), os.path.join(ROOT, "src", "main", "resources", "schemas", "v1")]
SETTLE_S = 5.0

Window = namedtuple("Window", "window_end joined left relabeled selected subset")
"""One committed window end (ms): its records by event, the subset's size after it, and the subset itself
(a read-only view of id -> latest record, current as of this window while the iteration is at it)."""


def _fingerprint(text):
    """Avro's 64-bit Rabin fingerprint (CRC-64-AVRO) of a schema's canonical form."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in text.encode("utf-8"):
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def _canonical(schema, namespace=None):
    """Avro's Parsing Canonical Form of a schema given as parsed JSON (logical types reduce to their type)."""
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return json.dumps(schema)
        return json.dumps(schema if "." in schema or not namespace else namespace + "." + schema)
    if isinstance(schema, list):
        return "[" + ",".join(_canonical(s, namespace) for s in schema) + "]"
    t = schema["type"]
    if t in PRIMITIVES:
        return json.dumps(t)
    if t in ("array", "map"):
        key = "items" if t == "array" else "values"
        return '{"type":%s,"%s":%s}' % (json.dumps(t), key, _canonical(schema[key], namespace))
    name = schema["name"]
    if "." not in name and schema.get("namespace", namespace):
        name = schema.get("namespace", namespace) + "." + name
    inner = name.rsplit(".", 1)[0] if "." in name else None
    out = '{"name":%s,"type":%s' % (json.dumps(name), json.dumps(t))
    if t == "record":
        out += ',"fields":[' + ",".join('{"name":%s,"type":%s}' % (json.dumps(f["name"]), _canonical(f["type"], inner))
                                        for f in schema["fields"]) + "]"
    elif t == "enum":
        out += ',"symbols":' + json.dumps(schema["symbols"], separators=(",", ":"))
    elif t == "fixed":
        out += ',"size":%d' % schema["size"]
    return out + "}"


def _schemas(name):
    """Every shipped version of a schema, by the fingerprint the single-object encoding carries."""
    out = {}
    for d in SCHEMA_DIRS:
        path = os.path.join(d, name + ".avsc")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            out[struct.pack("<Q", _fingerprint(_canonical(json.loads(text))))] = avro.schema.parse(text)
    if not out:
        raise RuntimeError("no %s.avsc under %s" % (name, " or ".join(SCHEMA_DIRS)))
    return out


def _decode(value, schemas):
    """A record in Avro's single-object encoding (C3 01, fingerprint, body); ValueError if it is not one."""
    if value is None or len(value) < 10 or value[0:2] != b"\xc3\x01":
        raise ValueError("not Avro single-object encoded")
    schema = schemas.get(value[2:10])
    if schema is None:
        raise ValueError("unknown schema fingerprint %s" % value[2:10].hex())
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))


def _millis(t):
    return t if isinstance(t, int) else int(round(t.timestamp() * 1000))


class SubsetReader:
    """The subset as a training loop sees it; `selected` maps id -> its latest record (a dict)."""

    def __init__(self, bootstrap_servers, topic="subset", config=None, timeout=30.0):
        self.topic = topic
        self.windows_topic = topic + "-windows"
        self.selected = {}
        self._view = types.MappingProxyType(self.selected)
        self.latest = {}
        self.window_end = None
        self.skipped = 0
        self._pending = {}
        self._marks = {}
        self._announced = {}
        self._changes = _schemas("SubsetChange")
        self._windows = _schemas("SubsetWindow")
        conf = {"bootstrap.servers": bootstrap_servers, "group.id": "fmselect-reader-%d" % os.getpid(),
                "isolation.level": "read_committed", "enable.auto.commit": False,
                "allow.auto.create.topics": False, "auto.offset.reset": "earliest",
                "log_level": 2}  # librdkafka's own lines: critical only; failures come as one line from here
        conf.update(config or {})
        self._consumer = Consumer(conf)
        try:
            meta = self._consumer.list_topics(timeout=timeout)
        except KafkaException:
            self._consumer.close()
            raise ConnectionError("cannot reach Kafka at %s within %d s" % (bootstrap_servers, timeout))
        parts = []
        for t in (topic, self.windows_topic):
            m = meta.topics.get(t)
            if m is None or m.error is not None or not m.partitions:
                self._consumer.close()
                raise LookupError("topic '%s' does not exist" % t)
            parts += [TopicPartition(t, p, 0) for p in sorted(m.partitions)]
        self._parts = parts
        self._consumer.assign(parts)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._consumer.close()

    def catch_up(self, timeout=60.0):
        """Reads both topics to their ends as of now; returns the windows applied. The subset is `selected`."""
        return list(self._catching_up(timeout))

    def windows(self, catch_up=True, stop=lambda: False):
        """Yields each committed window (those already in the topics first, unless catch_up=False) until stop()
        is true; while the caller holds a window, `window.subset` is the subset at that window."""
        if catch_up:
            yield from self._catching_up(60.0)
        while not stop():
            yield from self.poll()

    def _catching_up(self, timeout):
        ends = self._ends(timeout)
        deadline = time.monotonic() + timeout
        while not self._reached(ends):
            if time.monotonic() > deadline:
                raise TimeoutError("did not reach the end of '%s' within %d s" % (self.topic, timeout))
            yield from self.poll()
        yield from self._apply(caught_up=True)  # everything committed before the call is read

    def _ends(self, timeout=10.0):
        return {(p.topic, p.partition): self._consumer.get_watermark_offsets(p, timeout=timeout)[1]
                for p in self._parts}

    def _reached(self, ends):
        for p in self._consumer.position(self._parts):
            if p.offset < ends[(p.topic, p.partition)] and not (p.offset < 0 and ends[(p.topic, p.partition)] == 0):
                return False
        return True

    def poll(self, wait=0.2):
        """Reads what is there (waiting up to `wait` s), then yields each window that became whole, just after
        applying it (so `selected` is the subset at that window while the caller looks at it)."""
        msgs = self._consumer.consume(num_messages=1, timeout=wait)  # a batch call waits for all it asks for
        while msgs and len(msgs) < 20000:  # then what is already fetched, without waiting
            more = self._consumer.consume(num_messages=5000, timeout=0)
            if not more:
                break
            msgs += more
        for msg in msgs:
            if msg.error():
                raise KafkaException(msg.error())
            try:
                if msg.topic() == self.topic:
                    c = _decode(msg.value(), self._changes)
                    if c.get("event") is not None:
                        self._pending.setdefault(_millis(c["windowEnd"]), []).append(c)
                else:
                    m = _decode(msg.value(), self._windows)
                    w = _millis(m["windowEnd"])
                    self._marks[w] = m
                    self._announced[w] = time.monotonic()
            except Exception as e:  # noqa: BLE001: any record that does not decode is skipped
                self.skipped += 1
                if self.skipped <= 10 or self.skipped % 1000 == 0:
                    print("fmselect_reader: skipped %s partition %d offset %d: does not decode (%s); %d skipped so far"
                          % (msg.topic(), msg.partition(), msg.offset(), e, self.skipped), file=sys.stderr)
        yield from self._apply(caught_up=False)

    def _settled(self, w):
        at = self._announced.get(w)
        return at is not None and time.monotonic() - at >= SETTLE_S and self._reached(self._ends())

    def _apply(self, caught_up):
        last = latest_complete = None
        gap = False
        for w in sorted(self._marks):
            if len(self._pending.get(w, ())) >= self._marks[w]["events"]:
                latest_complete = w
                if not gap:
                    last = w
            else:
                gap = True
        if latest_complete is not None and latest_complete != last and (caught_up or self._settled(latest_complete)):
            last = latest_complete
        if last is None:
            return
        for w in sorted(x for x in self._marks if x <= last):
            joined, left, relabeled = [], [], []
            for pw in sorted(x for x in self._pending if x <= w):
                for c in self._pending.pop(pw):
                    prev = self.latest.get(c["id"])
                    if prev is not None and prev["version"] > c["version"]:
                        continue
                    self.latest[c["id"]] = c
                    if c["selected"]:
                        self.selected[c["id"]] = c
                    else:
                        self.selected.pop(c["id"], None)
                    {"JOINED": joined, "LEFT": left}.get(c["event"], relabeled).append(c)
            del self._marks[w]
            self._announced.pop(w, None)
            self.window_end = w
            yield Window(w, joined, left, relabeled, len(self.selected), self._view)


def _write(path, selected, fmt):
    """Replaces the manifest atomically: ids, or one JSON object per selected sample (id -> record)."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        for i in sorted(selected):
            if fmt == "ids":
                f.write(i + "\n")
            else:
                c = selected[i]
                f.write(json.dumps({"id": i, "label": c["label"], "score": c["score"], "ram": c["ram"],
                                    "apl": c["apl"], "rank": c["rank"], "class_size": c["classSize"],
                                    "budget": c["budget"], "event": c["event"],
                                    "window_end": _millis(c["windowEnd"]), "metadata": c["metadata"]},
                                   separators=(",", ":")) + "\n")
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Writes fmselect's current subset (committed windows only); "
                                             "with --follow keeps it current until stopped.")
    ap.add_argument("--bootstrap-servers", required=True)
    ap.add_argument("--topic", default="subset")
    ap.add_argument("--out", required=True, help="manifest to write (replaced atomically)")
    ap.add_argument("--format", choices=["ids", "jsonl"], default="ids")
    ap.add_argument("--follow", action="store_true", help="keep the manifest current after every window")
    ap.add_argument("--max-windows", type=int, default=0, help="with --follow: stop after N windows (0: never)")
    ap.add_argument("--timeout-s", type=float, default=30.0)
    a = ap.parse_args(argv)
    try:
        with SubsetReader(a.bootstrap_servers, a.topic, timeout=a.timeout_s) as reader:
            reader.catch_up(a.timeout_s)
            _write(a.out, reader.selected, a.format)
            print("%d selected at window end %s -> %s%s" % (len(reader.selected), reader.window_end, a.out,
                  "; %d records skipped: they do not decode" % reader.skipped if reader.skipped else ""), flush=True)
            seen = 0
            done = lambda: not a.follow or (a.max_windows and seen >= a.max_windows)  # noqa: E731
            for w in reader.windows(catch_up=False, stop=done):
                _write(a.out, w.subset, a.format)
                print("window end %d: %d selected, %d joined, %d left, %d relabeled"
                      % (w.window_end, w.selected, len(w.joined), len(w.left), len(w.relabeled)), flush=True)
                seen += 1
                if done():
                    break
    except (ConnectionError, LookupError, TimeoutError, KafkaException) as e:
        print("fmselect_reader: %s" % e, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
