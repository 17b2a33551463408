package io.runnel.protocol.generator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratorTest {
    @Test
    void writesOneClassPerMessageAndApiKeysAndRemovesStaleOnes(@TempDir Path dir) throws Exception {
        Path schema = Files.createDirectories(dir.resolve("schema"));
        Path out = dir.resolve("out");
        Files.writeString(schema.resolve("a.api"), """
                api 3 Thing
                versions 0-2
                flexible 1+
                request
                  name string 0+
                response
                  errorCode int16 0+
                message ThingRecord
                type 4
                versions 0
                flexible 0+
                fields
                  id uuid 0+
                """);
        Files.writeString(schema.resolve("draft.api.wip"), "this is not a schema");
        Path stale = Files.createDirectories(out.resolve("io/runnel/protocol/message")).resolve("Gone.java");
        Files.writeString(stale, "class Gone {}");

        assertThat(Generator.generate(schema, out)).isEqualTo(4);
        Path msg = out.resolve("io/runnel/protocol/message");
        assertThat(msg.resolve("ThingRequest.java")).exists();
        assertThat(msg.resolve("ThingResponse.java")).exists();
        assertThat(Files.readString(msg.resolve("ThingRecord.java"))).contains("TYPE_ID = 4");
        assertThat(Files.readString(out.resolve("io/runnel/protocol/ApiKeys.java"))).contains("THING(3, \"Thing\", 0, 2, 0, 1");
        assertThat(stale).doesNotExist();
    }

    @Test
    void duplicateApiKeysAcrossFilesAreRejected(@TempDir Path dir) throws Exception {
        Path schema = Files.createDirectories(dir.resolve("schema"));
        String api = "api 3 %s\nversions 0\nflexible none\nrequest\nresponse\n";
        Files.writeString(schema.resolve("a.api"), api.formatted("One"));
        Files.writeString(schema.resolve("b.api"), api.formatted("Two"));
        assertThatThrownBy(() -> Generator.generate(schema, dir.resolve("out")))
                .hasMessageContaining("api key 3 already used");
    }
}
