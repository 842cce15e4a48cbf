package io.amqproxy.impl.upstream;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyListener;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.fixture.Fixture;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.testsupport.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream connection driven by hand, with no socket peer and no broker: the test plays the broker by handing
 * the connection frames as if just read, and reads what the connection queued for the broker. The loop is never
 * started, so this thread owns the connection as the loop thread would.
 */
class UpstreamConnectionFramesTest {

    private EventLoop loop;
    private UpstreamPool pool;
    private UpstreamConnection up;

    /** A client channel's side, recording what reaches it. */
    private static final class Peer implements ChannelPeer {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onUpstreamFrame(UpstreamChannel channel, int type, ByteBuffer buf, int off, int len) {
            seen.add("frame " + type + " " + (type == Frames.METHOD ? buf.getInt(off) : len));
        }

        @Override
        public void onUpstreamChannelClosed(UpstreamChannel channel, ByteBuffer buf, int off, int len) {
            seen.add("closed " + (buf.getShort(off + 4) & 0xFFFF));
        }

        @Override
        public void onUpstreamCloseOk(UpstreamChannel channel) {
            seen.add("close-ok");
        }
    }

    /** A client channel that names the client it belongs to, for the output shares. */
    private record OwnedPeer(Object owner) implements ChannelPeer {
        @Override
        public void onUpstreamFrame(UpstreamChannel channel, int type, ByteBuffer buf, int off, int len) {
        }

        @Override
        public void onUpstreamChannelClosed(UpstreamChannel channel, ByteBuffer buf, int off, int len) {
        }

        @Override
        public void onUpstreamCloseOk(UpstreamChannel channel) {
        }
    }

    @BeforeEach
    void openByHand() throws Exception {
        var config = AmqProxy.builder().upstream("amqp://127.0.0.1:1").build();
        loop = new EventLoop("test-loop", config.limits().frameMax());
        LoopContext ctx = new LoopContext(loop, config, ProxyListener.NOOP, new AtomicInteger(), new AtomicLong(),
                new Fixture(config), Runnable::run);
        pool = new UpstreamPool(ctx);
        up = new UpstreamConnection(1, ctx, pool, new UpstreamNodes(ctx, config.upstreams()),
                new Credentials("guest", "guest".getBytes(StandardCharsets.UTF_8), "/"), false, null);
        up.connect(); // picks the one node and starts a connect that nobody will finish
        up.onConnected(); // as if the TCP connect had completed
        assertThat(take(up.stagedOutput())).startsWith(Frames.PROTOCOL_HEADER);
        brokerSends(Frames.method(0, Frames.CONNECTION, 10, Frames.args().octet(0).octet(9)
                .table(Map.of()).longstr("AMQPLAIN PLAIN").longstr("en_US").bytes()));
        assertThat(methodsIn(take(up.stagedOutput()))).containsExactly("0:10.11");
        brokerSends(Frames.method(0, Frames.CONNECTION, 30, Frames.args().shortInt(100).longInt(131072).shortInt(0).bytes()));
        assertThat(methodsIn(take(up.stagedOutput()))).containsExactly("0:10.31", "0:10.40");
        assertThat(up.isOpen()).isFalse();
        brokerSends(Frames.method(0, Frames.CONNECTION, 41, Frames.args().shortstr("").bytes()));
        assertThat(up.isOpen()).isTrue();
    }

    @AfterEach
    void closeLoop() throws Exception {
        loop.selector().close();
        up.socketOutput().clear();
    }

    private void brokerSends(byte[] frames) {
        ByteBuffer rb = ByteBuffer.allocate(frames.length);
        rb.put(frames).flip();
        up.onData(rb);
        assertThat(rb.hasRemaining()).as("every frame consumed").isFalse();
    }

    private static byte[] take(OutputBuffer out) {
        return io.amqproxy.impl.loop.OutputBytes.drain(out);
    }

