#!/usr/bin/env python3
"""Reads fmselect's subset topic with confluent-kafka's own Avro support, through the schema registry.

fmselect run --schema-registry URL writes its records in the Confluent wire format (byte 0, the 4-byte
schema id, Avro binary), the value schema registered under '<topic>-value'; the key is the sample id as a
UTF-8 string (not Avro). This script reads a topic from its beginning to its end (then stops) and prints each
record as one JSON line: the key, the schema id, and the record's fields (windowEnd in epoch milliseconds).

Needs python3-confluent-kafka (1.7 or later) with python3-avro and python3-requests, as
clients/python/install-deps.sh installs them:

    python3 clients/python/examples/subset_confluent_avro.py --bootstrap-servers localhost:9092 \\
        --topic subset --schema-registry http://localhost:8081/apis/ccompat/v7
"""
import argparse
import datetime
import json
import struct
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.avro import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer import SerializerError
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def millis(value):
    """A timestamp-millis field as Avro's Python library gives it (an aware datetime) in epoch milliseconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", default="subset")
    parser.add_argument("--schema-registry", required=True, help="the registry's Confluent-compatible API's URL")
    parser.add_argument("--timeout-s", type=float, default=30, help="give up when the end is not reached by then")
    args = parser.parse_args()

    try:
        read(args)
    except KafkaException as e:
        sys.exit(f"subset_confluent_avro: Kafka at {args.bootstrap_servers}: {e.args[0].str()}")
    except SerializerError as e:
        # a record not in the Confluent wire format, or a schema the registry cannot give
        sys.exit(f"subset_confluent_avro: {e}")
    except OSError as e:
        sys.exit(f"subset_confluent_avro: schema registry at {args.schema_registry}: {e}")


def read(args):
    """Prints every record of the topic, from its beginning to the end it has now."""
    values = MessageSerializer(CachedSchemaRegistryClient({"url": args.schema_registry}))
    # log_level 0: librdkafka's own connection warnings stay quiet; a failure is one line (above)
    consumer = Consumer({"bootstrap.servers": args.bootstrap_servers, "group.id": "subset-confluent-avro",
                         "enable.auto.commit": False, "enable.partition.eof": True, "log_level": 0})
    try:
        metadata = consumer.list_topics(args.topic, timeout=10).topics[args.topic]
        if metadata.error is not None:
            sys.exit(f"subset_confluent_avro: topic {args.topic}: {metadata.error.str()}")
        partitions = sorted(metadata.partitions)
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])
        at_end = set()
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=args.timeout_s)
        while len(at_end) < len(partitions):
            if datetime.datetime.now() > deadline:
                sys.exit(f"subset_confluent_avro: the end of {args.topic} not reached in {args.timeout_s} s")
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is not None:
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(msg.partition())
                    continue
                raise KafkaException(msg.error())
            at_end.discard(msg.partition())
            try:
                record = values.decode_message(msg.value())
            except SerializerError as e:
                raise SerializerError(f"{args.topic} partition {msg.partition()} offset {msg.offset()}: {e}") from e
            record["windowEnd"] = millis(record["windowEnd"])
            out = {"key": msg.key().decode("utf-8"), "schemaId": struct.unpack(">I", msg.value()[1:5])[0]}
            out.update(record)
            print(json.dumps(out, sort_keys=True))
    finally:
        consumer.close()

if __name__ == "__main__":
    main()
