package io.amqproxy.impl.upstream;

import io.amqproxy.AmqProxy;
import io.amqproxy.ProxyListener;
import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.fixture.Fixture;
import io.amqproxy.impl.loop.EventLoop;
import io.amqproxy.testsupport.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How new upstream connections are spread over the nodes of a set, with no broker: connects are started by hand
 * and never finish unless the test plays the broker for one of them. The loop is never started, so this thread
 * owns the connections and the node table as the loop thread would.
 */
class UpstreamSpreadTest {

    private static final String[] NODES = {"amqp://127.0.0.1:1", "amqp://127.0.0.2:1", "amqp://127.0.0.3:1"};

    private EventLoop loop;

    @AfterEach
    void closeLoop() throws Exception {
        loop.selector().close();
    }

    @Test
    void connectsStillOpeningCountForTheSpread() throws Exception {
        var config = AmqProxy.builder().upstream(NODES).build();
        loop = new EventLoop("test-loop", config.limits().frameMax());
        LoopContext ctx = new LoopContext(loop, config, ProxyListener.NOOP, new AtomicInteger(), new AtomicLong(),
                new Fixture(config), Runnable::run);
        UpstreamPool pool = new UpstreamPool(ctx);
        UpstreamNodes nodes = new UpstreamNodes(ctx, config.upstreams());
        List<UpstreamConnection> connections = new ArrayList<>();
        for (int id = 1; id <= 6; id++) {
            UpstreamConnection up = new UpstreamConnection(id, ctx, pool, nodes,
                    new Credentials("guest", "guest".getBytes(StandardCharsets.UTF_8), "/"), false, null);
            up.connect();
            connections.add(up);
            if (id == 1) {
                openAsTheBrokerWould(up); // the first one opens while the other five are still connecting
            }
        }

        Map<String, Integer> perNode = new TreeMap<>();
        connections.forEach(c -> perNode.merge(c.node(), 1, Integer::sum));
        assertThat(perNode).as("six connections over three nodes").hasSize(3);
        assertThat(perNode.values()).as("connections per node, open or opening").containsOnly(2);
    }

    private static void openAsTheBrokerWould(UpstreamConnection up) throws Exception {
        up.onConnected();
        up.socketOutput().clear();
        brokerSends(up, Frames.method(0, Frames.CONNECTION, 10, Frames.args().octet(0).octet(9)
                .table(Map.of()).longstr("AMQPLAIN PLAIN").longstr("en_US").bytes()));
        brokerSends(up, Frames.method(0, Frames.CONNECTION, 30,
                Frames.args().shortInt(100).longInt(131072).shortInt(0).bytes()));
        brokerSends(up, Frames.method(0, Frames.CONNECTION, 41, Frames.args().shortstr("").bytes()));
        assertThat(up.isOpen()).as("the first connection is open").isTrue();
        up.socketOutput().clear();
    }

    private static void brokerSends(UpstreamConnection up, byte[] frames) {
        up.onData(ByteBuffer.wrap(frames));
    }
}