    /** "channel:class.method" of every method frame in {@code bytes}; a protocol header is skipped. */
    private static List<String> methodsIn(byte[] bytes) throws Exception {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        List<String> methods = new ArrayList<>();
        if (bytes.length >= 8 && bytes[0] == 'A') {
            in.skipNBytes(8);
        }
        while (in.available() > 0) {
            int type = in.readUnsignedByte();
            int channel = in.readUnsignedShort();
            int size = in.readInt();
            byte[] payload = in.readNBytes(size);
            in.readUnsignedByte();
            if (type == Frames.METHOD) {
                ByteBuffer p = ByteBuffer.wrap(payload);
                methods.add(channel + ":" + (p.getShort() & 0xFFFF) + "." + (p.getShort() & 0xFFFF));
            }
        }
        return methods;
    }

    @Test
    void aChannelReachesTheBrokerWithItsFirstFrameAndAClosedUnusedOneNever() throws Exception {
        Peer used = new Peer();
        Peer unused = new Peer();
        UpstreamChannel a = up.openChannel(used);
        UpstreamChannel b = up.openChannel(unused);
        assertThat(take(up.stagedOutput())).as("nothing yet: Channel.Open waits for a first frame").isEmpty();

        b.close(ReplyCodes.REPLY_SUCCESS, "unused");
        assertThat(unused.seen).as("answered at once, as the broker would").containsExactly("close-ok");
        a.close(ReplyCodes.REPLY_SUCCESS, "not yet");
        assertThat(used.seen).containsExactly("close-ok");

        assertThat(take(up.stagedOutput())).as("no Channel.Close for channels the broker never saw").isEmpty();

        UpstreamChannel c = up.openChannel(used);
        c.output(); // the output of c's first frame: Channel.Open goes first
        c.output(); // and only once
        assertThat(methodsIn(take(up.stagedOutput()))).containsExactly(c.id() + ":20.10");
    }

    @Test
    void brokerFramesAreRoutedByChannelAndItsChannelCloseIsAnsweredHere() throws Exception {
        Peer peer = new Peer();
        UpstreamChannel ch = up.openChannel(peer);
        ch.output(); // announces it
        assertThat(methodsIn(take(up.stagedOutput()))).containsExactly(ch.id() + ":20.10");

        brokerSends(Frames.method(ch.id(), Frames.CHANNEL, 11, Frames.args().longstr("").bytes()));
        brokerSends(Frames.method(ch.id(), Frames.BASIC, 11, new byte[0]));
        brokerSends(Frames.method(ch.id() + 1, Frames.BASIC, 11, new byte[0]));
        assertThat(peer.seen).as("OpenOk is the upstream's; another channel's frame is dropped")
                .containsExactly("frame 1 " + (60 << 16 | 11));

        brokerSends(Frames.method(ch.id(), Frames.CHANNEL, 40, Frames.args().shortInt(404).shortstr("NOT_FOUND - no queue")
                .shortInt(50).shortInt(10).bytes()));
        assertThat(peer.seen).last().isEqualTo("closed 404");
        assertThat(methodsIn(take(up.stagedOutput()))).as("CloseOk to the broker").containsExactly(ch.id() + ":20.41");
        assertThat(up.openChannel(new Peer()).id()).as("ids are handed out in turn").isNotEqualTo(ch.id());
    }

    @Test
    void aCloseThatCrossesTheBrokersOwnQuarantinesTheIdAndTheBrokersReasonWins() throws Exception {
        Peer peer = new Peer();
        UpstreamChannel ch = up.openChannel(peer);
        ch.output();
        take(up.stagedOutput());
        ch.close(ReplyCodes.REPLY_SUCCESS, "client closed");
        assertThat(methodsIn(take(up.stagedOutput()))).containsExactly(ch.id() + ":20.40");
        brokerSends(Frames.method(ch.id(), Frames.CHANNEL, 40, Frames.args().shortInt(406).shortstr("PRECONDITION_FAILED")
                .shortInt(60).shortInt(40).bytes()));
        assertThat(peer.seen).containsExactly("closed 406");
        assertThat(methodsIn(take(up.stagedOutput()))).as("the broker's Close is answered").containsExactly(ch.id() + ":20.41");
        assertThat(up.channels().used()).as("the id is held back: a CloseOk for our Close may still come").isEqualTo(1);
        assertThat(up.openChannel(new Peer()).id()).isNotEqualTo(ch.id());
        brokerSends(Frames.method(ch.id(), Frames.CHANNEL, 41, new byte[0]));
        assertThat(peer.seen).as("the late CloseOk reaches nobody").containsExactly("closed 406");
        assertThat(up.channels().used()).as("it came: only the other channel holds an id now").isEqualTo(1);
    }

