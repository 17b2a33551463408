package io.runnel.common.security;

import io.runnel.config.ConfigException;
import io.runnel.config.SslSettings;

import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the JDK's TLS engine (SSLContext / SSLEngine) of one listener from Kafka's {@code ssl.*} keys: key store
 * (JKS, PKCS12, or PEM from a file or inline), trust store (same formats; none means the JDK's default trust),
 * protocol, enabled protocols, cipher suites, client authentication and the key/trust manager algorithms.
 *
 * <p>Everything is loaded and checked once, by {@link #forServer}: a missing file, a wrong password, a key that
 * does not decode, an unknown protocol or cipher suite fails with a {@link ConfigException} naming the key to
 * fix. {@link #newServerEngine()} is then cheap and thread-safe (one engine per connection).
 */
public final class SslFactory {
    /** What {@code ssl.client.auth} asks of TLS clients. */
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }

    private final SSLContext context;
    private final KeyManagerFactory keyManagers; // null: no key store (a client without one)
    private final TrustManagerFactory trustManagers;
    private final String[] protocols;
    private final String[] cipherSuites; // null: the engine's defaults
    private final ClientAuth clientAuth;
    private final SslPrincipalMapper principalMapper;
    private final String endpointIdentification;
    private final KeyManager keyManager; // null: no key store (a client without one)
    private final X509ExtendedTrustManager trustManager;

    private SslFactory(SSLContext context, KeyManagerFactory keyManagers, TrustManagerFactory trustManagers, String[] protocols,
                       String[] cipherSuites, ClientAuth clientAuth, SslPrincipalMapper principalMapper, String endpointIdentification,
                       X509ExtendedTrustManager trustManager) {
        this.context = context;
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        KeyManager[] keys = keyManagers == null ? null : keyManagers.getKeyManagers();
        this.keyManager = keys == null || keys.length == 0 ? null : keys[0];
        this.trustManager = trustManager;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
        this.clientAuth = clientAuth;
        this.principalMapper = principalMapper;
        this.endpointIdentification = endpointIdentification;
    }

    /**
     * Builds the server side of a listener: a key store is required.
     *
     * @throws ConfigException naming the key whose value does not work
     */
    public static SslFactory forServer(SslSettings s) {
        String where = s.listenerName() == null ? "" : " (listener " + s.listenerName() + ")";
        KeyManagerFactory keys = keyManagers(s, where);
        if (keys == null) {
            throw new ConfigException(s.source("ssl.keystore.location"), "An SSL listener needs a key store" + where
                    + ": set " + s.source("ssl.keystore.location") + " (JKS, PKCS12 or PEM), or ssl.keystore.type=PEM with "
                    + "ssl.keystore.certificate.chain and ssl.keystore.key");
        }
        return build(s, keys, where);
    }

    /**
     * Builds the client side, for this broker's own connections to another node's SSL listener: the trust store
     * decides which servers are trusted, a key store is optional (presented when the server asks, mutual TLS), and
     * {@code ssl.endpoint.identification.algorithm} (https by default) checks the server's name.
     *
     * @throws ConfigException naming the key whose value does not work
     */
    public static SslFactory forClient(SslSettings s) {
        String where = s.listenerName() == null ? "" : " (listener " + s.listenerName() + ", as a client)";
        return build(s, keyManagers(s, where), where);
    }

    private static SslFactory build(SslSettings s, KeyManagerFactory keys, String where) {
        TrustManagerFactory tmf = trustManagers(s, where);
        String protocolKey = s.source("ssl.protocol");
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance(s.string("ssl.protocol"));
        } catch (NoSuchAlgorithmException e) {
            throw ConfigException.invalidValue(protocolKey, s.string("ssl.protocol"), "the JDK has no such TLS protocol" + where);
        }
        try {
            ctx.init(keys == null ? null : keys.getKeyManagers(), tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(protocolKey, "Cannot create the TLS context" + where + ": " + e.getMessage());
        }
        SSLParameters supported = ctx.getSupportedSSLParameters();
        String[] protocols = checked(s, "ssl.enabled.protocols", s.list("ssl.enabled.protocols"), supported.getProtocols(), where);
        if (protocols.length == 0) {
            throw ConfigException.invalidValue(s.source("ssl.enabled.protocols"), "", "at least one TLS protocol is needed" + where);
        }
        List<String> suites = s.list("ssl.cipher.suites");
        String[] ciphers = suites.isEmpty() ? null : checked(s, "ssl.cipher.suites", suites, supported.getCipherSuites(), where);
        ClientAuth auth = ClientAuth.valueOf(s.string("ssl.client.auth").toUpperCase(Locale.ROOT));
        SslPrincipalMapper mapper;
        try {
            mapper = SslPrincipalMapper.parse(s.string("ssl.principal.mapping.rules"));
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalidValue(s.source("ssl.principal.mapping.rules"), s.string("ssl.principal.mapping.rules"),
                    e.getMessage());
        }
        String eia = s.string("ssl.endpoint.identification.algorithm");
        X509ExtendedTrustManager trust = null;
        for (TrustManager t : tmf.getTrustManagers()) {
            if (t instanceof X509ExtendedTrustManager x) {
                trust = x;
                break;
            }
        }
        if (trust == null) {
            throw ConfigException.invalidValue(s.source("ssl.trustmanager.algorithm"), s.string("ssl.trustmanager.algorithm"),
                    "it gives no X.509 trust manager" + where);
        }
        return new SslFactory(ctx, keys, tmf, protocols, ciphers, auth, mapper, eia == null || eia.isBlank() ? null : eia.trim(), trust);
    }

    private static String[] checked(SslSettings s, String key, List<String> wanted, String[] supported, String where) {
        Set<String> known = new HashSet<>(Arrays.asList(supported));
        for (String w : wanted) {
            if (!known.contains(w)) {
                throw ConfigException.invalidValue(s.source(key), String.join(",", wanted),
                        w + " is not supported by the JDK's TLS engine" + where);
            }
        }
        return wanted.toArray(String[]::new);
    }

    /** A new server-mode engine (one per connection) with this listener's protocols, suites and client auth. */
    public SSLEngine newServerEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(protocols);
        if (cipherSuites != null) engine.setEnabledCipherSuites(cipherSuites);
        switch (clientAuth) {
            case REQUIRED -> engine.setNeedClientAuth(true);
            case REQUESTED -> engine.setWantClientAuth(true);
            case NONE -> engine.setNeedClientAuth(false);
        }
        return engine;
    }

    /**
     * Layers a client-mode TLS connection over the connected socket {@code plain} to {@code host}:{@code port} and
     * completes the handshake (within the socket's timeout). Closing the result closes {@code plain}.
     *
     * @throws java.io.IOException the handshake failed (the server is not trusted, its name does not match, ...)
     */
    public javax.net.ssl.SSLSocket clientSocket(java.net.Socket plain, String host, int port) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        s.setUseClientMode(true);
        SSLParameters params = s.getSSLParameters();
        params.setProtocols(protocols);
        if (cipherSuites != null) params.setCipherSuites(cipherSuites);
        if (endpointIdentification != null) params.setEndpointIdentificationAlgorithm(endpointIdentification);
        s.setSSLParameters(params);
        s.startHandshake();
        return s;
    }

    /**
     * The key managers of the listener's key store (JKS, PKCS12 or PEM, already loaded and checked), for a TLS engine
     * other than the JDK's (the broker's OpenSSL engine); null when there is no key store.
     */
    public KeyManagerFactory keyManagerFactory() {
        return keyManagers;
    }

    /** The trust managers of the listener's trust store (the JDK's default CAs when it has none). */
    public TrustManagerFactory trustManagerFactory() {
        return trustManagers;
    }

    /** {@code ssl.enabled.protocols}, checked. */
    public List<String> enabledProtocols() {
        return List.of(protocols);
    }

    /** {@code ssl.cipher.suites} (Java names), checked; empty: the engine's defaults. */
    public List<String> cipherSuites() {
        return cipherSuites == null ? List.of() : List.of(cipherSuites);
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** The listener's {@code ssl.principal.mapping.rules}. */
    public SslPrincipalMapper principalMapper() {
        return principalMapper;
    }

    /** {@code ssl.endpoint.identification.algorithm}, or null when disabled (empty); used in client mode. */
    public String endpointIdentificationAlgorithm() {
        return endpointIdentification;
    }

    /** The first key manager of the key store (this node's certificate and key), or null when there is none. */
    public KeyManager keyManager() {
        return keyManager;
    }

    /**
     * The trust store's trust manager, for a TLS stack that takes one (the metadata quorum's gRPC). With
     * {@code ssl.endpoint.identification.algorithm} empty it is wrapped so that it checks a server's certificate
     * chain but not the server's name, whatever the TLS stack asks (gRPC always asks for the https check).
     */
    public X509ExtendedTrustManager trustManager() {
        return endpointIdentification == null ? new NoNameCheck(trustManager) : trustManager;
    }

    /** A trust manager that checks a server's chain without its host name (endpoint identification disabled). */
    private static final class NoNameCheck extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager trust;

        NoNameCheck(X509ExtendedTrustManager trust) {
            this.trust = trust;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            trust.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            trust.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            trust.checkServerTrusted(chain, authType); // the two-argument check: the chain, no host name
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.getAcceptedIssuers();
        }
    }

    // ------------------------------------------------------------------ key store

    /** The key managers of the listener's key store, or null when it has none. */
    private static KeyManagerFactory keyManagers(SslSettings s, String where) {
        String type = s.string("ssl.keystore.type").toUpperCase(Locale.ROOT);
        String location = s.string("ssl.keystore.location");
        String storePassword = s.password("ssl.keystore.password");
        String keyPassword = s.password("ssl.key.password");
        String chain = s.password("ssl.keystore.certificate.chain");
        String inlineKey = s.password("ssl.keystore.key");
        KeyStore ks;
        char[] keyPw;
        if (type.equals("PEM")) {
            if (storePassword != null) {
                throw new ConfigException(s.source("ssl.keystore.password"), s.source("ssl.keystore.password")
                        + " cannot be used with ssl.keystore.type=PEM" + where + ": a PEM key is protected by ssl.key.password only");
            }
            String certText;
            String keyText;
            String keyKey;
            if (chain != null || inlineKey != null) {
                if (location != null) {
                    throw new ConfigException(s.source("ssl.keystore.location"), "Set either " + s.source("ssl.keystore.location")
                            + " or the inline ssl.keystore.certificate.chain and ssl.keystore.key, not both" + where);
                }
                if (chain == null || inlineKey == null) {
                    String missing = chain == null ? "ssl.keystore.certificate.chain" : "ssl.keystore.key";
                    throw new ConfigException(s.source(missing), missing + " is needed with "
                            + (chain == null ? "ssl.keystore.key" : "ssl.keystore.certificate.chain") + where);
                }
                certText = chain;
                keyText = inlineKey;
                keyKey = s.source("ssl.keystore.key");
            } else if (location != null) {
                certText = keyText = readText(s, "ssl.keystore.location", where);
                keyKey = s.source("ssl.keystore.location");
            } else {
                return null;
            }
            List<Certificate> certs = certificates(certText, chain != null ? s.source("ssl.keystore.certificate.chain")
                    : s.source("ssl.keystore.location"), where);
            PrivateKey key = privateKey(keyText, keyPassword, keyKey, s.source("ssl.key.password"), where);
            keyPw = new char[0];
            try {
                ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("kafka", key, keyPw, certs.toArray(Certificate[]::new));
            } catch (GeneralSecurityException | IOException e) {
                throw new ConfigException(keyKey, "The PEM key does not fit its certificate chain" + where + ": " + e.getMessage());
            }
        } else {
            if (chain != null || inlineKey != null) {
                throw new ConfigException(chain != null ? s.source("ssl.keystore.certificate.chain") : s.source("ssl.keystore.key"),
                        "Inline PEM key material needs ssl.keystore.type=PEM" + where);
            }
            if (location == null) return null;
            ks = loadStore(s, type, "ssl.keystore.location", "ssl.keystore.type", storePassword, "ssl.keystore.password", where);
            keyPw = (keyPassword != null ? keyPassword : storePassword == null ? "" : storePassword).toCharArray();
        }
        KeyManagerFactory kmf;
        try {
            kmf = KeyManagerFactory.getInstance(s.string("ssl.keymanager.algorithm"));
        } catch (NoSuchAlgorithmException e) {
            throw ConfigException.invalidValue(s.source("ssl.keymanager.algorithm"), s.string("ssl.keymanager.algorithm"),
                    "the JDK has no such key manager algorithm" + where);
        }
        try {
            kmf.init(ks, keyPw);
        } catch (UnrecoverableKeyException e) {
            throw new ConfigException(s.source("ssl.key.password"), "The private key in " + location + " cannot be read with "
                    + (keyPassword != null ? s.source("ssl.key.password") : s.source("ssl.keystore.password") + " (ssl.key.password unset)")
                    + where + ": wrong password? (" + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new ConfigException(s.source("ssl.keystore.location"), "Cannot use the key store " + location + where + ": " + e.getMessage());
        }
        return kmf;
    }

    // ------------------------------------------------------------------ trust store

    private static TrustManagerFactory trustManagers(SslSettings s, String where) {
        String type = s.string("ssl.truststore.type").toUpperCase(Locale.ROOT);
        String location = s.string("ssl.truststore.location");
        String password = s.password("ssl.truststore.password");
        String inline = s.password("ssl.truststore.certificates");
        KeyStore ts = null;
        if (type.equals("PEM")) {
            if (inline != null && location != null) {
                throw new ConfigException(s.source("ssl.truststore.location"), "Set either " + s.source("ssl.truststore.location")
                        + " or ssl.truststore.certificates, not both" + where);
            }
            if (password != null) {
                throw new ConfigException(s.source("ssl.truststore.password"), s.source("ssl.truststore.password")
                        + " cannot be used with ssl.truststore.type=PEM" + where);
            }
            String text = inline != null ? inline : location != null ? readText(s, "ssl.truststore.location", where) : null;
            if (text != null) {
                String key = inline != null ? s.source("ssl.truststore.certificates") : s.source("ssl.truststore.location");
                List<Certificate> certs = certificates(text, key, where);
                try {
                    ts = KeyStore.getInstance("PKCS12");
                    ts.load(null, null);
                    for (int i = 0; i < certs.size(); i++) ts.setCertificateEntry("ca-" + i, certs.get(i));
                } catch (GeneralSecurityException | IOException e) {
                    throw new ConfigException(key, "Cannot build the trust store" + where + ": " + e.getMessage());
                }
            }
        } else {
            if (inline != null) {
                throw new ConfigException(s.source("ssl.truststore.certificates"),
                        "ssl.truststore.certificates needs ssl.truststore.type=PEM" + where);
            }
            if (location != null) {
                ts = loadStore(s, type, "ssl.truststore.location", "ssl.truststore.type", password, "ssl.truststore.password", where);
            }
        }
        TrustManagerFactory tmf;
        try {
            tmf = TrustManagerFactory.getInstance(s.string("ssl.trustmanager.algorithm"));
        } catch (NoSuchAlgorithmException e) {
            throw ConfigException.invalidValue(s.source("ssl.trustmanager.algorithm"), s.string("ssl.trustmanager.algorithm"),
                    "the JDK has no such trust manager algorithm" + where);
        }
        try {
            tmf.init(ts); // null: the JDK's default trust (cacerts), as Kafka does without a trust store
        } catch (GeneralSecurityException e) {
            throw new ConfigException(s.source("ssl.truststore.location"), "Cannot use the trust store" + where + ": " + e.getMessage());
        }
        return tmf;
    }

    // ------------------------------------------------------------------ files and PEM

    private static KeyStore loadStore(SslSettings s, String type, String locationKey, String typeKey, String password,
                                      String passwordKey, String where) {
        String location = s.string(locationKey);
        KeyStore ks;
        try {
            ks = KeyStore.getInstance(type);
        } catch (GeneralSecurityException e) {
            throw ConfigException.invalidValue(s.source(typeKey), type, "the JDK has no such key store type" + where);
        }
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            ks.load(in, password == null ? null : password.toCharArray());
            return ks;
        } catch (NoSuchFileException e) {
            throw ConfigException.invalidValue(s.source(locationKey), location, "no such file" + where);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new ConfigException(s.source(passwordKey), "Cannot open the " + type + " store " + location + " with "
                        + s.source(passwordKey) + where + ": wrong password? (" + e.getMessage() + ")");
            }
            throw ConfigException.invalidValue(s.source(locationKey), location, "cannot read it as a " + type + " store"
                    + where + " (" + s.source(typeKey) + "): " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw ConfigException.invalidValue(s.source(locationKey), location, "cannot load it" + where + ": " + e.getMessage());
        }
    }

    private static String readText(SslSettings s, String locationKey, String where) {
        String location = s.string(locationKey);
        try {
            return Files.readString(Path.of(location), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw ConfigException.invalidValue(s.source(locationKey), location, "no such file" + where);
        } catch (IOException e) {
            throw ConfigException.invalidValue(s.source(locationKey), location, "cannot read it" + where + ": " + e);
        }
    }

    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    /** The DER contents of every PEM block of the given type, in order. */
    static List<byte[]> pemBlocks(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) out.add(Base64.getMimeDecoder().decode(m.group(2)));
        }
        return out;
    }

    private static List<Certificate> certificates(String text, String key, String where) {
        List<Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : pemBlocks(text, "CERTIFICATE")) {
                certs.add(cf.generateCertificate(new java.io.ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(key, "A PEM certificate of " + key + where + " does not decode: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new ConfigException(key, key + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)" + where);
        }
        return certs;
    }

    private static PrivateKey privateKey(String text, String password, String key, String passwordKey, String where) {
        List<byte[]> plain = pemBlocks(text, "PRIVATE KEY");
        List<byte[]> encrypted = pemBlocks(text, "ENCRYPTED PRIVATE KEY");
        if (plain.size() + encrypted.size() != 1) {
            throw new ConfigException(key, key + " must hold exactly one PKCS#8 private key (-----BEGIN PRIVATE KEY----- or "
                    + "-----BEGIN ENCRYPTED PRIVATE KEY-----), found " + (plain.size() + encrypted.size()) + where);
        }
        PKCS8EncodedKeySpec spec;
        if (!plain.isEmpty()) {
            if (password != null) {
                throw new ConfigException(passwordKey, passwordKey + " is set but the PEM private key of " + key
                        + " is not encrypted" + where);
            }
            spec = new PKCS8EncodedKeySpec(plain.get(0));
        } else {
            if (password == null) {
                throw new ConfigException(passwordKey, "The PEM private key of " + key + " is encrypted: set " + passwordKey + where);
            }
            try {
                EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(encrypted.get(0));
                SecretKeyFactory skf = SecretKeyFactory.getInstance(info.getAlgName());
                spec = info.getKeySpec(skf.generateSecret(new PBEKeySpec(password.toCharArray())));
            } catch (GeneralSecurityException | IOException e) {
                throw new ConfigException(passwordKey, "Cannot decrypt the PEM private key of " + key + " with " + passwordKey
                        + where + ": wrong password? (" + e.getMessage() + ")");
            }
        }
        for (String alg : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException(key, "The PEM private key of " + key + " is not an RSA, EC, EdDSA or DSA PKCS#8 key" + where);
    }
}
