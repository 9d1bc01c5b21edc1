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
is read to its end. Records that do not decode are skipped and counted (`skipped`). A follower started
before the job has created the topics (windows(), or --follow) waits for them; catch_up() raises
LookupError if one does not exist.

Records may be in either of fmselect's framings, told apart by their first bytes: Avro's single-object
encoding (C3 01, the schema's fingerprint; read with the schema files alone) or the Confluent wire format
(00, a schema id; written when the job has a schema registry). A Confluent record's writer schema comes from
the registry (schema_registry="http://registry:8080/apis/ccompat/v7", or --schema-registry URL; basic auth
from schema.registry.basic.auth.user.info in `config` or --kafka-properties). Either way a record of an older
or newer schema version reads as the current schema: fields it lacks at their defaults, fields the reader does
not know dropped. Without a registry Confluent records are skipped, with one line that says a registry is
needed; a registry that cannot be reached (or refuses the credentials) raises RegistryError, with nothing lost:
called again, the reader reads on from the record that needed it.

Needs Debian's python3-confluent-kafka and python3-avro for the system's /usr/bin/python3
(clients/python/install-deps.sh installs them). As a command, from the repository's root:

    /usr/bin/python3 clients/python/fmselect_reader.py --help

or, in clients/python, ./fmselect_reader.py --help (its first line names /usr/bin/python3).
"""

import argparse
import base64
import datetime
import io
import json
import os
import re
import stat
import struct
import sys
import time
import types
import urllib.error
import urllib.parse
import urllib.request
from collections import namedtuple

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, TopicPartition

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA_DIRS = [os.path.join(ROOT, "schemas"),  # the current versions first: what records are read as
               os.path.join(ROOT, "fmselect-wire", "src", "main", "resources", "schemas", "v1")]
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
    """Every shipped version of a schema, by the fingerprint the single-object encoding carries, and the
    current one (the first of SCHEMA_DIRS that has it): (versions, current)."""
    out = {}
    current = None
    for d in SCHEMA_DIRS:
        path = os.path.join(d, name + ".avsc")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            schema = avro.schema.parse(text)
            out[struct.pack("<Q", _fingerprint(_canonical(json.loads(text))))] = schema
            if current is None:
                current = schema
    if not out:
        raise RuntimeError("no %s.avsc under %s" % (name, " or ".join(SCHEMA_DIRS)))
    return out, current


class RegistryError(Exception):
    """The schema registry cannot be reached, failed (5xx) or refuses the credentials: the records that need
    it may be fine, so they are not skipped."""


class NeedsRegistry(ValueError):
    """A record in the Confluent wire format, read without a schema registry."""

    def __init__(self, schema_id):
        super().__init__("in the Confluent wire format (schema id %d), and no schema registry is given to resolve it"
                         % schema_id)
        self.schema_id = schema_id


class SchemaRegistry:
    """What a reader needs of a schema registry's Confluent-compatible REST API (Confluent Schema Registry,
    or Apicurio Registry at /apis/ccompat/v7): writer schemas by id (GET /schemas/ids/ID), each fetched once
    (a registry never changes what an id means). user_info "USER:PASSWORD" for HTTP basic auth."""

    def __init__(self, url, user_info=None, timeout=10.0):
        u = url.strip().rstrip("/")
        parsed = urllib.parse.urlparse(u)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("schema registry URL '%s' is not an http:// or https:// URL" % url)
        self.url = u
        self._auth = None if not user_info else "Basic " + base64.b64encode(user_info.encode("utf-8")).decode("ascii")
        self._timeout = timeout
        self._schemas = {}

    def schema(self, schema_id):
        """The Avro schema with this id. ValueError if the registry has none (or not an Avro one), RegistryError
        if it cannot be asked."""
        known = self._schemas.get(schema_id)
        if known is not None:
            return known
        req = urllib.request.Request(self.url + "/schemas/ids/%d" % schema_id,
                                     headers={"Accept": "application/vnd.schemaregistry.v1+json, application/json"})
        if self._auth:
            req.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as r:
                body = json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code >= 500:
                raise RegistryError("the schema registry at %s failed: HTTP %d on GET /schemas/ids/%d"
                                    % (self.url, e.code, schema_id)) from None
            if e.code in (401, 403):
                raise RegistryError("the schema registry at %s refuses the credentials: HTTP %d (give them as "
                                    "schema.registry.basic.auth.user.info=USER:PASSWORD in --kafka-properties)"
                                    % (self.url, e.code)) from None
            raise ValueError("the schema registry at %s has no schema with id %d: HTTP %d"
                             % (self.url, schema_id, e.code)) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, ConnectionRefusedError):
                reason = "connection refused"
            raise RegistryError("cannot reach the schema registry at %s: %s" % (self.url, reason)) from None
        except ValueError:
            raise ValueError("the schema registry at %s answered GET /schemas/ids/%d with something not JSON"
                             % (self.url, schema_id)) from None
        kind = body.get("schemaType") or "AVRO"
        if kind.upper() != "AVRO":
            raise ValueError("schema id %d in the schema registry at %s is %s, not Avro" % (schema_id, self.url, kind))
        try:
            schema = avro.schema.parse(body["schema"])
        except Exception as e:  # noqa: BLE001: whatever the parser says of it
            raise ValueError("schema id %d in the schema registry at %s is not an Avro schema: %s"
                             % (schema_id, self.url, e)) from None
        self._schemas[schema_id] = schema
        return schema


class Decoder:
    """Decodes the records of one of fmselect's schemas (e.g. "SubsetChange") in either framing, as the
    current version of that schema: Avro single-object encoding (its writer schema by fingerprint among the
    shipped schema files) or the Confluent wire format (its writer schema by id from `registry`, None: such
    records raise NeedsRegistry)."""

    def __init__(self, name, registry=None):
        self.name = name
        versions, self.schema = _schemas(name)
        self._single = {fp: avro.io.DatumReader(w, self.schema) for fp, w in versions.items()}
        self._registry = registry
        self._by_id = {}

    def decode(self, value):
        """The record as a dict of the current schema's fields. ValueError if it is not a record of this schema
        in either framing, NeedsRegistry for a Confluent record without a registry, RegistryError if the
        registry that would resolve it cannot be asked."""
        if not value:
            raise ValueError("an empty record")
        if value[0:2] == b"\xc3\x01" and len(value) >= 10:
            reader = self._single.get(value[2:10])
            if reader is None:
                raise ValueError("unknown schema fingerprint %s" % value[2:10].hex())
            return reader.read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
        if value[0] == 0 and len(value) >= 5:
            schema_id = struct.unpack(">i", value[1:5])[0]
            if self._registry is None:
                raise NeedsRegistry(schema_id)
            reader = self._by_id.get(schema_id)
            if reader is None:
                reader = self._by_id[schema_id] = avro.io.DatumReader(self._registry.schema(schema_id), self.schema)
            body = io.BytesIO(value[5:])
            try:
                datum = reader.read(avro.io.BinaryDecoder(body))
            except Exception as e:  # noqa: BLE001: a datum of another schema, or cut short
                raise ValueError("not a %s (schema id %d, %s): %s"
                                 % (self.name, schema_id, reader.writers_schema.fullname, e)) from None
            if body.tell() != len(value) - 5:
                raise ValueError("not a %s (schema id %d): %d bytes, of which the datum ends before the last"
                                 % (self.name, schema_id, len(value) - 5))
            return datum
        raise ValueError("neither Avro single-object encoding (C3 01 ...) nor the Confluent wire format"
                         " (00 and a schema id): starts %s" % " ".join("%02X" % b for b in value[:4])
                         + (" ..." if len(value) > 4 else ""))


def _millis(t):
    return t if isinstance(t, int) else int(round(t.timestamp() * 1000))


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def iso(ms):
    """A window end (ms since the epoch) as the JVM prints an Instant: 1970-01-01T00:00:02Z, .500 when it has ms."""
    t = EPOCH + datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % (ms % 1000) if ms % 1000 else "") + "Z"


def java_double(x):
    """A double as Java's Double.toString writes it (the shortest digits that read back as x; E notation
    below 1e-3 and from 1e7 on), so that this reader's CSV equals `bin/fmselect subset --format csv`'s (on Java
    17 a few values from 1e16 on differ: its Double.toString writes them with one digit more)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    sign = "-" if x < 0 else ""
    digits, exp = repr(abs(x)).lower().split("e") if "e" in repr(x) else (repr(abs(x)), "0")
    mantissa = digits.replace(".", "")
    point = (digits.index(".") if "." in digits else len(digits)) + int(exp)  # digits before the point
    lead = len(mantissa) - len(mantissa.lstrip("0"))
    mantissa, point = mantissa.strip("0"), point - lead  # significant digits d1 d2 ..., value 0.d1d2... * 10^point
    if 1e-3 <= abs(x) < 1e7:
        if point <= 0:
            return sign + "0." + "0" * -point + mantissa
        whole, frac = mantissa[:point].ljust(point, "0"), mantissa[point:]
        return sign + whole + "." + (frac or "0")
    return sign + mantissa[0] + "." + (mantissa[1:] or "0") + "E" + str(point - 1)


