package io.amqproxy.impl.codec;

/**
 * Class and method ids the proxy must recognise, from the AMQP 0-9-1 spec. A method is identified by
 * {@code classId << 16 | methodId}, the first four bytes of a method frame's payload.
 */
public final class Methods {

    private Methods() {
    }

    public static int id(int classId, int methodId) {
        return classId << 16 | methodId;
    }

    public static final int CONNECTION = 10;
    public static final int CHANNEL = 20;
    public static final int EXCHANGE = 40;
    public static final int QUEUE = 50;
    public static final int BASIC = 60;

    public static final int CONNECTION_START = 10 << 16 | 10;
    public static final int CONNECTION_START_OK = 10 << 16 | 11;
    public static final int CONNECTION_TUNE = 10 << 16 | 30;
    public static final int CONNECTION_TUNE_OK = 10 << 16 | 31;
    public static final int CONNECTION_OPEN = 10 << 16 | 40;
    public static final int CONNECTION_OPEN_OK = 10 << 16 | 41;
    public static final int CONNECTION_CLOSE = 10 << 16 | 50;
    public static final int CONNECTION_CLOSE_OK = 10 << 16 | 51;
    public static final int CONNECTION_BLOCKED = 10 << 16 | 60;
    public static final int CONNECTION_UNBLOCKED = 10 << 16 | 61;
    public static final int CONNECTION_UPDATE_SECRET = 10 << 16 | 70;
    public static final int CONNECTION_UPDATE_SECRET_OK = 10 << 16 | 71;

    public static final int CHANNEL_OPEN = 20 << 16 | 10;
    public static final int CHANNEL_OPEN_OK = 20 << 16 | 11;
    public static final int CHANNEL_FLOW = 20 << 16 | 20;
    public static final int CHANNEL_FLOW_OK = 20 << 16 | 21;
    public static final int CHANNEL_CLOSE = 20 << 16 | 40;
    public static final int CHANNEL_CLOSE_OK = 20 << 16 | 41;

    public static final int EXCHANGE_DECLARE = 40 << 16 | 10;
    public static final int EXCHANGE_DECLARE_OK = 40 << 16 | 11;
    public static final int EXCHANGE_DELETE = 40 << 16 | 20;
    public static final int EXCHANGE_BIND = 40 << 16 | 30;
    public static final int EXCHANGE_UNBIND = 40 << 16 | 40;

    public static final int QUEUE_DECLARE = 50 << 16 | 10;
    public static final int QUEUE_DECLARE_OK = 50 << 16 | 11;
    public static final int QUEUE_BIND = 50 << 16 | 20;
    public static final int QUEUE_BIND_OK = 50 << 16 | 21;
    public static final int QUEUE_PURGE = 50 << 16 | 30;
    public static final int QUEUE_DELETE = 50 << 16 | 40;
    public static final int QUEUE_DELETE_OK = 50 << 16 | 41;
    public static final int QUEUE_UNBIND = 50 << 16 | 50;

    public static final int BASIC_QOS = 60 << 16 | 10;
    public static final int BASIC_QOS_OK = 60 << 16 | 11;
    public static final int BASIC_CONSUME = 60 << 16 | 20;
    public static final int BASIC_CONSUME_OK = 60 << 16 | 21;
    public static final int BASIC_CANCEL = 60 << 16 | 30;
    public static final int BASIC_CANCEL_OK = 60 << 16 | 31;
    public static final int BASIC_PUBLISH = 60 << 16 | 40;
    public static final int BASIC_RETURN = 60 << 16 | 50;
    public static final int BASIC_DELIVER = 60 << 16 | 60;
    public static final int BASIC_GET = 60 << 16 | 70;
    public static final int BASIC_GET_OK = 60 << 16 | 71;
    public static final int BASIC_GET_EMPTY = 60 << 16 | 72;
    public static final int BASIC_ACK = 60 << 16 | 80;
    public static final int BASIC_REJECT = 60 << 16 | 90;
    public static final int BASIC_RECOVER_ASYNC = 60 << 16 | 100;
    public static final int BASIC_RECOVER = 60 << 16 | 110;
    public static final int BASIC_NACK = 60 << 16 | 120;

    public static final int CONFIRM_SELECT = 85 << 16 | 10;
}
