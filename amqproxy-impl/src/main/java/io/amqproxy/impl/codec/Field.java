package io.amqproxy.impl.codec;

/**
 * The named arguments of AMQP 0-9-1 methods, by the names the spec gives them ({@code routing-key} is
 * {@link #ROUTING_KEY}). A {@link MethodSpec} says which of them a method has and where; a {@link MethodView}
 * reads them from a frame.
 */
public enum Field {
    // connection
    VERSION_MAJOR, VERSION_MINOR, SERVER_PROPERTIES, MECHANISMS, LOCALES, CLIENT_PROPERTIES, MECHANISM, RESPONSE,
    LOCALE, CHALLENGE, CHANNEL_MAX, FRAME_MAX, HEARTBEAT, VIRTUAL_HOST, CAPABILITIES, INSIST, KNOWN_HOSTS, REASON,
    NEW_SECRET,
    // shared by several classes
    REPLY_CODE, REPLY_TEXT, CLASS_ID, METHOD_ID, TICKET, NOWAIT, ARGUMENTS,
    // channel and access
    OUT_OF_BAND, CHANNEL_ID, ACTIVE, REALM, EXCLUSIVE, PASSIVE, WRITE, READ,
    // exchange and queue
    EXCHANGE, TYPE, DURABLE, AUTO_DELETE, INTERNAL, IF_UNUSED, IF_EMPTY, DESTINATION, SOURCE, ROUTING_KEY, QUEUE,
    MESSAGE_COUNT, CONSUMER_COUNT,
    // basic
    PREFETCH_SIZE, PREFETCH_COUNT, GLOBAL, CONSUMER_TAG, NO_LOCAL, NO_ACK, MANDATORY, IMMEDIATE, DELIVERY_TAG,
    REDELIVERED, CLUSTER_ID, MULTIPLE, REQUEUE;

    /** The field with the spec's name, e.g. {@code "routing-key"}. */
    static Field ofSpecName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
}
