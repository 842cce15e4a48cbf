package io.amqproxy.impl.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The types of the queues that clients declared through this proxy with an explicit {@code x-queue-type}
 * ({@code quorum} or {@code stream}), by vhost and name, as the broker confirmed them with DeclareOk. Some methods
 * are a connection error on those types only (see {@link QueueTypeRules}); knowing the type lets the proxy refuse
 * them for the one client instead of losing a shared connection. A queue whose type the proxy never saw is not
 * judged until the broker's own connection error names it ({@link #learnFrom}). Bounded: the oldest entries go first. Shared by every event loop of the proxy, thread-safe.
 */
public final class QueueTypes {

    /** Queue types RabbitMQ treats differently here. */
    public enum Type { QUORUM, STREAM }

    private static final int MAX_ENTRIES = 100_000;

    private final Map<String, Type> byQueue = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Type> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** The type for an {@code x-queue-type} argument value, or {@code null} for a classic queue or none. */
    static Type ofArgument(Object value) {
        String s = value instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                : value == null ? "" : value.toString();
        return switch (s) {
            case "quorum" -> Type.QUORUM;
            case "stream" -> Type.STREAM;
            default -> null;
        };
    }

    /** The type of {@code queue} in {@code vhost} as declared through the proxy, or {@code null} when not known. */
    public synchronized Type typeOf(String vhost, String queue) {
        return byQueue.get(key(vhost, queue));
    }

    /** The broker confirmed a declare of {@code queue} with this type ({@code null}: classic, forget it). */
    public synchronized void declared(String vhost, String queue, Type type) {
        if (type == null) {
            byQueue.remove(key(vhost, queue));
        } else {
            byQueue.put(key(vhost, queue), type);
        }
    }

    private static final java.util.regex.Pattern STREAM_ONLY = java.util.regex.Pattern.compile(
            "not supported by stream queues queue '(.*)' in vhost '(.*)'$");
    private static final java.util.regex.Pattern NO_GLOBAL_QOS = java.util.regex.Pattern.compile(
            "^NOT_IMPLEMENTED - queue '(.*)' in vhost '(.*)' does not support global qos$");

    /**
     * Learns from a connection error the broker sent on an upstream connection (540 naming a queue that turned out
     * to be a stream or a quorum queue, declared where the proxy did not see it): that upstream is lost, but the
     * next client that does the same is refused alone.
     */
    public void learnFrom(int code, String text) {
        if (code != 540 || text == null) {
            return;
        }
        java.util.regex.Matcher m = STREAM_ONLY.matcher(text);
        if (m.find()) {
            declared(m.group(2), m.group(1), Type.STREAM);
            return;
        }
        m = NO_GLOBAL_QOS.matcher(text);
        if (m.find() && typeOf(m.group(2), m.group(1)) == null) {
            declared(m.group(2), m.group(1), Type.QUORUM); // quorum or stream: the global qos rule holds for both
        }
    }

    /** {@code queue} is being deleted: a queue of that name declared later may be of another type. */
    public synchronized void deleted(String vhost, String queue) {
        byQueue.remove(key(vhost, queue));
    }

    private static String key(String vhost, String queue) {
        return vhost + '\0' + queue;
    }
}
