package io.runnel.broker;

import io.runnel.common.Uuid;
import io.runnel.metadata.BrokerRegistration;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller id a broker of a cluster names to clients (Metadata, DescribeCluster). */
class BrokerContextTest {
    private static BrokerRegistration broker(int id, boolean fenced) {
        return new BrokerRegistration(id, 10 + id, Uuid.random(),
                List.of(new BrokerRegistration.Endpoint("PLAINTEXT", "127.0.0.1", 9000 + id, (short) 0)), null, fenced);
    }

    private static Map<Integer, BrokerRegistration> brokers(BrokerRegistration... bs) {
        Map<Integer, BrokerRegistration> m = new TreeMap<>();
        for (BrokerRegistration b : bs) m.put(b.id(), b);
        return m;
    }

    @Test
    void anActiveControllerThatIsALiveBrokerIsNamed() {
        assertThat(BrokerContext.controllerIdForClients(2, 1, brokers(broker(1, false), broker(2, false)))).isEqualTo(2);
    }

    @Test
    void aDedicatedActiveControllerIsNeverNamedButALiveBrokerIs() {
        // controllers 1-3 never register; brokers 4 and 5 do
        Map<Integer, BrokerRegistration> bs = brokers(broker(4, false), broker(5, false));
        assertThat(BrokerContext.controllerIdForClients(1, 5, bs)).isEqualTo(5); // this broker
        assertThat(BrokerContext.controllerIdForClients(1, 4, bs)).isEqualTo(4);
        // this broker fenced (e.g. just restarted): the lowest live one
        assertThat(BrokerContext.controllerIdForClients(2, 4, brokers(broker(4, true), broker(5, false), broker(6, false))))
                .isEqualTo(5);
        // a fenced combined active controller is not named either
        assertThat(BrokerContext.controllerIdForClients(4, 5, brokers(broker(4, true), broker(5, false)))).isEqualTo(5);
    }

    @Test
    void noActiveControllerOrNoLiveBrokerIsMinusOne() {
        assertThat(BrokerContext.controllerIdForClients(-1, 4, brokers(broker(4, false)))).isEqualTo(-1);
        assertThat(BrokerContext.controllerIdForClients(1, 4, brokers(broker(4, true)))).isEqualTo(-1);
        assertThat(BrokerContext.controllerIdForClients(1, 4, brokers())).isEqualTo(-1);
    }
}
