package io.amqproxy.impl.upstream;

import io.amqproxy.impl.codec.MethodWriter;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.loop.OutputBuffer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxy's Connection.StartOk to the broker: the client's credentials in the mechanism they need, and the
 * capabilities the proxy relies on (or passes through to its clients) announced as a client would.
 */
final class BrokerLogin {

    private BrokerLogin() {
    }

    /** PLAIN, unless the password holds a NUL byte, which PLAIN cannot carry. */
    static String mechanism(Credentials credentials) {
        return credentials.needsAmqplain() ? "AMQPLAIN" : "PLAIN";
    }

    /**
     * Queues StartOk for {@code credentials} on channel 0; the response bytes are wiped once written.
     *
     * @param connectionName the {@code connection_name} the broker shows for it; {@code null} for none (a client of
     *                       its own that gave none, in faithful mode)
     */
    static void writeStartOk(MethodWriter w, OutputBuffer out, Credentials credentials, String connectionName) {
        String mechanism = mechanism(credentials);
        byte[] response = mechanism.equals("PLAIN") ? credentials.plainResponse() : credentials.amqplainResponse();
        w.begin(Methods.CONNECTION_START_OK).table(clientProperties(connectionName)).shortStr(mechanism)
                .longStr(response).shortStr("en_US").writeTo(out, 0);
        Arrays.fill(response, (byte) 0);
    }

    private static Map<String, Object> clientProperties(String connectionName) {
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("publisher_confirms", true);
        caps.put("exchange_exchange_bindings", true);
        caps.put("basic.nack", true);
        caps.put("consumer_cancel_notify", true);
        caps.put("connection.blocked", true);
        caps.put("authentication_failure_close", true);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("product", "amqproxy-java");
        props.put("platform", "Java " + System.getProperty("java.version"));
        if (connectionName != null) {
            props.put("connection_name", connectionName);
        }
        props.put("capabilities", caps);
        return props;
    }
}
