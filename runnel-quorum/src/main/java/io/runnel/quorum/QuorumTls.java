package io.runnel.quorum;

import io.runnel.common.security.SslFactory;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;

/**
 * TLS on every connection of the metadata quorum, when the controller listener is SSL (docs/security.md, "The
 * controller listener"): one {@link GrpcTlsConfig} built from the listener's {@link SslFactory} (key store as the key
 * manager, trust store as the trust manager, its enabled protocols and cipher suites, the JDK's engine) is Ratis'
 * default TLS configuration, so it covers the gRPC server (Raft and client services), the server's own connections
 * to its peers (append entries, votes, snapshots), and every {@code RaftClient} this node builds (the broker's
 * requests to the active controller, an observer's join) through the same {@link Parameters}.
 *
 * <p>Mutual TLS when {@code ssl.client.auth=required}: a server then asks every peer and client for a certificate
 * its trust store trusts, and this node presents its own. Ratis has no "requested" mode: {@code requested} and
 * {@code none} ask for no certificate. A TLS client checks the server's host name against its certificate (gRPC
 * always asks for the https check) unless {@code ssl.endpoint.identification.algorithm} is empty.
 */
public final class QuorumTls {
    private final SslFactory ssl;
    private final boolean mutual;

    private QuorumTls(SslFactory ssl) {
        if (ssl.keyManager() == null) throw new IllegalArgumentException("the quorum's TLS needs a key store");
        this.ssl = ssl;
        this.mutual = ssl.clientAuth() == SslFactory.ClientAuth.REQUIRED;
    }

    /** TLS with {@code ssl}'s material (built by {@link SslFactory#forServer}: it has a key store). */
    public static QuorumTls of(SslFactory ssl) {
        return new QuorumTls(ssl);
    }

    /** Whether peers and clients must present a trusted certificate ({@code ssl.client.auth=required}). */
    public boolean mutual() {
        return mutual;
    }

    /** Ratis parameters carrying the TLS configuration for servers, clients and admin clients; empty without TLS. */
    static Parameters parameters(QuorumTls tls) {
        Parameters p = new Parameters();
        if (tls == null) return p;
        GrpcTlsConfig.Builder b = GrpcTlsConfig.newBuilder()
                .setKeyManager(tls.ssl.keyManager())
                .setTrustManager(tls.ssl.trustManager())
                .setMutualTls(tls.mutual)
                // the JDK's engine, as every other TLS connection of Runnel: the protocols and suites were checked against it
                .setSslProvider(SslProvider.JDK)
                .setProtocols(tls.ssl.enabledProtocols());
        if (!tls.ssl.cipherSuites().isEmpty()) b.setCipherSuites(tls.ssl.cipherSuites());
        GrpcConfigKeys.TLS.setConf(p, b.build());
        return p;
    }

    @Override
    public String toString() {
        return "TLS" + (mutual ? " (mutual)" : "") + " " + ssl.enabledProtocols();
    }
}
