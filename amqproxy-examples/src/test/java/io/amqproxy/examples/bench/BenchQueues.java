package io.amqproxy.examples.bench;

import com.rabbitmq.client.Channel;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fresh, uniquely named queues for one run. Each is deleted by the run that made it; {@code x-expires} removes
 * it anyway a minute after a crashed run left it unused.
 */
final class BenchQueues {

    private static final Map<String, Object> EXPIRE_WHEN_UNUSED = Map.of("x-expires", 60_000);

    private BenchQueues() {
    }

    /** Declares a new non-durable queue and returns its name. */
    static String declare(Channel channel, String purpose) throws IOException {
        String name = "amqproxy-bench-" + purpose + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        channel.queueDeclare(name, false, false, false, EXPIRE_WHEN_UNUSED);
        return name;
    }
}
