package io.runnel.broker.group;

import io.runnel.broker.partition.MetadataPublisher;
import io.runnel.common.Uuid;
import io.runnel.group.TopicView;
import io.runnel.metadata.TopicImage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The group coordinator's view of topics, read from the broker's current metadata image (lock-free). */
public final class ImageTopicView implements TopicView {
    private final MetadataPublisher publisher;

    public ImageTopicView(MetadataPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public TopicInfo byName(String name) {
        return info(publisher.image().topic(name));
    }

    @Override
    public TopicInfo byId(Uuid id) {
        return info(publisher.image().topic(id));
    }

    @Override
    public Collection<TopicInfo> all() {
        List<TopicInfo> out = new ArrayList<>();
        for (TopicImage t : publisher.image().topics().values()) out.add(info(t));
        return out;
    }

    private static TopicInfo info(TopicImage t) {
        return t == null ? null : new TopicInfo(t.id(), t.name(), t.partitionCount());
    }
}
