package io.amqproxy.testsupport;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.ShutdownSignalException;

/** Digs the AMQP reply code and text out of what the RabbitMQ Java client throws. */
public final class AmqpErrors {

    private AmqpErrors() {
    }

    /** The first {@link ShutdownSignalException} in the cause chain, or {@code null}. */
    public static ShutdownSignalException shutdownSignal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ShutdownSignalException sse) {
                return sse;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /** The reply code of the Channel.Close or Connection.Close behind {@code t}, or -1 if there is none. */
    public static int replyCode(Throwable t) {
        Method m = reason(t);
        if (m instanceof AMQP.Channel.Close c) {
            return c.getReplyCode();
        }
        if (m instanceof AMQP.Connection.Close c) {
            return c.getReplyCode();
        }
        return -1;
    }

    /** The reply text of the Channel.Close or Connection.Close behind {@code t}, or {@code null}. */
    public static String replyText(Throwable t) {
        Method m = reason(t);
        if (m instanceof AMQP.Channel.Close c) {
            return c.getReplyText();
        }
        if (m instanceof AMQP.Connection.Close c) {
            return c.getReplyText();
        }
        return null;
    }

    /** Whether {@code t} carries a connection-level (hard) error rather than a channel-level one. */
    public static boolean isConnectionError(Throwable t) {
        ShutdownSignalException sse = shutdownSignal(t);
        return sse != null && sse.isHardError();
    }

    /** A short description for assertion messages. */
    public static String describe(Throwable t) {
        ShutdownSignalException sse = shutdownSignal(t);
        if (sse == null) {
            return String.valueOf(t);
        }
        return (sse.isHardError() ? "connection" : "channel") + " error " + replyCode(t) + " " + replyText(t);
    }

    private static Method reason(Throwable t) {
        ShutdownSignalException sse = shutdownSignal(t);
        return sse == null ? null : sse.getReason();
    }
}
