# Asks confluent-kafka-python (librdkafka) to init_transactions() against a broker that does not serve
# transactions, and prints key=value lines: how the error came back and how long it took.
# Usage: txn_init.py <bootstrap> <transactional.id> <timeout seconds>
import sys
import time

from confluent_kafka import KafkaException, Producer

bootstrap, txn_id, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
start = time.monotonic()
result = {"raised": False}
try:
    p.init_transactions(timeout)
except KafkaException as e:
    err = e.args[0]
    result = {"raised": True, "fatal": err.fatal(), "retriable": err.retriable(),
              "code": err.code(), "name": err.name(), "message": err.str()}
result["seconds"] = time.monotonic() - start
for k, v in result.items():
    print("%s=%s" % (k, v), flush=True)
