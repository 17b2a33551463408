package io.runnel.protocol;

import io.runnel.common.Uuid;
import io.runnel.record.MemoryRecords;
import io.runnel.record.Records;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks every generated request and response, in every version Runnel implements, against the
 * reference Java client's own codecs (kafka-clients, test scope): a randomly filled message encoded by
 * Runnel must decode in kafka-clients and re-encode to exactly the same bytes, and decode again in
 * Runnel to the same bytes. A default (empty) message is checked the same way.
 */
class KafkaSchemaCompatibilityTest {
    private static final long SEED = Long.getLong("compat.seed", 20261122L);
    private static final int ROUNDS = 6;

    @TestFactory
    Stream<DynamicTest> everyApiAndVersionMatchesTheReferenceClient() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ApiKeys api : ApiKeys.values()) {
            for (short v = api.lowestVersion; v <= api.highestVersion; v++) {
                short version = v;
                tests.add(DynamicTest.dynamicTest(api.displayName + "Request v" + v, () -> check(api, api.newRequest(), "RequestData", version)));
                tests.add(DynamicTest.dynamicTest(api.displayName + "Response v" + v, () -> check(api, api.newResponse(), "ResponseData", version)));
            }
        }
        return tests.stream();
    }

    private void check(ApiKeys api, ApiMessage empty, String kafkaSuffix, short version) throws Exception {
        Class<?> kafkaClass = Class.forName("org.apache.kafka.common.message." + api.displayName + kafkaSuffix);
        compare(empty, kafkaClass, version, "default message");
        for (int round = 0; round < ROUNDS; round++) {
            long seed = SEED + round * 7919L + api.id * 31L + version;
            ApiMessage filled = empty.getClass().getDeclaredConstructor().newInstance();
            Random r = new Random(seed);
            fill(filled, r, 0);
            if (round % 2 == 1) tryNulls(filled, filled, r, version);
            compare(filled, kafkaClass, version, "random message, seed " + seed);
        }
    }

    private static void compare(ApiMessage ours, Class<?> kafkaClass, short version, String what) throws Exception {
        byte[] runnelBytes = encode(ours, version);
        // our own decode-encode must be stable
        ApiMessage again = ours.getClass().getDeclaredConstructor().newInstance();
        again.read(new ByteBufferReadable(ByteBuffer.wrap(runnelBytes)), version);
        assertThat(encode(again, version)).as("Runnel re-encode of %s", what).isEqualTo(runnelBytes);
        // the reference client must read our bytes and write the same bytes back
        Object kafkaMsg = kafkaClass.getConstructor(org.apache.kafka.common.protocol.Readable.class, short.class)
                .newInstance(new ByteBufferAccessor(ByteBuffer.wrap(runnelBytes)), version);
        ByteBuffer kb = MessageUtil.toByteBufferAccessor((org.apache.kafka.common.protocol.Message) kafkaMsg, version).buffer();
        byte[] kafkaBytes = MessageUtil.byteBufferToArray(kb);
        assertThat(HexFormat.of().formatHex(kafkaBytes))
                .as("kafka-clients re-encode of %s %s v%d: %s", what, ours.getClass().getSimpleName(), version, kafkaMsg)
                .isEqualTo(HexFormat.of().formatHex(runnelBytes));
    }

    static byte[] encode(Message m, short version) {
        GrowableWritable out = new GrowableWritable();
        m.write(out, version);
        return out.toArray();
    }

    /**
     * Sets some nullable-typed fields (strings, bytes, records, arrays, structs) to null, keeping each
     * null only if the version allows it (encoding does not throw), so nullable versions get exercised.
     */
    static void tryNulls(Message root, Object msg, Random r, short version) throws Exception {
        for (Field f : msg.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
            Object old = f.get(msg);
            if (old instanceof List<?> list) {
                for (Object e : list) if (e instanceof Message) tryNulls(root, e, r, version);
            } else if (old instanceof Message) {
                tryNulls(root, old, r, version);
            }
            if (f.getType() == Uuid.class || r.nextInt(3) != 0) continue;
            f.set(msg, null);
            try {
                encode(root, version);
            } catch (IllegalStateException | NullPointerException e) {
                f.set(msg, old);
            }
        }
    }

    /** Fills every public field with a random non-null value (structs and lists recursively). */
    static void fill(Object msg, Random r, int depth) throws Exception {
        for (Field f : msg.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            Object v = randomValue(f.getType(), f.getGenericType(), r, depth);
            if (v != null) f.set(msg, v);
        }
    }

    private static Object randomValue(Class<?> type, Type generic, Random r, int depth) throws Exception {
        if (type == boolean.class || type == Boolean.class) return r.nextBoolean();
        if (type == byte.class || type == Byte.class) return (byte) r.nextInt(128);
        if (type == short.class || type == Short.class) return (short) (r.nextInt(200) - 1);
        if (type == int.class || type == Integer.class) return r.nextInt(30000);
        if (type == long.class || type == Long.class) return r.nextBoolean() ? (long) r.nextInt(Integer.MAX_VALUE) : r.nextLong() >>> 1;
        if (type == double.class || type == Double.class) return r.nextDouble();
        if (type == String.class) return "s" + Integer.toString(r.nextInt(1_000_000), 36);
        if (type == byte[].class) {
            byte[] b = new byte[r.nextInt(6)];
            r.nextBytes(b);
            return b;
        }
        if (type == Uuid.class) return new Uuid(r.nextLong(), r.nextLong());
        if (type == Records.class) {
            byte[] b = new byte[r.nextInt(20)];
            r.nextBytes(b);
            return MemoryRecords.of(b);
        }
        if (type == List.class) {
            Type elem = ((ParameterizedType) generic).getActualTypeArguments()[0];
            Class<?> elemClass = (Class<?>) elem;
            List<Object> list = new ArrayList<>();
            int n = depth > 3 ? 0 : r.nextInt(3);
            for (int i = 0; i < n; i++) list.add(randomValue(elemClass, elemClass, r, depth + 1));
            return list;
        }
        if (Message.class.isAssignableFrom(type)) {
            Object o = type.getDeclaredConstructor().newInstance();
            if (depth <= 3) fill(o, r, depth + 1);
            return o;
        }
        throw new IllegalStateException("no random value for " + type);
    }
}
