package io.runnel.metadata;

import io.runnel.protocol.GrowableWritable;
import io.runnel.protocol.Message;
import io.runnel.protocol.message.ClientQuotaRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ClientQuotaRecord (type 17): replay into the image, removal, snapshot records, framing; the controller's checks. */
class ClientQuotasImageTest {
    static ClientQuotaRecord quota(Map<String, String> entity, String key, double value, boolean remove) {
        ClientQuotaRecord r = new ClientQuotaRecord();
        entity.forEach((type, name) -> {
            ClientQuotaRecord.EntityData d = new ClientQuotaRecord.EntityData();
            d.entityType = type;
            d.entityName = name;
            r.entity.add(d);
        });
        r.key = key;
        r.value = value;
        r.remove = remove;
        return r;
    }

    static Map<String, String> entity(String... typeAndName) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) m.put(typeAndName[i], typeAndName[i + 1]);
        return m;
    }

    @Test
    void quotasAreSetReplacedAndRemoved() {
        Map<String, String> alice = entity("user", "alice", "client-id", "app");
        Map<String, String> defaultUser = entity("user", null);
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(
                quota(alice, "producer_byte_rate", 1024, false),
                quota(alice, "consumer_byte_rate", 2048, false),
                quota(alice, "producer_byte_rate", 4096, false),
                quota(defaultUser, "request_percentage", 12.5, false))).apply();
        assertThat(img.offset()).isEqualTo(4);
        assertThat(img.clientQuotas()).hasSize(2);
        assertThat(img.clientQuotas().get(new ClientQuotaEntity(alice)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("producer_byte_rate", 4096.0, "consumer_byte_rate", 2048.0));
        assertThat(img.clientQuotas().get(new ClientQuotaEntity(defaultUser))).containsEntry("request_percentage", 12.5);
        assertThat(img.clientQuotas()).doesNotContainKey(new ClientQuotaEntity(entity("user", "alice")));

        MetadataImage after = new MetadataDelta(img).replayAll(List.of(
                quota(defaultUser, "request_percentage", 0, true),
                quota(alice, "consumer_byte_rate", 0, true),
                quota(alice, "no_such", 0, true))).apply();
        assertThat(after.clientQuotas()).containsOnlyKeys(new ClientQuotaEntity(alice));
        assertThat(after.clientQuotas().get(new ClientQuotaEntity(alice))).containsOnlyKeys("producer_byte_rate");
        assertThat(img.clientQuotas()).hasSize(2); // the base image is untouched
    }

    @Test
    void snapshotRecordsRebuildAnEqualImageAndFramingRoundTrips() {
        MetadataImage img = new MetadataDelta(MetadataImage.EMPTY).replayAll(List.of(
                quota(entity("ip", null), "connection_creation_rate", 10, false),
                quota(entity("ip", "10.1.2.3"), "connection_creation_rate", 3, false),
                quota(entity("client-id", "c1"), "controller_mutation_rate", 0.5, false))).apply();
        List<Message> records = img.toRecords();
        MetadataImage rebuilt = new MetadataDelta(MetadataImage.EMPTY).replayAll(records).setOffset(img.offset()).apply();
        assertThat(rebuilt.clientQuotas()).isEqualTo(img.clientQuotas());
        for (Message m : records) {
            if (!(m instanceof ClientQuotaRecord)) continue;
            GrowableWritable out = new GrowableWritable();
            MetadataRecordSerde.write(m, out);
            ByteBuffer in = out.toByteBuffer();
            assertThat(MetadataRecordSerde.read(in)).isEqualTo(m);
            assertThat(MetadataRecordSerde.typeId(m)).isEqualTo((short) 17);
        }
    }

    @Test
    void anEntityTypeTwiceInARecordIsACorruptLog() {
        ClientQuotaRecord r = quota(entity("user", "a"), "producer_byte_rate", 1, false);
        ClientQuotaRecord.EntityData again = new ClientQuotaRecord.EntityData();
        again.entityType = "user";
        again.entityName = "b";
        r.entity.add(again);
        assertThatThrownBy(() -> new MetadataDelta(MetadataImage.EMPTY).replay(r)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void entitiesAndValuesAreCheckedAsKafka() {
        assertThat(new ClientQuotaEntity(entity("user", "a", "client-id", null)).validate()).isNull();
        assertThat(new ClientQuotaEntity(entity("ip", "::1")).validate()).isNull();
        assertThat(new ClientQuotaEntity(entity()).validate().error()).isEqualTo(io.runnel.common.Errors.INVALID_REQUEST);
        assertThat(new ClientQuotaEntity(entity("group", "g")).validate().error()).isEqualTo(io.runnel.common.Errors.UNSUPPORTED_VERSION);
        assertThat(new ClientQuotaEntity(entity("ip", "1.2.3.4", "user", "a")).validate().error()).isEqualTo(io.runnel.common.Errors.INVALID_REQUEST);
        assertThat(new ClientQuotaEntity(entity("ip", "not-an-ip")).validate().error()).isEqualTo(io.runnel.common.Errors.INVALID_REQUEST);
        assertThat(new ClientQuotaEntity(entity("ip", "300.1.1.1")).validate().error()).isEqualTo(io.runnel.common.Errors.INVALID_REQUEST);
        ClientQuotaEntity user = new ClientQuotaEntity(entity("user", "a"));
        ClientQuotaEntity ip = new ClientQuotaEntity(entity("ip", null));
        assertThat(ClientQuotaKeys.check(user, "producer_byte_rate", 1024)).isNull();
        assertThat(ClientQuotaKeys.check(user, "request_percentage", 0.5)).isNull();
        assertThat(ClientQuotaKeys.check(ip, "connection_creation_rate", 5)).isNull();
        assertThat(ClientQuotaKeys.check(user, "producer_byte_rate", 10.5)).isNotNull();
        assertThat(ClientQuotaKeys.check(user, "producer_byte_rate", 0)).isNotNull();
        assertThat(ClientQuotaKeys.check(user, "producer_byte_rate", -1)).isNotNull();
        assertThat(ClientQuotaKeys.check(user, "producer_byte_rate", Double.NaN)).isNotNull();
        assertThat(ClientQuotaKeys.check(user, "connection_creation_rate", 5)).isNotNull();
        assertThat(ClientQuotaKeys.check(ip, "producer_byte_rate", 5)).isNotNull();
        assertThat(ClientQuotaKeys.check(user, "bogus", 5).message()).contains("bogus");
    }
}
