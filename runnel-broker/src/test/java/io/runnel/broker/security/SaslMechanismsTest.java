package io.runnel.broker.security;

import io.runnel.common.security.ScramFunctions;
import org.junit.jupiter.api.Test;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SaslMechanismsTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The SCRAM-SHA-256 exchange of RFC 7677 section 3, with its fixed nonces. */
    @Test
    void scramSha256MatchesTheRfc7677Example() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec("pencil".toCharArray(), salt, 4096, 256)).getEncoded();
        ScramFunctions f = ScramFunctions.forMechanism("SCRAM-SHA-256");
        ScramServer.Credential cred = new ScramServer.Credential(salt, f.storedKey(salted), f.serverKey(salted), 4096);
        ScramServer server = new ScramServer("SCRAM-SHA-256", (u, m) -> u.equals("user") ? cred : null, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        byte[] first = server.evaluate(utf8("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(new String(first, StandardCharsets.UTF_8))
                .isEqualTo("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        byte[] last = server.evaluate(utf8("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(new String(last, StandardCharsets.UTF_8)).isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(server.isComplete()).isTrue();
        assertThat(server.user()).isEqualTo("user");
    }

    @Test
    void scramRefusesAWrongProofAnUnknownUserAndChannelBinding() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        ScramFunctions f = ScramFunctions.forMechanism("SCRAM-SHA-256");
        byte[] salted = new byte[32];
        ScramServer.Credential cred = new ScramServer.Credential(salt, f.storedKey(salted), f.serverKey(salted), 4096);
        ScramServer server = new ScramServer("SCRAM-SHA-256", (u, m) -> cred, "x");
        server.evaluate(utf8("n,,n=user,r=abc"));
        assertThatThrownBy(() -> server.evaluate(utf8("c=biws,r=abcx,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")))
                .isInstanceOf(SaslAuthenticationFailure.class).hasMessageContaining("invalid credentials");
        assertThat(server.isComplete()).isFalse();
        assertThatThrownBy(() -> new ScramServer("SCRAM-SHA-256", (u, m) -> null).evaluate(utf8("n,,n=ghost,r=abc")))
                .isInstanceOf(SaslAuthenticationFailure.class).hasMessageContaining("Invalid user credentials");
        assertThatThrownBy(() -> new ScramServer("SCRAM-SHA-256", (u, m) -> cred).evaluate(utf8("p=tls-unique,,n=user,r=abc")))
                .isInstanceOf(SaslAuthenticationFailure.class).hasMessageContaining("channel binding");
        assertThatThrownBy(() -> new ScramServer("SCRAM-SHA-256", (u, m) -> cred).evaluate(utf8("n,,n=user,r=abc,tokenauth=true")))
                .isInstanceOf(SaslAuthenticationFailure.class).hasMessageContaining("delegation tokens");
    }

    /** librdkafka before 2.6.1 repeats its nonce in front of the combined one; the server part must still match. */
    @Test
    void scramAcceptsLibrdkafkasRepeatedClientNonceOnly() throws Exception {
        byte[] salt = new byte[16];
        ScramFunctions f = ScramFunctions.forMechanism("SCRAM-SHA-512");
        byte[] salted = new byte[64];
        ScramServer.Credential cred = new ScramServer.Credential(salt, f.storedKey(salted), f.serverKey(salted), 4096);
        for (String echoed : new String[]{"abcabcSRV", "abcSRV"}) {
            ScramServer server = new ScramServer("SCRAM-SHA-512", (u, m) -> cred, "SRV");
            server.evaluate(utf8("n,,n=u,r=abc"));
            String withoutProof = "c=biws,r=" + echoed;
            byte[] auth = utf8("n=u,r=abc,r=abcSRV,s=" + Base64.getEncoder().encodeToString(salt) + ",i=4096," + withoutProof);
            byte[] clientKey = f.hmac(salted, utf8("Client Key"));
            byte[] signature = f.hmac(f.storedKey(salted), auth);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
            server.evaluate(utf8(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
            assertThat(server.isComplete()).as(echoed).isTrue();
        }
        ScramServer server = new ScramServer("SCRAM-SHA-512", (u, m) -> cred, "SRV");
        server.evaluate(utf8("n,,n=u,r=abc"));
        assertThatThrownBy(() -> server.evaluate(utf8("c=biws,r=abcOTHER,p=AAAA"))).hasMessageContaining("nonce does not match");
    }

    @Test
    void plainChecksUserPasswordAndAuthorizationId() throws Exception {
        Map<String, String> users = Map.of("alice", "secret");
        PlainServer ok = new PlainServer(users);
        ok.evaluate(utf8("alice\0alice\0secret"));
        assertThat(ok.user()).isEqualTo("alice");
        for (String bad : new String[]{"\0alice\0wrong", "\0bob\0secret", "\0alice\0", "alice\0secret", "bob\0alice\0secret"}) {
            assertThatThrownBy(() -> new PlainServer(users).evaluate(utf8(bad))).as(bad.replace('\0', '|'))
                    .isInstanceOf(SaslAuthenticationFailure.class);
        }
    }
}
