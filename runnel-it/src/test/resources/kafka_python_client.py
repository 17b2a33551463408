"""kafka-python 2.0 against a Runnel broker: admin, gzip producer, group consumer, commits.

Usage: kafka_python_client.py BOOTSTRAP TOPIC GROUP COUNT. Prints lines the Java test checks.
"""
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafka-python-it")
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
print("listed", topic in admin.list_topics())

producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type="gzip", acks="all")
for i in range(count):
    producer.send(topic, key=b"k%d" % i, value=b"v%d" % i)
producer.flush()
producer.close()

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=15000)
values = set()
for message in consumer:
    values.add(message.value)
    if len(values) == count:
        break
consumer.commit()
consumer.close()
print("consumed", len(values))

committed = sum(meta.offset for meta in admin.list_consumer_group_offsets(group).values())
print("committed", committed)
print("groups", ",".join(g for g, _ in admin.list_consumer_groups()))
admin.close()
