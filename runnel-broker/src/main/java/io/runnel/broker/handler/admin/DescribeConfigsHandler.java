package io.runnel.broker.handler.admin;

import io.runnel.broker.BrokerContext;
import io.runnel.broker.handler.ApiHandler;
import io.runnel.broker.handler.RequestContext;
import io.runnel.common.ApiException;
import io.runnel.common.Errors;
import io.runnel.config.ConfigEntry;
import io.runnel.config.ConfigSource;
import io.runnel.metadata.ConfigResource;
import io.runnel.metadata.MetadataController;
import io.runnel.metadata.MetadataImage;
import io.runnel.metadata.TopicNames;
import io.runnel.protocol.ApiKeys;
import io.runnel.protocol.message.DescribeConfigsRequest;
import io.runnel.protocol.message.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeConfigs (v1-4), answered from the current metadata image without involving the controller
 * thread:
 * <ul>
 *   <li>a topic: every topic config with its effective value and source (topic override, dynamic
 *       broker, dynamic cluster default, server.properties, default); an illegal name gets
 *       INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION;</li>
 *   <li>broker "&lt;this node's id&gt;": every broker config; read-only unless dynamically updatable;</li>
 *   <li>broker "": only the cluster-wide dynamic defaults that are set, as Kafka answers;</li>
 *   <li>another broker id, or a name that is no integer: INVALID_REQUEST (Kafka's wording);</li>
 *   <li>a group (KIP-848 group configs, any group id, existing or not, as in Kafka): every group config,
 *       from the group's override (DYNAMIC_GROUP_CONFIG), else its broker synonym, else the default; configs
 *       Runnel does not apply say so in their documentation;</li>
 *   <li>other resource types (broker loggers, client metrics): INVALID_REQUEST.</li>
 * </ul>
 * {@code configurationKeys} (null or empty = all) filters by name; synonyms are listed only with
 * includeSynonyms, documentation only with includeDocumentation (v3+). Sensitive values are null.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> {
    private final MetadataController controller;
    private final BrokerContext broker;

    public DescribeConfigsHandler(MetadataController controller, BrokerContext broker) {
        this.controller = controller;
        this.broker = broker;
    }

    @Override
    public ApiKeys api() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public CompletableFuture<DescribeConfigsResponse> handle(RequestContext ctx, DescribeConfigsRequest req) {
        DescribeConfigsResponse resp = new DescribeConfigsResponse();
        for (DescribeConfigsRequest.Resource r : req.resources) {
            DescribeConfigsResponse.Result result = new DescribeConfigsResponse.Result();
            result.resourceType = r.resourceType;
            result.resourceName = r.resourceName;
            result.errorMessage = null;
            io.runnel.metadata.ApiError denied = AdminSupport.configAuthorization(ctx, r.resourceType, r.resourceName, io.runnel.metadata.AclBinding.OP_DESCRIBE_CONFIGS);
            if (denied != null) {
                result.errorCode = denied.error().code();
                resp.results.add(result);
                continue;
            }
            try {
                List<ConfigEntry> entries = describe(r);
                if (entries == null) {
                    result.errorCode = Errors.UNKNOWN_TOPIC_OR_PARTITION.code();
                } else {
                    Set<String> wanted = r.configurationKeys == null || r.configurationKeys.isEmpty()
                            ? null : new HashSet<>(r.configurationKeys);
                    for (ConfigEntry e : entries) {
                        if (wanted == null || wanted.contains(e.name())) {
                            result.configs.add(toConfig(e, req.includeSynonyms, req.includeDocumentation));
                        }
                    }
                }
            } catch (ApiException e) {
                result.errorCode = e.error().code();
                result.errorMessage = e.getMessage();
                result.configs = new ArrayList<>();
            }
            resp.results.add(result);
        }
        return CompletableFuture.completedFuture(resp);
    }

    /** The entries of a resource; null for an unknown topic (answered without a message, as Kafka does). */
    private List<ConfigEntry> describe(DescribeConfigsRequest.Resource r) {
        ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType);
        String name = r.resourceName;
        switch (type) {
            case TOPIC -> {
                TopicNames.validate(name);
                if (controller.image().topic(name) == null) return null;
                try {
                    return controller.describeConfigs(ConfigResource.topic(name));
                } catch (ApiException e) {
                    if (e.error() == Errors.UNKNOWN_TOPIC_OR_PARTITION) return null; // deleted meanwhile
                    throw e;
                }
            }
            case BROKER -> {
                if (name == null || name.isEmpty()) return clusterDefaults(controller.image());
                int id;
                try {
                    id = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new ApiException(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name);
                }
                if (id != broker.nodeId()) {
                    throw new ApiException(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + broker.nodeId()
                            + " or empty string, but received " + name);
                }
                return controller.describeConfigs(ConfigResource.broker(id));
            }
            case GROUP -> {
                if (name == null || name.isEmpty()) throw new ApiException(Errors.INVALID_REQUEST, "Group id must not be empty.");
                return controller.describeConfigs(ConfigResource.group(name));
            }
            default -> throw new ApiException(Errors.INVALID_REQUEST, "Unsupported resource type: "
                    + (type == ConfigResource.Type.UNKNOWN ? Byte.toString(r.resourceType) : type.toString()));
        }
    }

    /**
     * Broker resource "": the dynamic cluster-wide defaults that are set, each with source
     * DYNAMIC_DEFAULT_BROKER_CONFIG and only synonyms of that source.
     */
    private List<ConfigEntry> clusterDefaults(MetadataImage image) {
        Map<String, String> defaults = image.configs(ConfigResource.brokerDefault());
        List<ConfigEntry> out = new ArrayList<>();
        if (defaults.isEmpty()) return out;
        for (ConfigEntry e : broker.config().describe(Map.of(), defaults)) {
            if (!defaults.containsKey(e.name())) continue;
            List<ConfigEntry.Synonym> synonyms = new ArrayList<>();
            for (ConfigEntry.Synonym s : e.synonyms()) {
                if (s.source() == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG) synonyms.add(s);
            }
            out.add(new ConfigEntry(e.name(), e.value(), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, e.readOnly(),
                    e.sensitive(), e.type(), e.documentation(), synonyms));
        }
        return out;
    }

    private static DescribeConfigsResponse.Config toConfig(ConfigEntry e, boolean includeSynonyms, boolean includeDocumentation) {
        DescribeConfigsResponse.Config c = new DescribeConfigsResponse.Config();
        c.name = e.name();
        c.value = e.sensitive() ? null : e.value();
        c.readOnly = e.readOnly();
        c.configSource = e.source().id();
        c.isSensitive = e.sensitive();
        c.configType = e.type() == null ? 0 : e.type().id();
        c.documentation = includeDocumentation ? e.documentation() : null;
        c.synonyms = new ArrayList<>();
        if (includeSynonyms) {
            for (ConfigEntry.Synonym s : e.synonyms()) {
                DescribeConfigsResponse.Synonym syn = new DescribeConfigsResponse.Synonym();
                syn.name = s.name();
                syn.value = e.sensitive() ? null : s.value();
                syn.source = s.source().id();
                c.synonyms.add(syn);
            }
        }
        return c;
    }
}
