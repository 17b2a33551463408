package io.runnel.broker.security;

import io.runnel.common.security.SaslClientMechanism;
import io.runnel.common.security.ScramFunctions;
import org.junit.jupiter.api.Test;

import javax.security.sasl.SaslException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** runnel-common's client mechanisms against the broker's SCRAM server, token by token. */
class SaslClientServerRoundTripTest {
    private static ScramServer.Credentials credentials(String mechanism, String user, String password) {
        ScramFunctions f = ScramFunctions.forMechanism(mechanism);
        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] salted = f.saltedPassword(password, salt, 4096);
        ScramServer.Credential cred = new ScramServer.Credential(salt, f.storedKey(salted), f.serverKey(salted), 4096);
        return (u, m) -> u.equals(user) && m.equals(mechanism) ? cred : null;
    }

    @Test
    void scramClientAuthenticatesAgainstTheBrokersServer() throws Exception {
        for (String mechanism : new String[]{"SCRAM-SHA-256", "SCRAM-SHA-512"}) {
            String user = "al,ice=1";
            ScramServer server = new ScramServer(mechanism, credentials(mechanism, user, "s3cret"));
            SaslClientMechanism client = SaslClientMechanism.create(mechanism, user, "s3cret");
            byte[] token = client.initialResponse();
            int rounds = 0;
            while (token != null) {
                token = client.evaluate(server.evaluate(token));
                rounds++;
            }
            assertThat(rounds).as(mechanism).isEqualTo(2);
            assertThat(client.isComplete()).isTrue();
            assertThat(server.isComplete()).isTrue();
            assertThat(server.user()).isEqualTo(user);
        }
    }

    @Test
    void aWrongPasswordFailsOnTheServer() throws Exception {
        ScramServer server = new ScramServer("SCRAM-SHA-256", credentials("SCRAM-SHA-256", "alice", "s3cret"));
        SaslClientMechanism client = SaslClientMechanism.create("SCRAM-SHA-256", "alice", "wrong");
        byte[] fin = client.evaluate(server.evaluate(client.initialResponse()));
        assertThatThrownBy(() -> server.evaluate(fin)).isInstanceOf(SaslAuthenticationFailure.class)
                .hasMessageContaining("invalid credentials");
    }

    /** A server that does not hold the client's password cannot produce its signature. */
    @Test
    void theClientRefusesAServerWithAnotherCredential() throws Exception {
        // the impostor knows salt and iterations and accepts any proof, but signs with another password's key
        ScramServer impostor = new ScramServer("SCRAM-SHA-256", credentials("SCRAM-SHA-256", "alice", "other"));
        SaslClientMechanism client = SaslClientMechanism.create("SCRAM-SHA-256", "alice", "s3cret");
        byte[] serverFirst = impostor.evaluate(client.initialResponse());
        client.evaluate(serverFirst);
        String serverFirstText = new String(serverFirst, StandardCharsets.UTF_8);
        ScramFunctions f = ScramFunctions.forMechanism("SCRAM-SHA-256");
        byte[] otherSalted = f.saltedPassword("other", "0123456789abcdef".getBytes(StandardCharsets.US_ASCII), 4096);
        String nonce = serverFirstText.substring(2, serverFirstText.indexOf(','));
        byte[] auth = ("n=alice,r=" + nonce.substring(0, 32) + "," + serverFirstText + ",c=biws,r=" + nonce).getBytes(StandardCharsets.UTF_8);
        String forged = "v=" + java.util.Base64.getEncoder().encodeToString(f.hmac(f.serverKey(otherSalted), auth));
        assertThatThrownBy(() -> client.evaluate(forged.getBytes(StandardCharsets.UTF_8))).isInstanceOf(SaslException.class);
        assertThat(client.isComplete()).isFalse();
    }
}
