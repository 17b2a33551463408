package io.runnel.it;

import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.ApiVersionsHandler;
import io.runnel.broker.handler.HandlerRegistry;
import io.runnel.broker.handler.RequestContext;
import io.runnel.broker.network.NettyServer;
import io.runnel.broker.network.NetworkConfig;
import io.runnel.broker.network.ServerTls;
import io.runnel.config.BrokerConfigs;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.ApiVersionsRequest;
import io.runnel.protocol.message.ApiVersionsResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which principal a TLS connection gets: a one-listener server with {@code tls} that answers only ApiVersions and
 * records each request's principal, reached by a kafka-clients Admin per client configuration (SslIT, SslEngineIT).
 */
final class TlsPrincipals {
    private TlsPrincipals() {
    }

    /** The principal of each client's connection, in order (each client's ApiVersions requests must agree). */
    static List<String> seen(ServerTls tls, List<Map<String, Object>> clients) throws Exception {
        List<String> principals = new CopyOnWriteArrayList<>();
        try (NettyServer server = new NettyServer(1, NetworkConfig.from(BrokerConfigs.defaults()))) {
            HandlerRegistry registry = new HandlerRegistry();
            registry.register(new ApiHandler<ApiVersionsRequest, ApiVersionsResponse>() {
                @Override
                public ApiKeys api() {
                    return ApiKeys.API_VERSIONS;
                }

                @Override
                public CompletableFuture<ApiVersionsResponse> handle(RequestContext ctx, ApiVersionsRequest request) {
                    principals.add(ctx.principal());
                    return CompletableFuture.completedFuture(ApiVersionsHandler.supported(registry));
                }
            });
            InetSocketAddress addr = server.bind(new BrokerConfigs.Listener("SSL", "127.0.0.1", 0), registry, tls, null);
            List<String> seen = new ArrayList<>();
            for (Map<String, Object> c : clients) {
                principals.clear();
                Map<String, Object> a = new HashMap<>(c);
                a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + addr.getPort());
                a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
                a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
                try (Admin admin = Admin.create(a)) {
                    admin.describeCluster().clusterId(); // ApiVersions first, the only API this server answers
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (principals.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
                }
                assertThat(principals).as("ApiVersions requests seen").isNotEmpty();
                assertThat(principals.stream().distinct().toList()).as("one principal per connection").hasSize(1);
                seen.add(principals.get(0));
            }
            return seen;
        }
    }
}
