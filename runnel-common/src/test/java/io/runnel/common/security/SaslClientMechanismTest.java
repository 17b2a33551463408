package io.runnel.common.security;

import org.junit.jupiter.api.Test;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.SaslException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslClientMechanismTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    /** The SCRAM-SHA-256 exchange of RFC 7677 section 3 (user "user", password "pencil"), client side. */
    @Test
    void scramSha256ClientMatchesTheRfc7677Example() throws Exception {
        SaslClientMechanism c = SaslClientMechanism.create("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assertThat(str(c.initialResponse())).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        byte[] fin = c.evaluate(utf8(SERVER_FIRST));
        assertThat(str(fin)).isEqualTo("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(c.isComplete()).isFalse();
        assertThat(c.evaluate(utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))).isNull();
        assertThat(c.isComplete()).isTrue();
    }

    @Test
    void aWrongServerSignatureIsAnError() throws Exception {
        SaslClientMechanism c = SaslClientMechanism.create("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        c.initialResponse();
        c.evaluate(utf8(SERVER_FIRST));
        assertThatThrownBy(() -> c.evaluate(utf8("v=" + Base64.getEncoder().encodeToString(new byte[32]))))
                .isInstanceOf(SaslException.class).hasMessageContaining("server signature");
        assertThat(c.isComplete()).isFalse();
    }

    @Test
    void badServerFirstMessagesAreErrors() throws Exception {
        String[] bad = {
                "e=unknown-user",
                "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",   // does not extend ours
                "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // adds nothing
                "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024", // too few iterations
                "r=rOprNGfwEbeRWgbNEkqOxyz,s=***,i=4096",
                "r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",
                "m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        };
        for (String msg : bad) {
            SaslClientMechanism c = SaslClientMechanism.create("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
            c.initialResponse();
            assertThatThrownBy(() -> c.evaluate(utf8(msg))).as(msg).isInstanceOf(SaslException.class);
        }
    }

    @Test
    void userNamesAreEscaped() {
        SaslClientMechanism c = SaslClientMechanism.create("SCRAM-SHA-512", "a,b=c", "pw", "N");
        assertThat(str(c.initialResponse())).isEqualTo("n,,n=a=2Cb=3Dc,r=N");
    }

    @Test
    void plainSendsOneToken() throws Exception {
        SaslClientMechanism c = SaslClientMechanism.create("PLAIN", "alice", "secret");
        assertThat(c.mechanism()).isEqualTo("PLAIN");
        assertThat(c.initialResponse()).isEqualTo(utf8("\0alice\0secret"));
        assertThat(c.isComplete()).isFalse();
        assertThat(c.evaluate(new byte[0])).isNull();
        assertThat(c.isComplete()).isTrue();
        assertThatThrownBy(() -> c.evaluate(new byte[0])).isInstanceOf(SaslException.class);
    }

    @Test
    void unknownMechanismsAndEmptyUsersAreRefused() {
        assertThatThrownBy(() -> SaslClientMechanism.create("GSSAPI", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GSSAPI");
        assertThatThrownBy(() -> SaslClientMechanism.create("PLAIN", "", "p")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Hi() equals the JDK's PBKDF2 for ASCII passwords, for both hash sizes. */
    @Test
    void saltedPasswordIsPbkdf2() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        for (String[] m : new String[][]{{"SCRAM-SHA-256", "PBKDF2WithHmacSHA256", "256"}, {"SCRAM-SHA-512", "PBKDF2WithHmacSHA512", "512"}}) {
            byte[] expected = SecretKeyFactory.getInstance(m[1])
                    .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, 4096, Integer.parseInt(m[2]))).getEncoded();
            assertThat(ScramFunctions.forMechanism(m[0]).saltedPassword("pencil", salt, 4096)).as(m[0]).isEqualTo(expected);
            assertThat(ScramFunctions.forMechanism(m[0]).mechanism()).isEqualTo(m[0]);
        }
    }
}
