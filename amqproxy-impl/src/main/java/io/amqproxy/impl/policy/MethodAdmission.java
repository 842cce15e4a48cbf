package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.ReplyCodes;

/**
 * The first rule a client's method meets on an open channel. Invariant: only a method a client may send on a
 * channel, with arguments that decode exactly, goes on toward a shared upstream connection. RabbitMQ answers
 * anything else with a connection error (or by dropping the socket), which would end every client sharing that
 * connection; here the one client that sent it gets the connection error, with the code the broker would use.
 * Stateless.
 */
public final class MethodAdmission {

    private MethodAdmission() {
    }

    /**
     * Judges a decoded method.
     *
     * @param check what {@link MethodView#decodeClient} found
     * @return {@code null} to let it on, or the connection error for the client
     */
    public static Refusal check(MethodView.Check check, MethodView method) {
        if (check == MethodView.Check.OK) {
            return null;
        }
        int id = method.id();
        if (id == Methods.CHANNEL_OPEN) {
            return Refusal.connection(ReplyCodes.CHANNEL_ERROR, "second 'channel.open' seen", id);
        }
        int classId = id >>> 16;
        String numbers = classId + "." + (id & 0xFFFF);
        if (check == MethodView.Check.NOT_ON_CHANNEL) {
            int code = classId == Methods.CONNECTION ? ReplyCodes.COMMAND_INVALID : ReplyCodes.NOT_IMPLEMENTED;
            return Refusal.connection(code, "method " + numbers + " cannot be sent on a channel through this proxy", id);
        }
        return Refusal.connection(ReplyCodes.SYNTAX_ERROR, "cannot decode the arguments of method " + numbers, id);
    }
}
