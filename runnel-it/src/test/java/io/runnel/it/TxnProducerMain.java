package io.runnel.it;

import io.runnel.checker.HistoryRecorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A transactional producer in its own JVM, for {@link HangingProducerIT}: it runs {@code count} transactions of one
 * record each, holding each open for {@code holdMs} after its record is acknowledged (the window in which the test
 * stops the process), and records every send, commit and abort in a history file. When a commit fails because the
 * coordinator aborted the transaction meanwhile, it reacts as the client's documentation says: abort and carry on
 * after an abortable error; after a fatal one (ProducerFencedException) close, start a new producer with the same
 * transactional id and carry on. Prints {@code OPEN n}, {@code COMMITTED n}, {@code FENCED <exception>},
 * {@code RECOVERED} and {@code DONE} on stdout.
 *
 * <p>Arguments: bootstrap topic transactional-id transaction-timeout-ms count hold-ms history-file.
 */
public final class TxnProducerMain {
    private TxnProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        String txnId = args[2];
        int timeoutMs = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        long holdMs = Long.parseLong(args[5]);
        String process = "producer-" + ProcessHandle.current().pid();
        try (HistoryRecorder history = HistoryRecorder.toFile(Path.of(args[6]))) {
            KafkaProducer<byte[], byte[]> producer = open(bootstrap, txnId, timeoutMs);
            boolean fenced = false;
            for (int n = 0; n < count; n++) {
                String txn = txnId + "-" + process + "-" + n;
                String value = txn + "-v";
                producer.beginTransaction();
                try {
                    RecordMetadata m = producer.send(new ProducerRecord<>(topic, 0, null, value.getBytes(StandardCharsets.UTF_8))).get();
                    history.sendOk(process, txn, topic, m.partition(), m.offset(), value);
                    System.out.println("OPEN " + n);
                    Thread.sleep(holdMs);
                    producer.commitTransaction();
                    history.commit(process, txn);
                    System.out.println("COMMITTED " + n);
                    if (fenced) System.out.println("RECOVERED");
                } catch (ProducerFencedException e) {
                    // fatal: only a new producer (new epoch via InitProducerId) can go on; the coordinator aborted it
                    history.abort(process, txn);
                    System.out.println("FENCED " + e.getClass().getSimpleName());
                    fenced = true;
                    producer.close();
                    producer = open(bootstrap, txnId, timeoutMs);
                } catch (KafkaException | java.util.concurrent.ExecutionException e) {
                    Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                    history.abort(process, txn);
                    System.out.println("FENCED " + cause.getClass().getSimpleName());
                    fenced = true;
                    try {
                        producer.abortTransaction(); // an abortable error: the same producer goes on
                    } catch (KafkaException fatal) {
                        System.out.println("FATAL " + fatal.getClass().getSimpleName());
                        producer.close();
                        producer = open(bootstrap, txnId, timeoutMs);
                    }
                }
                System.out.flush();
            }
            producer.close();
            System.out.println("DONE");
        }
    }

    private static KafkaProducer<byte[], byte[]> open(String bootstrap, String txnId, int timeoutMs) {
        KafkaProducer<byte[], byte[]> p = Clients.producer(bootstrap, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs,
                ProducerConfig.LINGER_MS_CONFIG, 0));
        p.initTransactions();
        return p;
    }
}
