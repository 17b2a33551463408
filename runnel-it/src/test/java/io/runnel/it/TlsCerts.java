package io.runnel.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at run time with the JDK's keytool: one self-signed EC key pair per identity in a PKCS12
 * store (password {@link #PASSWORD}), valid for 127.0.0.1 and localhost, and the same material as PEM files and
 * text, and trust stores holding other identities' certificates. Self-signed certificates keep it to one keytool
 * run per identity; trusting an identity means holding its certificate.
 */
final class TlsCerts {
    static final String PASSWORD = "test-secret";

    /** One identity: its PKCS12 key store and the same key and certificate in PEM. */
    record Identity(String name, String dn, Path pkcs12, Path pemFile, String certPem, String keyPem) {
    }

    private TlsCerts() {
    }

    /** Creates an identity named {@code name} (CN={name},OU=Runnel Tests,O=Runnel) under {@code dir}. */
    static Identity create(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Path p12 = dir.resolve(name + ".p12");
        String dn = "CN=" + name + ",OU=Runnel Tests,O=Runnel";
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", dn, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        Key key = ks.getKey(name, PASSWORD.toCharArray());
        Certificate cert = ks.getCertificate(name);
        String certPem = pem("CERTIFICATE", cert.getEncoded());
        String keyPem = pem("PRIVATE KEY", ((PrivateKey) key).getEncoded());
        Path pemFile = dir.resolve(name + ".pem");
        Files.writeString(pemFile, keyPem + certPem);
        return new Identity(name, dn, p12, pemFile, certPem, keyPem);
    }

    /** A PKCS12 trust store (password {@link #PASSWORD}) holding the certificates of {@code trusted}. */
    static Path trustStore(Path file, Identity... trusted) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (Identity i : trusted) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(i.pkcs12())) {
                ks.load(in, PASSWORD.toCharArray());
            }
            ts.setCertificateEntry(i.name(), ks.getCertificate(i.name()));
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ts.store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    /** A PEM file of the certificates of {@code trusted}. */
    static Path pemTrust(Path file, Identity... trusted) throws IOException {
        List<String> parts = new ArrayList<>();
        for (Identity i : trusted) parts.add(i.certPem());
        Files.writeString(file, String.join("", parts));
        return file;
    }

    /**
     * A PEM file with the identity's private key encrypted under {@code password} (PKCS#8, PBES2 with AES-256, as
     * {@code openssl pkcs8 -topk8 -v2 aes-256-cbc} writes it) followed by its certificate.
     */
    static Path encryptedPem(Path file, Identity id, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(id.pkcs12())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        byte[] pkcs8 = ks.getKey(id.name(), PASSWORD.toCharArray()).getEncoded();
        String alg = "PBEWithHmacSHA256AndAES_256";
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        byte[] iv = new byte[16];
        new java.security.SecureRandom().nextBytes(iv);
        javax.crypto.SecretKey pbeKey = javax.crypto.SecretKeyFactory.getInstance(alg)
                .generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray()));
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(alg);
        cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, pbeKey,
                new javax.crypto.spec.PBEParameterSpec(salt, 10_000, new javax.crypto.spec.IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(pkcs8);
        // the JDK names PBES2 parameters by their cipher, which EncryptedPrivateKeyInfo cannot encode: re-read them as PBES2
        java.security.AlgorithmParameters pbes2 = java.security.AlgorithmParameters.getInstance("PBES2");
        pbes2.init(cipher.getParameters().getEncoded());
        byte[] der = new javax.crypto.EncryptedPrivateKeyInfo(pbes2, encrypted).getEncoded();
        Files.writeString(file, pem("ENCRYPTED PRIVATE KEY", der) + id.certPem());
        return file;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