REGISTRY_URL = "schema.registry.url"
REGISTRY_USER_INFO = "schema.registry.basic.auth.user.info"


def registry_of(config, url=None):
    """The schema registry at `url`, else at the config's schema.registry.url (None if neither names one), with
    the config's schema.registry.basic.auth.user.info (or basic.auth.user.info) as its credentials."""
    config = config or {}
    url = url or config.get(REGISTRY_URL)
    if not url:
        return None
    return SchemaRegistry(url, config.get(REGISTRY_USER_INFO, config.get("basic.auth.user.info")))


def kafka_only(config):
    """Kafka client settings without the schema registry's (librdkafka refuses settings it does not know)."""
    return {k: v for k, v in (config or {}).items() if not k.startswith(("schema.registry.", "basic.auth."))}


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text):
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def read_properties(path):
    """A Java properties file as a dict: key=value, key: value or key value lines; # and ! comments; a line
    ending in an odd number of backslashes goes on on the next. OSError if it cannot be read."""
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = iter(f.read().splitlines())
    for line in lines:
        line = line.lstrip()
        if not line or line[0] in "#!":
            continue
        while (len(line) - len(line.rstrip("\\"))) % 2 == 1:
            line = line[:-1] + next(lines, "").lstrip()
        m = re.match(r"((?:[^\\=:\s]|\\.)*)\s*[=:]?\s*(.*)$", line)
        out[_unescape(m.group(1))] = _unescape(m.group(2))
    return out


