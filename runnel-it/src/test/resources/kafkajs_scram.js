// kafkajs 2 as a SCRAM user over SASL_PLAINTEXT: produces COUNT records to partition 0 of TOPIC (which exists),
// then reads them back with a group consumer and prints "consumed <n>".
// Usage: node kafkajs_scram.js BOOTSTRAP TOPIC MECHANISM(scram-sha-256|scram-sha-512) USER PASSWORD COUNT
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic, mechanism, username, password, countText] = process.argv.slice(2);
const count = Number(countText);
(async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-scram', brokers: [bootstrap], logLevel: logLevel.NOTHING,
    sasl: { mechanism, username, password } });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: 0, value: 'j' + i })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'kafkajs-scram' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = new Set();
  await new Promise(resolve => {
    consumer.run({ eachMessage: async ({ message }) => { values.add(message.value.toString()); if (values.size === count) resolve(); } });
  });
  console.log('consumed', values.size);
  await consumer.disconnect();
  process.exit(0);
})().catch(e => { console.error('FAILED', e); process.exit(1); });
