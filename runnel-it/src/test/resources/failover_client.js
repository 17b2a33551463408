// kafkajs 2 across a leader failover: sends COUNT values one at a time (acks=all, idempotent) while a group consumer
// reads the topic from the beginning; prints "acked V", "failed V ERR" and "consumed V" lines, then "done" once every
// acknowledged value was consumed (or "incomplete" after 90 s).
// Usage: node failover_client.js BOOTSTRAP TOPIC COUNT (NODE_PATH must point at a node_modules with kafkajs)
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic, countText] = process.argv.slice(2);
const count = Number(countText);
const sleep = ms => new Promise(r => setTimeout(r, ms));
(async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-failover', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING,
    requestTimeout: 10000, retry: { retries: 15, initialRetryTime: 200, maxRetryTime: 2000 } });
  const acked = new Set();
  const consumed = new Set();
  const consumer = kafka.consumer({ groupId: topic + '-group', sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => {
    const v = message.value.toString();
    if (!consumed.has(v)) { consumed.add(v); console.log('consumed', v); }
  } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < count; i++) {
    const v = 'js-' + i;
    try {
      await producer.send({ topic, acks: -1, messages: [{ value: v, partition: 0 }] });
      acked.add(v);
      console.log('acked', v);
    } catch (e) {
      console.log('failed', v, e.message);
    }
    await sleep(10);
  }
  const deadline = Date.now() + 90000;
  const all = () => [...acked].every(v => consumed.has(v));
  while (!all() && Date.now() < deadline) await sleep(200);
  console.log(all() ? 'done' : 'incomplete');
  await producer.disconnect();
  await consumer.disconnect();
  process.exit(0);
})().catch(e => { console.error('FAILED', e); process.exit(1); });
