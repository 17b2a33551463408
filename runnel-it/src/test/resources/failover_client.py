# confluent-kafka-python across a leader failover: produces COUNT values (acks=all, idempotent), one every 10 ms, while
# a consumer assigned to the partition from the beginning reads along; prints "acked V", "failed V ERR" and
# "consumed V" lines, then "done" once every acknowledged value was consumed (or "incomplete" after 90 s).
# Usage: python3 failover_client.py BOOTSTRAP TOPIC COUNT
import sys
import time
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
acked, consumed = set(), set()


def report(err, msg):
    v = msg.value().decode()
    if err is None:
        acked.add(v)
        print('acked', v, flush=True)
    else:
        print('failed', v, err, flush=True)


producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'enable.idempotence': True,
                     'message.timeout.ms': 60000, 'linger.ms': 5, 'retry.backoff.ms': 100})
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': topic + '-reader', 'enable.auto.commit': False,
                     'topic.metadata.refresh.interval.ms': 2000})
consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])


def read(timeout):
    m = consumer.poll(timeout)
    if m is not None and m.error() is None:
        v = m.value().decode()
        if v not in consumed:
            consumed.add(v)
            print('consumed', v, flush=True)


for i in range(count):
    producer.produce(topic, value=('py-%d' % i).encode(), partition=0, on_delivery=report)
    producer.poll(0)
    read(0.01)
producer.flush(90)
deadline = time.time() + 90
while not acked <= consumed and time.time() < deadline:
    read(0.2)
print('done' if acked <= consumed else 'incomplete', flush=True)
consumer.close()
