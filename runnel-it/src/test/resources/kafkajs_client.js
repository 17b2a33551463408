// kafkajs 2 against a Runnel broker: admin, producer, group consumer, committed offsets.
// Usage: node kafkajs_client.js BOOTSTRAP TOPIC GROUP COUNT (NODE_PATH must point at a node_modules with kafkajs)
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic, group, countText] = process.argv.slice(2);
const count = Number(countText);
(async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-it', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: 'k' + i, value: 'v' + i })) });
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = new Set();
  await new Promise(resolve => {
    consumer.run({ eachMessage: async ({ message }) => { values.add(message.value.toString()); if (values.size === count) resolve(); } });
  });
  console.log('consumed', values.size);
  await consumer.disconnect();
  await producer.disconnect();
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  console.log('committed', committed);
  await admin.disconnect();
  process.exit(0);
})().catch(e => { console.error('FAILED', e); process.exit(1); });
