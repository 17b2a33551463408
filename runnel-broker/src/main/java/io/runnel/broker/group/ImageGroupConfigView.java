package io.runnel.broker.group;

import io.runnel.broker.partition.MetadataPublisher;
import io.runnel.group.GroupConfigView;
import io.runnel.metadata.ConfigResource;

import java.util.Map;

/** The group coordinator's view of group config overrides, read from the broker's current metadata image (lock-free). */
public final class ImageGroupConfigView implements GroupConfigView {
    private final MetadataPublisher publisher;

    public ImageGroupConfigView(MetadataPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public Map<String, String> overrides(String groupId) {
        return publisher.image().configs(ConfigResource.group(groupId));
    }
}
