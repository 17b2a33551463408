package io.runnel.group.records;

import io.runnel.common.Uuid;
import io.runnel.group.CoordinatorRecord;
import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignment;
import io.runnel.group.records.GroupRecord.ConsumerCurrentAssignmentValue;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadata;
import io.runnel.group.records.GroupRecord.ConsumerGroupMetadataValue;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadata;
import io.runnel.group.records.GroupRecord.ConsumerMemberMetadataValue;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMember;
import io.runnel.group.records.GroupRecord.ConsumerTargetAssignmentMetadata;
import io.runnel.group.records.GroupRecord.GroupMetadata;
import io.runnel.group.records.GroupRecord.GroupMetadataValue;
import io.runnel.group.records.GroupRecord.MemberMetadata;
import io.runnel.group.records.GroupRecord.OffsetCommit;
import io.runnel.group.records.GroupRecord.OffsetValue;
import io.runnel.protocol.MalformedMessageException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordSerdeTest {
    private static final Uuid T1 = new Uuid(1, 2), T2 = new Uuid(3, 4);

    /** Kafka's layout written out by hand, field by field. */
    private static final class Bytes {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(buf);

        Bytes i16(int v) throws IOException { out.writeShort(v); return this; }
        Bytes i32(int v) throws IOException { out.writeInt(v); return this; }
        Bytes i64(long v) throws IOException { out.writeLong(v); return this; }
        Bytes i8(int v) throws IOException { out.writeByte(v); return this; }
        Bytes str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeShort(b.length);
            out.write(b);
            return this;
        }
        Bytes nullStr() throws IOException { out.writeShort(-1); return this; }
        Bytes bytes(byte[] b) throws IOException { out.writeInt(b.length); out.write(b); return this; }
        Bytes uvarint(int v) throws IOException {
            while ((v & ~0x7f) != 0) {
                out.writeByte((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.writeByte(v);
            return this;
        }
        Bytes cstr(String s) throws IOException {
            if (s == null) return uvarint(0);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            uvarint(b.length + 1);
            out.write(b);
            return this;
        }
        Bytes uuid(Uuid u) throws IOException { return i64(u.mostSignificantBits()).i64(u.leastSignificantBits()); }
        byte[] get() { return buf.toByteArray(); }
    }

    private static GroupRecord roundTrip(GroupRecord r) {
        CoordinatorRecord bytes = RecordSerde.serialize(r);
        GroupRecord back = RecordSerde.deserialize(bytes);
        assertThat(RecordSerde.serialize(back)).isEqualTo(bytes);
        return back;
    }

    @Test
    void offsetCommitInKafkasLayout() throws IOException {
        OffsetCommit r = new OffsetCommit("g", "t", 2, new OffsetValue(100, 5, "meta", 1234, -1));
        CoordinatorRecord c = RecordSerde.serialize(r);
        assertThat(c.key()).isEqualTo(new Bytes().i16(1).str("g").str("t").i32(2).get());
        assertThat(c.value()).isEqualTo(new Bytes().i16(3).i64(100).i32(5).str("meta").i64(1234).get());
        assertThat(roundTrip(r)).isEqualTo(r);

        OffsetCommit withExpiry = new OffsetCommit("g", "t", 2, new OffsetValue(100, -1, "", 1234, 9999));
        assertThat(RecordSerde.serialize(withExpiry).value()).isEqualTo(new Bytes().i16(1).i64(100).str("").i64(1234).i64(9999).get());
        assertThat(roundTrip(withExpiry)).isEqualTo(withExpiry);

        OffsetCommit tombstone = new OffsetCommit("g", "t", 2, null);
        assertThat(RecordSerde.serialize(tombstone).value()).isNull();
        assertThat(roundTrip(tombstone)).isEqualTo(tombstone);
    }

    @Test
    void readsEveryOffsetCommitVersionKafkaWrote() throws IOException {
        byte[] legacyKey = new Bytes().i16(0).str("g").str("t").i32(0).get();
        byte[] v0 = new Bytes().i16(0).i64(7).str("m").i64(11).get();
        assertThat(RecordSerde.deserialize(new CoordinatorRecord(legacyKey, v0)))
                .isEqualTo(new OffsetCommit("g", "t", 0, new OffsetValue(7, -1, "m", 11, -1)));
        byte[] key = new Bytes().i16(1).str("g").str("t").i32(0).get();
        byte[] v2 = new Bytes().i16(2).i64(7).str("m").i64(11).get();
        assertThat(((OffsetCommit) RecordSerde.deserialize(new CoordinatorRecord(key, v2))).value().offset()).isEqualTo(7);
        // v4 is flexible: compact string, and a tagged topic id to skip
        byte[] v4 = new Bytes().i16(4).i64(7).i32(3).cstr("m").i64(11).uvarint(1).uvarint(0).uvarint(16).uuid(T1).get();
        assertThat(RecordSerde.deserialize(new CoordinatorRecord(key, v4)))
                .isEqualTo(new OffsetCommit("g", "t", 0, new OffsetValue(7, 3, "m", 11, -1)));
    }

    @Test
    void groupMetadataInKafkasLayout() throws IOException {
        byte[] sub = {1, 2}, asg = {3};
        GroupMetadata r = new GroupMetadata("grp", new GroupMetadataValue("consumer", 4, "range", "m1", 555,
                List.of(new MemberMetadata("m1", "inst", "cid", "/h", 300, 100, sub, asg))));
        CoordinatorRecord c = RecordSerde.serialize(r);
        assertThat(c.key()).isEqualTo(new Bytes().i16(2).str("grp").get());
        assertThat(c.value()).isEqualTo(new Bytes().i16(3).str("consumer").i32(4).str("range").str("m1").i64(555).i32(1)
                .str("m1").str("inst").str("cid").str("/h").i32(300).i32(100).bytes(sub).bytes(asg).get());
        roundTrip(r);
        roundTrip(new GroupMetadata("grp", null));

        // v0 had neither state timestamp, rebalance timeout nor instance id
        byte[] v0 = new Bytes().i16(0).str("consumer").i32(1).nullStr().nullStr().i32(1)
                .str("m").str("c").str("h").i32(100).bytes(sub).bytes(asg).get();
        GroupMetadata old = (GroupMetadata) RecordSerde.deserialize(new CoordinatorRecord(c.key(), v0));
        assertThat(old.value().protocol()).isNull();
        assertThat(old.value().currentStateTimestamp()).isEqualTo(-1);
        assertThat(old.value().members().getFirst().rebalanceTimeout()).isEqualTo(100);
        assertThat(old.value().members().getFirst().groupInstanceId()).isNull();
    }

    @Test
    void consumerGroupRecordsInKafkasLayout() throws IOException {
        ConsumerGroupMetadata meta = new ConsumerGroupMetadata("g", new ConsumerGroupMetadataValue(3, 0x0102030405060708L));
        CoordinatorRecord c = RecordSerde.serialize(meta);
        assertThat(c.key()).isEqualTo(new Bytes().i16(3).str("g").get());
        assertThat(c.value()).isEqualTo(new Bytes().i16(0).i32(3).uvarint(1).uvarint(0).uvarint(8).i64(0x0102030405060708L).get());
        assertThat(RecordSerde.serialize(new ConsumerGroupMetadata("g", new ConsumerGroupMetadataValue(3, 0))).value())
                .as("a zero hash is not written").isEqualTo(new Bytes().i16(0).i32(3).uvarint(0).get());
        assertThat(roundTrip(meta)).isEqualTo(meta);

        ConsumerMemberMetadata member = new ConsumerMemberMetadata("g", "m", new ConsumerMemberMetadataValue(null, "r1", "cid",
                "/h", List.of("a", "b"), "x.*", 5000, "uniform"));
        assertThat(RecordSerde.serialize(member).key()).isEqualTo(new Bytes().i16(5).str("g").str("m").get());
        assertThat(RecordSerde.serialize(member).value()).isEqualTo(new Bytes().i16(0).cstr(null).cstr("r1").cstr("cid").cstr("/h")
                .uvarint(3).cstr("a").cstr("b").cstr("x.*").i32(5000).cstr("uniform").uvarint(0).get());
        assertThat(roundTrip(member)).isEqualTo(member);

        // a classic member of a consumer group (online migration): its ClassicMemberMetadata is tagged field 0, a
        // nullable struct (presence byte 1)
        ConsumerMemberMetadata classicMember = new ConsumerMemberMetadata("g", "m", new ConsumerMemberMetadataValue(null, null, "cid",
                "/h", List.of("a"), null, 5000, null, new GroupRecord.ClassicMemberMetadata(45000,
                List.of(new GroupRecord.ClassicProtocol("range", new byte[]{1, 2, 3})))));
        assertThat(RecordSerde.serialize(classicMember).value()).isEqualTo(new Bytes().i16(0).cstr(null).cstr(null).cstr("cid").cstr("/h")
                .uvarint(2).cstr("a").cstr(null).i32(5000).cstr(null)
                .uvarint(1).uvarint(0).uvarint(18).i8(1).i32(45000).uvarint(2).cstr("range").uvarint(4).i8(1).i8(2).i8(3).uvarint(0).uvarint(0)
                .get());
        assertThat(roundTrip(classicMember)).isEqualTo(classicMember);
        assertThat(roundTrip(classicMember)).isNotEqualTo(roundTrip(new ConsumerMemberMetadata("g", "m", new ConsumerMemberMetadataValue(
                null, null, "cid", "/h", List.of("a"), null, 5000, null))));

        PartitionSet ps = PartitionSet.of(Map.of(T1, List.of(0, 2), T2, List.of(1)));
        ConsumerTargetAssignmentMember target = new ConsumerTargetAssignmentMember("g", "m", ps);
        assertThat(RecordSerde.serialize(target).value()).isEqualTo(new Bytes().i16(0).uvarint(3)
                .uuid(T1).uvarint(3).i32(0).i32(2).uvarint(0)
                .uuid(T2).uvarint(2).i32(1).uvarint(0)
                .uvarint(0).get());
        assertThat(roundTrip(target)).isEqualTo(target);

        ConsumerCurrentAssignment current = new ConsumerCurrentAssignment("g", "m",
                new ConsumerCurrentAssignmentValue(4, 3, (byte) 1, ps, PartitionSet.of(Map.of(T2, List.of(5)))));
        assertThat(RecordSerde.serialize(current).key()).isEqualTo(new Bytes().i16(8).str("g").str("m").get());
        assertThat(RecordSerde.serialize(current).value()).startsWith(new Bytes().i16(0).i32(4).i32(3).i8(1).get());
        assertThat(roundTrip(current)).isEqualTo(current);

        ConsumerTargetAssignmentMetadata tm = new ConsumerTargetAssignmentMetadata("g", 9);
        assertThat(RecordSerde.serialize(tm).value()).isEqualTo(new Bytes().i16(0).i32(9).uvarint(0).get());
        assertThat(roundTrip(tm)).isEqualTo(tm);
        for (GroupRecord tomb : List.of(new ConsumerGroupMetadata("g", null), new ConsumerMemberMetadata("g", "m", null),
                new ConsumerTargetAssignmentMetadata("g", null), new ConsumerTargetAssignmentMember("g", "m", null),
                new ConsumerCurrentAssignment("g", "m", null))) {
            assertThat(roundTrip(tomb)).isEqualTo(tomb);
            assertThat(tomb.isTombstone()).isTrue();
        }
    }

    @Test
    void unknownTagsAreSkippedAndUnknownTypesIgnored() throws IOException {
        byte[] key = new Bytes().i16(6).str("g").get();
        byte[] value = new Bytes().i16(0).i32(2).uvarint(1).uvarint(7).uvarint(2).i16(99).get();
        assertThat(RecordSerde.deserialize(new CoordinatorRecord(key, value))).isEqualTo(new ConsumerTargetAssignmentMetadata("g", 2));
        byte[] shareKey = new Bytes().i16(10).str("g").get();
        assertThat(RecordSerde.deserialize(new CoordinatorRecord(shareKey, new byte[]{0, 0}))).isNull();
        byte[] regexKey = new Bytes().i16(16).str("g").str("r.*").get();
        assertThat(RecordSerde.deserialize(new CoordinatorRecord(regexKey, new byte[]{0, 0, 1}))).isNull();
    }

    @Test
    void malformedValuesAreRejected() throws IOException {
        byte[] key = new Bytes().i16(1).str("g").str("t").i32(0).get();
        assertThatThrownBy(() -> RecordSerde.deserialize(new CoordinatorRecord(key, new Bytes().i16(9).i64(1).get())))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> RecordSerde.deserialize(new CoordinatorRecord(key, new Bytes().i16(3).i32(1).get())))
                .isInstanceOf(MalformedMessageException.class);
    }

    @Property(tries = 200)
    void offsetsRoundTrip(@ForAll @AlphaChars @StringLength(min = 1, max = 20) String group,
                          @ForAll @AlphaChars @StringLength(min = 1, max = 20) String topic,
                          @ForAll @IntRange(min = 0, max = 10_000) int partition, @ForAll long offset,
                          @ForAll @IntRange(min = -1, max = 1000) int epoch, @ForAll @StringLength(max = 50) String metadata,
                          @ForAll long commitTs, @ForAll boolean expires) {
        OffsetValue v = new OffsetValue(offset, expires ? -1 : epoch, metadata, commitTs, expires ? Math.abs(commitTs % 1_000_000) : -1);
        OffsetCommit r = new OffsetCommit(group, topic, partition, v);
        assertThat(roundTrip(r)).isEqualTo(r);
    }

    @Property(tries = 100)
    void assignmentsRoundTrip(@ForAll @IntRange(min = 0, max = 5) int topics, @ForAll @IntRange(min = 0, max = 40) int partitions,
                              @ForAll @IntRange(min = -2, max = 1000) int epoch, @ForAll byte state) {
        PartitionSet.Builder b = PartitionSet.builder();
        for (int t = 0; t < topics; t++) for (int p = 0; p < partitions; p += t + 1) b.add(new Uuid(t, 77), p);
        ConsumerCurrentAssignment r = new ConsumerCurrentAssignment("g", "m",
                new ConsumerCurrentAssignmentValue(epoch, epoch - 1, state, b.build(), PartitionSet.EMPTY));
        assertThat(roundTrip(r)).isEqualTo(r);
        assertThat(HexFormat.of().formatHex(RecordSerde.serialize(r).key())).startsWith("0008");
    }
}
