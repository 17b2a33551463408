package io.runnel.protocol;

/**
 * A request header. v0: api key, api version, correlation id. v1 adds client id (a classic nullable
 * string, even in v2). v2 adds a tagged-field section. The header version follows from the api and
 * its version ({@link ApiKeys#requestHeaderVersion}).
 */
public record RequestHeader(short apiKey, short apiVersion, int correlationId, String clientId) {

    /** Reads api key, version and correlation id, then the rest for {@code headerVersion}. */
    public static RequestHeader read(Readable in) {
        short key = in.readShort();
        short version = in.readShort();
        int correlationId = in.readInt();
        ApiKeys api = ApiKeys.forId(key);
        short headerVersion = api == null ? 1 : api.requestHeaderVersion(version);
        String clientId = Codec.readString(in, false, true, "clientId");
        if (headerVersion >= 2) {
            int tagged = in.readUnsignedVarint();
            for (int i = 0; i < tagged; i++) {
                in.readUnsignedVarint();
                in.skip(in.readUnsignedVarint());
            }
        }
        return new RequestHeader(key, version, correlationId, clientId);
    }

    public void write(Writable out, short headerVersion) {
        out.writeShort(apiKey);
        out.writeShort(apiVersion);
        out.writeInt(correlationId);
        if (headerVersion >= 1) Codec.writeString(out, clientId, false, true, "clientId", headerVersion);
        if (headerVersion >= 2) out.writeUnsignedVarint(0);
    }

    /** Writes a response header: correlation id, plus an empty tagged-field section in v1. */
    public static void writeResponseHeader(Writable out, int correlationId, short headerVersion) {
        out.writeInt(correlationId);
        if (headerVersion >= 1) out.writeUnsignedVarint(0);
    }
}
