package io.amqproxy.impl.session;

import io.amqproxy.impl.codec.MalformedFrameException;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.ReplyCodes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads a client's Connection.StartOk: its capabilities and its login in one of the mechanisms the proxy offers,
 * PLAIN or AMQPLAIN. The password goes straight on to the caller, which wipes it; nothing here keeps it. Stateless.
 */
final class ClientLogin {

    static final String MECHANISMS = "PLAIN AMQPLAIN";

    private ClientLogin() {
    }

    /** A rejected login, with the reply the client gets. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Refusal(int code, String text) {
            super(text, null, false, false);
            this.code = code;
        }
    }

    /** What Connection.StartOk told us. The password is handed on to {@code Credentials} and not kept here. */
    record Login(String user, byte[] password, boolean wantsBlockedNotifications, String connectionName) {
        @Override
        public String toString() {
            return "Login[user=" + user + "]";
        }
    }

    /** Reads StartOk's arguments: client properties, mechanism, response (locale is not needed). */
    static Login read(MethodReader r) throws Refusal {
        Map<String, Object> clientProperties = r.table();
        String mechanism = r.shortStr();
        byte[] response = r.longStrBytes();
        boolean blocked = capability(clientProperties, "connection.blocked");
        String name = clientProperties.get("connection_name") instanceof String n ? n : null;
        try {
            if (mechanism.equals("PLAIN")) {
                return plain(response, blocked, name);
            }
            if (mechanism.equals("AMQPLAIN")) {
                return amqplain(response, blocked, name);
            }
        } finally {
            Arrays.fill(response, (byte) 0);
        }
        throw new Refusal(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                "unsupported authentication mechanism '" + mechanism + "', offered: " + MECHANISMS));
    }

    private static boolean capability(Map<String, Object> props, String name) {
        return props.get("capabilities") instanceof Map<?, ?> caps && Boolean.TRUE.equals(caps.get(name));
    }

    /** PLAIN: {@code [authzid] \0 user \0 password}. */
    private static Login plain(byte[] response, boolean blocked, String name) throws Refusal {
        int first = indexOf(response, 0);
        int second = first < 0 ? -1 : indexOf(response, first + 1);
        if (second < 0) {
            throw new Refusal(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                    "PLAIN response is not of the form \\0user\\0password"));
        }
        String user = new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
        byte[] password = Arrays.copyOfRange(response, second + 1, response.length);
        return new Login(user, password, blocked, name);
    }

    /** AMQPLAIN: a field table without its length prefix, with LOGIN and PASSWORD. */
    private static Login amqplain(byte[] response, boolean blocked, String name) throws Refusal {
        Map<String, Object> table;
        try {
            MethodReader r = new MethodReader().resetRaw(ByteBuffer.wrap(response), 0, response.length);
            table = r.tableBody(response.length);
        } catch (MalformedFrameException e) {
            throw new Refusal(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                    "AMQPLAIN response is not a field table"));
        }
        if (!(table.get("LOGIN") instanceof String user) || !(table.get("PASSWORD") instanceof String password)) {
            throw new Refusal(ReplyCodes.ACCESS_REFUSED, ReplyCodes.text(ReplyCodes.ACCESS_REFUSED,
                    "AMQPLAIN response lacks LOGIN or PASSWORD"));
        }
        return new Login(user, password.getBytes(StandardCharsets.UTF_8), blocked, name);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
