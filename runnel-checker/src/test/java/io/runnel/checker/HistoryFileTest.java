package io.runnel.checker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HistoryFileTest {
    @TempDir
    Path dir;

    @Test
    void eventsSurviveTheFileIncludingAwkwardText() {
        HistoryRecorder r = new HistoryRecorder();
        r.sendOk("p\t1", "t\\1", "orders", 3, 42, "line\nbreak\r\\N");
        r.sendFailed("p1", null, "orders", "gone");
        r.sendUnknown("p1", "t2", "orders", "");
        r.poll("c", "t3", true, "orders", 3, 42, "line\nbreak\r\\N");
        r.reset("c");
        r.commit("p1", "t1");
        r.abort("p1", "t2");
        Path f = dir.resolve("h.tsv");
        r.history().write(f);
        assertThat(History.read(f).events()).isEqualTo(r.history().events());
    }

    @Test
    void processesRecordToTheirOwnFilesAndATornLastLineIsSkipped() throws IOException {
        Path a = dir.resolve("producer.tsv");
        Path b = dir.resolve("consumer.tsv");
        try (HistoryRecorder p = HistoryRecorder.toFile(a); HistoryRecorder c = HistoryRecorder.toFile(b)) {
            p.sendOk("producer", "t1", "orders", 0, 0, "a");
            p.commit("producer", "t1");
            c.poll("consumer", null, true, "orders", 0, 0, "a");
        }
        Files.writeString(b, "POLL\tconsumer\t\\N\torders\t0", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // killed mid-line
        History h = History.read(a, b);
        assertThat(h.events()).hasSize(3);
        assertThat(HistoryChecker.check(h).valid()).isTrue();
        Files.writeString(b, "\nnot an event\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(b, "POLL\tconsumer\t\\N\torders\t0\t0\t1\ta\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThatThrownBy(() -> History.read(a, b)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer.tsv:");
    }

    @Test
    void theRecorderIsThreadSafeAndKeepsEachProcessInOrder() throws InterruptedException {
        HistoryRecorder r = new HistoryRecorder();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String process = "p" + t;
            int partition = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2000; i++) r.sendOk(process, null, "orders", partition, i, process + "-" + i);
                for (int i = 0; i < 2000; i++) r.poll(process + "-reader", null, true, "orders", partition, i, process + "-" + i);
            }));
        }
        for (Thread t : threads) t.join();
        CheckResult result = HistoryChecker.check(r.history());
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.stats()).containsEntry("sends-acknowledged", 8000L).containsEntry("polls", 8000L);
    }
}
