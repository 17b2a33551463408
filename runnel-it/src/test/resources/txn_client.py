# confluent-kafka-python (librdkafka) transactions against a broker: commits "c1", "c2", aborts "a1", commits
# "c3" (one transactional producer), then reads the topic from the start with a read_committed and a
# read_uncommitted consumer. Prints key=value lines: committed=<values>, uncommitted=<values> (comma-separated,
# in offset order), or error=<message>.
# Usage: txn_client.py <bootstrap> <topic> <transactional.id>
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, topic, txn_id = sys.argv[1], sys.argv[2], sys.argv[3]


def read(isolation, expected):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "py-" + isolation, "isolation.level": isolation,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    deadline = time.monotonic() + 30
    while len(values) < expected and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        values.append(m.value().decode())
    # one more short poll: anything beyond the expected count shows up too
    m = c.poll(1.0)
    if m is not None and not m.error():
        values.append(m.value().decode())
    c.close()
    return values


try:
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
    p.init_transactions(30)
    for values, commit in ((["c1", "c2"], True), (["a1"], False), (["c3"], True)):
        p.begin_transaction()
        for v in values:
            p.produce(topic, value=v.encode(), partition=0)
        p.flush(30)
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    print("committed=%s" % ",".join(read("read_committed", 3)), flush=True)
    print("uncommitted=%s" % ",".join(read("read_uncommitted", 4)), flush=True)
except KafkaException as e:
    print("error=%s" % e.args[0].str(), flush=True)