class SubsetReader:
    """The subset as a training loop sees it; `selected` maps id -> its latest record (a dict).

    `config`: librdkafka settings, plus the schema registry's (schema.registry.url, and
    schema.registry.basic.auth.user.info = USER:PASSWORD) if it has any; `schema_registry`: the registry's URL
    (overrides schema.registry.url). With neither, Confluent-framed records are skipped (see the module's doc)."""

    def __init__(self, bootstrap_servers, topic="subset", config=None, timeout=30.0, schema_registry=None):
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
        self.registry = registry_of(config, schema_registry)
        self._changes = Decoder("SubsetChange", self.registry)
        self._windows = Decoder("SubsetWindow", self.registry)
        self._told_registry = False
        conf = {"bootstrap.servers": bootstrap_servers, "group.id": "fmselect-reader-%d" % os.getpid(),
                "isolation.level": "read_committed", "enable.auto.commit": False,
                "allow.auto.create.topics": False, "auto.offset.reset": "earliest",
                "log_level": 2}  # librdkafka's own lines: critical only; failures come as one line from here
        conf.update(kafka_only(config))
        self._servers = bootstrap_servers
        self._timeout = timeout
        self._parts = None
        self._consumer = Consumer(conf)
        try:
            self._missing()
        except ConnectionError:
            self._consumer.close()
            raise

    def _missing(self):
        """Looks the subset and windows topics up: assigns their partitions once both exist; returns the first
        that does not (None once both do). ConnectionError if the broker does not answer within the timeout."""
        if self._parts is not None:
            return None
        try:
            meta = self._consumer.list_topics(timeout=self._timeout)
        except KafkaException:
            raise ConnectionError("cannot reach Kafka at %s within %d s" % (self._servers, self._timeout)) from None
        parts = []
        for t in (self.topic, self.windows_topic):
            m = meta.topics.get(t)
            if m is None or m.error is not None or not m.partitions:
                return t
            parts += [TopicPartition(t, p, 0) for p in sorted(m.partitions)]
        self._parts = parts
        self._consumer.assign(parts)
        return None

    def wait_for_topics(self, stop=lambda: False, waiting=None):
        """Returns True once both topics exist, False if stop() is true first: a follower started before the job
        has created them waits. If one is missing, first calls waiting(topic) once (default: prints "waiting for
        topic 'TOPIC' on SERVERS" on stderr), then looks again every half second."""
        told = False
        while True:
            missing = self._missing()
            if missing is None:
                return True
            if stop():
                return False
            if not told:
                if waiting is None:
                    print("waiting for topic '%s' on %s" % (missing, self._servers), file=sys.stderr, flush=True)
                else:
                    waiting(missing)
                told = True
            time.sleep(0.5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._consumer.close()

    def catch_up(self, timeout=60.0):
        """Reads both topics to their ends as of now; returns the windows applied. The subset is `selected`.
        LookupError if a topic does not exist."""
        missing = self._missing()
        if missing is not None:
            raise LookupError("topic '%s' does not exist" % missing)
        return list(self._catching_up(timeout))

    def windows(self, catch_up=True, stop=lambda: False, waiting=None):
        """Yields each committed window (those already in the topics first, unless catch_up=False) until stop()
        is true; while the caller holds a window, `window.subset` is the subset at that window. Waits for
        topics that do not exist yet (see wait_for_topics); catching up must reach the end within the reader's
        timeout (TimeoutError otherwise)."""
        if not self.wait_for_topics(stop, waiting):
            return
        if catch_up:
            yield from self._catching_up(self._timeout)
        while not stop():
            yield from self.poll()

    def _catching_up(self, timeout):
        """Reads to the ends as of now; gives up (TimeoutError) only after `timeout` s in which nothing was
        read, so a large topic that keeps coming in is read whole, as `subset` does."""
        ends = self._ends(timeout)
        deadline = time.monotonic() + timeout
        last = None
        while not self._reached(ends):
            now = [(p.topic, p.partition, p.offset) for p in self._consumer.position(self._parts)]
            if now != last:  # progress: the time without any starts again
                last = now
                deadline = time.monotonic() + timeout
            if time.monotonic() > deadline:
                raise TimeoutError("did not reach the end of '%s': nothing read for %d s" % (self.topic, timeout))
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
        for i, msg in enumerate(msgs):
            if msg.error():
                raise KafkaException(msg.error())
            try:
                if msg.topic() == self.topic:
                    c = self._changes.decode(msg.value())
                    if c.get("event") is not None:
                        self._pending.setdefault(_millis(c["windowEnd"]), []).append(c)
                else:
                    m = self._windows.decode(msg.value())
                    w = _millis(m["windowEnd"])
                    self._marks[w] = m
                    self._announced[w] = time.monotonic()
            except RegistryError:
                self._unread(msgs[i:])
                raise
            except NeedsRegistry as e:
                self.skipped += 1
                if not self._told_registry:
                    self._told_registry = True
                    print("fmselect_reader: %s partition %d offset %d is in the Confluent wire format (schema id %d):"
                          " reading such records needs the schema registry that holds their schemas (--schema-registry"
                          " URL); they are skipped" % (msg.topic(), msg.partition(), msg.offset(), e.schema_id),
                          file=sys.stderr)
            except Exception as e:  # noqa: BLE001: any record that does not decode is skipped
                self.skipped += 1
                if self.skipped <= 10 or self.skipped % 1000 == 0:
                    print("fmselect_reader: skipped %s partition %d offset %d: does not decode (%s); %d skipped so far"
                          % (msg.topic(), msg.partition(), msg.offset(), e, self.skipped), file=sys.stderr)
        yield from self._apply(caught_up=False)

    def _unread(self, msgs):
        """Sets each partition of `msgs` back to the first of them, so that the next poll reads them again."""
        first = {}
        for msg in msgs:
            key = (msg.topic(), msg.partition())
            first[key] = min(first.get(key, msg.offset()), msg.offset())
        for (t, p), offset in first.items():
            self._consumer.seek(TopicPartition(t, p, offset))

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


CSV_HEADER = "id,label,selected,event,score,ram,apl,rank,class_size,budget,method,window_end,version"


class OutputError(Exception):
    """An --out that cannot be written: the message names the path and why."""


def output_target(path):
    """Where `path` really leads, and so how it is written, as `bin/fmselect` does (OutputTarget.java):
    ("stdout", None) for -, /dev/stdout, /dev/fd/1 and this process's /proc fd 1 ("stderr" for fd 2);
    ("file", real path) for a regular file or nothing yet, a symbolic link followed to its final target,
    written atomically; ("direct", path) for anything else that exists (a device, a FIFO, a /proc file),
    opened and written in place, never replaced by a rename (as root that would replace /dev/null)."""
    if path == "-":
        return "stdout", None
    p = os.path.abspath(path)
    for _ in range(41):  # Linux's limit of links
        parent, name = os.path.split(p)
        if not name:
            raise OutputError("%s: is a directory" % path)
        real_parent = os.path.realpath(parent)
        if not os.path.isdir(real_parent):
            raise OutputError("%s: directory %s does not exist" % (path, parent))
        p = os.path.join(real_parent, name)
        if real_parent == "/proc" or real_parent.startswith("/proc/"):
            # a magic link such as /proc/self/fd/1 leads to "pipe:[1234]", no path: opened as it is
            own_fd = (os.path.basename(real_parent) == "fd"
                      and real_parent.split("/")[2:3] == [str(os.getpid())])
            if own_fd and name in ("1", "2"):
                return ("stdout" if name == "1" else "stderr"), None
            if not os.path.exists(p):
                raise OutputError("%s: does not exist (nothing can be created in /proc)" % path)
            return "direct", p
        if not os.path.islink(p):
            break
        p = os.path.join(real_parent, os.readlink(p))
    else:
        raise OutputError("%s: too many levels of symbolic links" % path)
    try:
        mode = os.lstat(p).st_mode
    except FileNotFoundError:
        return "file", p
    if stat.S_ISREG(mode):
        return "file", p
    if stat.S_ISDIR(mode):
        raise OutputError("%s: is a directory" % path)
    return "direct", p


def check_writable(target):
    """Why this process cannot write `target` (from output_target), or None: a file's folder must be
    writable (a rename replaces the file), a device or FIFO itself (not its folder, e.g. /dev)."""
    kind, p = target
    if kind == "file" and not os.access(os.path.dirname(p), os.W_OK):
        return "directory %s is not writable" % os.path.dirname(p)
    if kind == "direct" and not os.access(p, os.W_OK):
        return "%s is not writable" % p
    return None


def write_output(target, text):
    """Writes `text` to a target from output_target: a file atomically (a temporary file in its real folder,
    then renamed over it; no temporary file is left if that fails), anything else in place."""
    kind, p = target
    if kind in ("stdout", "stderr"):
        stream = sys.stdout if kind == "stdout" else sys.stderr
        stream.write(text)
        stream.flush()
        return
    if kind == "direct":
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return
    folder, name = os.path.split(p)
    tmp = os.path.join(folder, ".%s.%s.tmp" % (name, os.urandom(6).hex()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0666 less the umask, as a new file gets
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')


def _json_str(s):
    """A JSON string as Jackson writes it: UTF-8 as it is, control characters as \\n and the like or \\u00XX."""
    return '"' + _JSON_SPECIAL.sub(lambda m: _JSON_ESCAPES.get(m.group()) or "\\u%04X" % ord(m.group()), s) + '"'


def _json_figure(x):
    """A figure as `bin/fmselect subset` writes it in JSON: as Java writes a double, null if not finite."""
    return "null" if x != x or x in (float("inf"), float("-inf")) else java_double(x)


def jsonl_line(c):
    """One selected sample as `bin/fmselect subset --format jsonl` writes it, byte for byte: the same keys in
    the same order, figures as Java writes doubles (null where not finite: JSON has no NaN), metadata by key."""
    meta = ",".join(_json_str(k) + ":" + _json_str(c["metadata"][k])
                    for k in sorted(c["metadata"], key=lambda k: k.encode("utf-16-be")))  # Java's String order
    return ('{"id":%s,"label":%d,"score":%s,"ram":%s,"apl":%s,"rank":%d,"class_size":%d,"budget":%d,'
            '"event":%s,"window_end":%d,"metadata":{%s}}'
            % (_json_str(c["id"]), c["label"], _json_figure(c["score"]), _json_figure(c["ram"]),
               _json_figure(c["apl"]), c["rank"], c["classSize"], c["budget"],
               "null" if c["event"] is None else _json_str(c["event"]), _millis(c["windowEnd"]), meta))


def _manifest(reader, fmt):
    """The manifest as `bin/fmselect subset` writes it: the selected ids, a CSV of every sample with a
    membership event (its latest record), or one JSON object per selected sample."""
    out = []
    if fmt == "csv":
        out.append(CSV_HEADER + "\n")
        for i in sorted(reader.latest):
            c = reader.latest[i]
            out.append(",".join([i, str(c["label"]), "1" if c["selected"] else "0", str(c["event"] or "null"),
                                 java_double(c["score"]), java_double(c["ram"]), java_double(c["apl"]),
                                 str(c["rank"]), str(c["classSize"]), str(c["budget"]), c["method"],
                                 str(_millis(c["windowEnd"])), str(c["version"])]) + "\n")
    elif fmt == "ids":
        out += [i + "\n" for i in sorted(reader.selected)]
    else:
        out += [jsonl_line(reader.selected[i]) + "\n" for i in sorted(reader.selected)]
    return "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Writes fmselect's current subset (committed windows only); "
                                             "with --follow keeps it current until stopped.")
    ap.add_argument("--bootstrap-servers", required=True)
    ap.add_argument("--topic", default="subset")
    ap.add_argument("--out", required=True, help="manifest to write: - is standard output; a file is "
                    "replaced atomically (a link: its target), a device or FIFO written in place")
    ap.add_argument("--format", choices=["ids", "csv", "jsonl"], default="ids",
                    help="the selected ids (default), a CSV of every sample with a membership event, or JSON lines")
    ap.add_argument("--follow", action="store_true",
                    help="keep the manifest current after every window (waiting for topics not created yet)")
    ap.add_argument("--max-windows", type=int, default=0, help="with --follow: stop after N windows (0: never)")
    ap.add_argument("--timeout-s", type=float, default=30.0)
    ap.add_argument("--schema-registry", metavar="URL",
                    help="the schema registry that resolves records in the Confluent wire format (the job's "
                    "--schema-registry), e.g. http://registry:8080/apis/ccompat/v7")
    ap.add_argument("--kafka-properties", metavar="FILE",
                    help="librdkafka settings (key=value lines), and the schema registry's: schema.registry.url, "
                    "schema.registry.basic.auth.user.info=USER:PASSWORD")
    a = ap.parse_args(argv)
    try:
        config = read_properties(a.kafka_properties) if a.kafka_properties else {}
    except OSError as e:
        print("fmselect_reader: --kafka-properties %s: %s" % (a.kafka_properties, "no such file" if isinstance(
            e, FileNotFoundError) else "cannot read (%s)" % (e.strerror or e)), file=sys.stderr)
        return 2
    try:
        registry_of(config, a.schema_registry)
    except ValueError as e:
        print("fmselect_reader: %s" % e, file=sys.stderr)
        return 2
    try:
        target = output_target(a.out)
        why = check_writable(target)
        if why is not None:
            raise OutputError("%s: %s" % (a.out, why))
    except OutputError as e:  # before anything is read: one line, nothing written
        print("fmselect_reader: %s" % e, file=sys.stderr)
        return 2
    report = sys.stderr if target[0] == "stdout" else sys.stdout  # the manifest alone on standard output
    name = "standard output" if a.out == "-" else a.out
    try:
        with SubsetReader(a.bootstrap_servers, a.topic, config, a.timeout_s, a.schema_registry) as reader:
            if a.follow:
                reader.wait_for_topics()
            reader.catch_up(a.timeout_s)
            write_output(target, _manifest(reader, a.format))
            print("%d selected%s -> %s%s" % (len(reader.selected), "" if reader.window_end is None else
                                             " at window end " + iso(reader.window_end), name,
                  "; %d records skipped: they do not decode" % reader.skipped if reader.skipped else ""),
                  file=report, flush=True)
            seen = 0
            done = lambda: not a.follow or (a.max_windows and seen >= a.max_windows)  # noqa: E731
            for w in reader.windows(catch_up=False, stop=done):
                write_output(target, _manifest(reader, a.format))
                print("window end %s: %d selected, %d joined, %d left, %d relabeled"
                      % (iso(w.window_end), w.selected, len(w.joined), len(w.left), len(w.relabeled)),
                      file=report, flush=True)
                seen += 1
                if done():
                    break
    except (ConnectionError, LookupError, TimeoutError, KafkaException, RegistryError) as e:
        print("fmselect_reader: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:  # the output could not be written
        print("fmselect_reader: %s: %s" % (a.out, e.strerror or e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
