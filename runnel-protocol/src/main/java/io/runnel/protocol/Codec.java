package io.runnel.protocol;

import io.runnel.record.Records;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Length-prefixed primitives shared by all generated codecs: strings, bytes, records and array
 * counts, in their classic (int16/int32 length, -1 = null) and compact (unsigned varint length + 1,
 * 0 = null) forms.
 */
public final class Codec {
    private Codec() {
    }

    /** Reads an array length; -1 means null. */
    public static int readArrayLength(Readable in, boolean flexible, boolean nullable, String field) {
        int n = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
        if (n < 0) {
            if (n == -1 && nullable) return -1;
            throw new MalformedMessageException("non-nullable array " + field + " has length " + n);
        }
        // every element takes at least one byte: guards against a huge length in a short frame
        if (n > in.remaining()) {
            throw new MalformedMessageException("array " + field + " claims " + n + " elements, " + in.remaining() + " bytes remain");
        }
        return n;
    }

    public static void writeArrayLength(Writable out, int n, boolean flexible) {
        if (flexible) out.writeUnsignedVarint(n + 1);
        else out.writeInt(n);
    }

    public static void checkNotNull(Object value, boolean nullable, String field, short version) {
        if (value == null && !nullable) {
            throw new IllegalStateException("field " + field + " is null, which version " + version + " does not allow");
        }
    }

    public static String readString(Readable in, boolean flexible, boolean nullable, String field) {
        int n = flexible ? in.readUnsignedVarint() - 1 : in.readShort();
        if (n < 0) {
            if (n == -1 && nullable) return null;
            throw new MalformedMessageException("non-nullable string " + field + " has length " + n);
        }
        return in.readString(n);
    }

    public static void writeString(Writable out, String s, boolean flexible, boolean nullable, String field, short version) {
        if (s == null) {
            checkNotNull(null, nullable, field, version);
            if (flexible) out.writeUnsignedVarint(0);
            else out.writeShort((short) -1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (flexible) {
            out.writeUnsignedVarint(b.length + 1);
        } else {
            if (b.length > Short.MAX_VALUE) throw new IllegalStateException("string " + field + " is longer than 32767 bytes");
            out.writeShort((short) b.length);
        }
        out.writeBytes(b);
    }

    public static byte[] readBytes(Readable in, boolean flexible, boolean nullable, String field) {
        int n = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
        if (n < 0) {
            if (n == -1 && nullable) return null;
            throw new MalformedMessageException("non-nullable bytes " + field + " has length " + n);
        }
        return in.readBytes(n);
    }

    public static void writeBytes(Writable out, byte[] b, boolean flexible, boolean nullable, String field, short version) {
        if (b == null) {
            checkNotNull(null, nullable, field, version);
            if (flexible) out.writeUnsignedVarint(0);
            else out.writeInt(-1);
            return;
        }
        if (flexible) out.writeUnsignedVarint(b.length + 1);
        else out.writeInt(b.length);
        out.writeBytes(b);
    }

    public static Records readRecords(Readable in, boolean flexible, boolean nullable, String field) {
        int n = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
        if (n < 0) {
            if (n == -1 && nullable) return null;
            throw new MalformedMessageException("non-nullable records " + field + " has length " + n);
        }
        return in.readRecords(n);
    }

    public static void writeRecords(Writable out, Records r, boolean flexible, boolean nullable, String field, short version) {
        if (r == null) {
            checkNotNull(null, nullable, field, version);
            if (flexible) out.writeUnsignedVarint(0);
            else out.writeInt(-1);
            return;
        }
        int n = r.sizeInBytes();
        if (flexible) out.writeUnsignedVarint(n + 1);
        else out.writeInt(n);
        out.writeRecords(r);
    }

    /** Writes one tagged field whose value {@code body} writes: tag, size, bytes. */
    public static void writeTagged(Writable out, int tag, java.util.function.Consumer<Writable> body) {
        GrowableWritable tmp = new GrowableWritable(64);
        body.accept(tmp);
        out.writeUnsignedVarint(tag);
        out.writeUnsignedVarint(tmp.size());
        out.writeBytes(tmp.toArray());
    }

    public static String toString(byte[] b) {
        return b == null ? "null" : b.length <= 16 ? Arrays.toString(b) : "bytes[" + b.length + "]";
    }
}
