# kafka-python as a SCRAM user over SASL_PLAINTEXT: produces "p0".."p<n-1>" to partition 0,
# then reads partition 0 from the start without a group. Prints consumed=<values> (comma-separated), or fails.
# kafka-python 2.0 (Debian's python3-kafka) authenticates with SaslHandshake v0 and bare tokens; 2.1+ with v1.
# Usage: kafka_python_scram.py <bootstrap> <topic> <SCRAM-SHA-256|SCRAM-SHA-512> <user> <password> <n>
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, mechanism, user, password, n = sys.argv[1:7]
n = int(n)
security = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism, sasl_plain_username=user,
                sasl_plain_password=password)
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", **security)
for i in range(n):
    producer.send(topic, value=("p%d" % i).encode(), partition=0).get(timeout=30)
producer.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=15000, **security)
tp = TopicPartition(topic, 0)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
values = []
for message in consumer:
    values.append(message.value.decode())
    if len(values) == n:
        break
consumer.close()
print("consumed=" + ",".join(values))
