"""A confluent-kafka-python (librdkafka) group consumer for GroupClientsIT.

Usage: group_consumer.py BOOTSTRAP GROUP TOPIC COUNT TIMEOUT_S

Subscribes to TOPIC as a member of GROUP, consumes until COUNT records arrived (or TIMEOUT_S passed),
commits synchronously, prints one line per record ("R <partition> <offset> <value as hex>") and then
"count=<n>", and closes (leaving the group). Exit status 0 when COUNT records arrived, 2 otherwise.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaException


def main():
    bootstrap, group, topic, count, timeout_s = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "client.id": "python-" + group,
    })
    consumer.subscribe([topic])
    got = 0
    deadline = time.monotonic() + timeout_s
    try:
        while got < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            print("R %d %d %s" % (msg.partition(), msg.offset(), msg.value().hex()))
            got += 1
        if got > 0:
            consumer.commit(asynchronous=False)
        print("count=%d" % got)
        sys.stdout.flush()
    finally:
        consumer.close()
    sys.exit(0 if got == count else 2)


if __name__ == "__main__":
    main()
