package io.runnel.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed test identities made with the JDK's keytool (an EC key in a PKCS12 store, password {@link #PASSWORD},
 * valid for 127.0.0.1 and localhost), trust stores holding them, and their certificates as PEM.
 */
final class TestCerts {
    static final String PASSWORD = "test-secret";

    private TestCerts() {
    }

    /** A PKCS12 key store {@code <dir>/<name>.p12} with alias {@code name} and subject CN={name},O=Runnel. */
    static Path identity(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Path p12 = dir.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name + ",O=Runnel", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + out);
        return p12;
    }

    static Certificate certificate(Path p12, String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks.getCertificate(name);
    }

    /** A PKCS12 trust store {@code file} (password {@link #PASSWORD}) with the certificate of identity {@code name}. */
    static Path trustStore(Path file, Path p12, String name) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry(name, certificate(p12, name));
        try (OutputStream out = Files.newOutputStream(file)) {
            ts.store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    /** The certificate of identity {@code name} as PEM text. */
    static String pem(Path p12, String name) throws Exception {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate(p12, name).getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
    }
}
