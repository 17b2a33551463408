package io.runnel.broker.network;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.runnel.common.security.SslFactory;
import io.runnel.config.ConfigException;
import io.runnel.config.SslSettings;

import javax.net.ssl.SSLException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The TLS engine of one SSL or SASL_SSL listener ({@code ssl.engine}, Runnel's own key): OpenSSL (BoringSSL through
 * netty-tcnative) or the JDK's, both built from the listener's {@link SslFactory} (the same key and trust managers,
 * protocols, cipher suites and client authentication). Unset, the key means OpenSSL when it loads, else the JDK; an
 * explicit {@code openssl} that cannot load stops the start naming the key. Built once at start, then
 * {@link #newHandler} makes one engine per connection (thread-safe).
 */
public final class ServerTls {
    public static final String KEY = "ssl.engine";

    /** The engines {@code ssl.engine} names. */
    public enum Engine { OPENSSL, JDK }

    private final SslFactory factory;
    private final SslContext openSsl; // null: the JDK engine
    private final String source;

    private ServerTls(SslFactory factory, SslContext openSsl, String source) {
        this.factory = factory;
        this.openSsl = openSsl;
        this.source = source;
    }

    /** The default engine of {@code factory} ({@code ssl.engine} unset): OpenSSL when it is available, else the JDK's. */
    public static ServerTls of(SslFactory factory) {
        return create(factory, null, KEY, "ssl.cipher.suites", "");
    }

    /**
     * The engine {@code ssl.engine} of {@code settings} asks for.
     *
     * @throws ConfigException naming the key: an unknown engine, openssl asked for and not available, or a setting
     *                         (protocol, cipher suite) OpenSSL does not support
     */
    public static ServerTls create(SslFactory factory, SslSettings settings) {
        return create(factory, settings.string(KEY), settings.source(KEY), settings.source("ssl.cipher.suites"),
                settings.listenerName() == null ? "" : " (listener " + settings.listenerName() + ")");
    }

    private static ServerTls create(SslFactory factory, String value, String key, String suitesKey, String where) {
        Engine wanted;
        if (value == null || value.isBlank()) {
            wanted = null;
        } else {
            try {
                wanted = Engine.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ConfigException.invalidValue(key, value, "the TLS engine must be openssl or jdk" + where);
            }
        }
        if (wanted == Engine.JDK) return new ServerTls(factory, null, key + "=jdk");
        if (!OpenSsl.isAvailable()) {
            if (wanted == Engine.OPENSSL) {
                throw ConfigException.invalidValue(key, value, "OpenSSL (netty-tcnative BoringSSL) is not available on this "
                        + "platform" + where + ": " + OpenSsl.unavailabilityCause() + "; set " + key + "=jdk or leave it unset");
            }
            return new ServerTls(factory, null, "OpenSSL not available: " + OpenSsl.unavailabilityCause());
        }
        return new ServerTls(factory, openSslContext(factory, key, suitesKey, where), wanted == null ? "default" : key + "=openssl");
    }

    private static SslContext openSslContext(SslFactory f, String key, String suitesKey, String where) {
        if (f.keyManagerFactory() == null) throw new IllegalArgumentException("a server needs a key store");
        SslContextBuilder b = SslContextBuilder.forServer(f.keyManagerFactory())
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(f.trustManagerFactory())
                .protocols(f.enabledProtocols())
                .clientAuth(switch (f.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUESTED -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        if (!f.cipherSuites().isEmpty()) b.ciphers(f.cipherSuites()); // Java names; Netty maps them to OpenSSL's
        SslContext ctx;
        try {
            ctx = b.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException(key, "OpenSSL cannot serve this listener's TLS settings" + where + " (ssl.enabled.protocols "
                    + f.enabledProtocols() + ", ssl.cipher.suites " + f.cipherSuites() + "): " + e.getMessage() + "; set " + key + "=jdk");
        }
        // a suite OpenSSL does not know is left out silently by Netty: refuse instead, as the JDK engine does
        Set<String> offered = new HashSet<>(ctx.cipherSuites());
        for (String suite : f.cipherSuites()) {
            if (!offered.contains(suite)) {
                throw ConfigException.invalidValue(suitesKey, String.join(",", f.cipherSuites()),
                        suite + " is not supported by the OpenSSL engine" + where + "; set " + key + "=jdk to use it");
            }
        }
        return ctx;
    }

    /** The engine in use. */
    public Engine engine() {
        return openSsl != null ? Engine.OPENSSL : Engine.JDK;
    }

    /** Why this engine: the key that chose it, "default", or why OpenSSL is not used (for the start-up log). */
    String reason() {
        return source;
    }

    public SslFactory factory() {
        return factory;
    }

    /** A server-mode TLS handler around a new engine, for one connection. */
    SslHandler newHandler(ByteBufAllocator alloc) {
        if (openSsl == null) return new SslHandler(factory.newServerEngine());
        SslHandler h = openSsl.newHandler(alloc);
        h.setWrapDataSize(OPENSSL_WRAP_BYTES);
        return h;
    }

    /**
     * Plaintext bytes handed to each OpenSSL wrap call: one copied 64 KiB fetch chunk ({@link NettyWritable#COPY_CHUNK})
     * becomes four TLS records in one output buffer and one socket write, instead of four of each (Netty's default is
     * one record, 16 KiB). Measured: about 15% less broker CPU per consumed record over SASL_SSL (docs/benchmarks.md).
     */
    static final int OPENSSL_WRAP_BYTES = NettyWritable.COPY_CHUNK;

    /** The cipher suites the engine offers (Java names), for tests. */
    List<String> cipherSuites() {
        return openSsl != null ? openSsl.cipherSuites() : List.of(factory.newServerEngine().getEnabledCipherSuites());
    }
}