    @Test
    void aClientWithLittleQueuedGoesOnWhileTheOneThatFilledTheOutputPauses() {
        long max = AmqProxy.builder().upstream("amqp://127.0.0.1:1").build().limits().maxUpstreamOutputBytes();
        UpstreamChannel bulk = up.openChannel(new OwnedPeer("bulk client"));
        UpstreamChannel small = up.openChannel(new OwnedPeer("small client"));
        ByteBuffer body = ByteBuffer.allocate(128 * 1024);
        for (long queued = 0; queued <= max; queued += body.capacity()) {
            io.amqproxy.impl.codec.FrameWriter.frame(bulk.output(), io.amqproxy.impl.codec.Frames.TYPE_BODY, bulk.id(),
                    body, 0, body.capacity());
        }
        io.amqproxy.impl.codec.FrameWriter.frame(small.output(), io.amqproxy.impl.codec.Frames.TYPE_BODY, small.id(),
                body, 0, 16);

        assertThat(up.isCongested()).isTrue();
        assertThat(up.isCongestedFor("bulk client")).as("the client that filled it waits").isTrue();
        assertThat(up.isCongestedFor("small client")).as("its neighbour goes on, as with a connection of its own")
                .isFalse();
    }

    @Test
    void pastTwiceTheOutputLimitEveryClientPauses() {
        long max = AmqProxy.builder().upstream("amqp://127.0.0.1:1").build().limits().maxUpstreamOutputBytes();
        UpstreamChannel bulk = up.openChannel(new OwnedPeer("bulk client"));
        ByteBuffer body = ByteBuffer.allocate(128 * 1024);
        for (long queued = 0; queued <= 2 * max; queued += body.capacity()) {
            io.amqproxy.impl.codec.FrameWriter.frame(bulk.output(), io.amqproxy.impl.codec.Frames.TYPE_BODY, bulk.id(),
                    body, 0, body.capacity());
        }
        assertThat(up.isCongestedFor("small client")).as("memory stays bounded: everyone waits").isTrue();
        up.stagedOutput().clear();
        assertThat(up.isCongestedFor("bulk client")).as("drained").isFalse();
    }

    @Test
    void blockedIsToldToAttachedClientsAndCountsAsTheBrokersAlarm() {
        List<String> told = new ArrayList<>();
        UpstreamClient client = new UpstreamClient() {
            @Override
            public void upstreamAuthenticated(UpstreamConnection held) {
            }

            @Override
            public void upstreamReady(UpstreamConnection upstream) {
            }

            @Override
            public void upstreamRefused(int replyCode, String replyText) {
            }

            @Override
            public void upstreamClosed(UpstreamConnection upstream, int replyCode, String replyText) {
                told.add("closed " + replyCode);
            }

            @Override
            public void upstreamRetired(UpstreamConnection upstream) {
            }

            @Override
            public void upstreamBlocked(String reason) {
                told.add("blocked " + reason);
            }

            @Override
            public void upstreamUnblocked() {
                told.add("unblocked");
            }

            @Override
            public void upstreamWritable() {
            }
        };
        up.attach(client);
        brokerSends(Frames.method(0, Frames.CONNECTION, 60, Frames.args().shortstr("low on memory").bytes()));
        assertThat(pool.alarmOn()).isTrue();
        brokerSends(Frames.method(0, Frames.CONNECTION, 61, new byte[0]));
        assertThat(pool.alarmOn()).isFalse();
        byte[] close = Frames.method(0, Frames.CONNECTION, 50, Frames.args().shortInt(320).shortstr("CONNECTION_FORCED - bye")
                .shortInt(0).shortInt(0).bytes());
        up.onData(ByteBuffer.wrap(close)); // the connection stops reading at the Close
        assertThat(told).containsExactly("blocked low on memory", "unblocked", "closed 320");
        assertThat(up.isUsable()).isFalse();
    }
}
