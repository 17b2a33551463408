# confluent-kafka-python (librdkafka) over a secured listener: produces "s0".."s<n-1>" to partition 0 of a topic,
# then reads the partition from the start without a group. The security settings come as a JSON object of
# librdkafka properties (security.protocol, sasl.*, ssl.*). Prints consumed=<values> (comma-separated, offset
# order) or error=<message>.
# Usage: secure_client.py <bootstrap> <topic> <n> <json of librdkafka settings>
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, n, security = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
errors = []


def delivered(err, msg):
    if err is not None:
        errors.append(str(err))


conf = {"bootstrap.servers": bootstrap, "acks": "all"}
conf.update(security)
p = Producer(conf)
for i in range(n):
    p.produce(topic, value=("s%d" % i).encode(), partition=0, on_delivery=delivered)
left = p.flush(30)
if left or errors:
    print("error=produce: %d undelivered %s" % (left, errors))
    sys.exit(1)
cconf = {"bootstrap.servers": bootstrap, "group.id": "secure-py", "enable.auto.commit": False,
         "auto.offset.reset": "earliest"}
cconf.update(security)
c = Consumer(cconf)
c.assign([TopicPartition(topic, 0, 0)])
values = []
deadline = time.monotonic() + 30
while len(values) < n and time.monotonic() < deadline:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        errors.append(str(m.error()))
        continue
    values.append(m.value().decode())
c.close()
print("consumed=" + ",".join(values))
if errors:
    print("errors=" + ";".join(errors))
