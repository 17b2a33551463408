// kafkajs 2 transactions against a Runnel broker: commits c1, c2, aborts a1, commits c3, then reads the topic with
// a read_committed and a read_uncommitted group consumer. Prints "committed <values>" and "uncommitted <values>"
// (comma-separated, in offset order). Usage: node kafkajs_txn.js BOOTSTRAP TOPIC (NODE_PATH must point at kafkajs)
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic] = process.argv.slice(2);

async function read(kafka, readUncommitted, expected) {
  const consumer = kafka.consumer({ groupId: topic + (readUncommitted ? '-ru' : '-rc'), readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise(resolve => {
    consumer.run({ eachMessage: async ({ message }) => { values.push(message.value.toString()); if (values.length === expected) resolve(); } });
  });
  await new Promise(r => setTimeout(r, 1000)); // anything beyond the expected count shows up too
  await consumer.disconnect();
  return values;
}

(async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-txn-it', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: 'kafkajs-tx', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const [values, commit] of [[['c1', 'c2'], true], [['a1'], false], [['c3'], true]]) {
    const txn = await producer.transaction();
    await txn.send({ topic, messages: values.map(v => ({ value: v, partition: 0 })) });
    if (commit) await txn.commit(); else await txn.abort();
  }
  await producer.disconnect();
  console.log('committed', (await read(kafka, false, 3)).join(','));
  console.log('uncommitted', (await read(kafka, true, 4)).join(','));
  process.exit(0);
})().catch(e => { console.error('FAILED', e); process.exit(1); });
