package io.runnel.broker.network;

import io.netty.channel.DefaultFileRegion;

import java.nio.channels.FileChannel;

/**
 * A file region over a segment's channel that does not close the channel when released: the segment
 * owns it. Being a {@link DefaultFileRegion}, the epoll transport sends it with sendfile(2), and the NIO
 * transport with FileChannel.transferTo, so fetched data never passes through user space.
 */
public final class SharedFileRegion extends DefaultFileRegion {
    public SharedFileRegion(FileChannel channel, long position, long count) {
        super(channel, position, count);
    }

    @Override
    protected void deallocate() {
        // the channel belongs to the log segment
    }
}
