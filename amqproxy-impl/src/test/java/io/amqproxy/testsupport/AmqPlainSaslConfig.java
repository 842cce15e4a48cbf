package io.amqproxy.testsupport;

import com.rabbitmq.client.LongString;
import com.rabbitmq.client.SaslConfig;
import com.rabbitmq.client.SaslMechanism;
import com.rabbitmq.client.impl.LongStringHelper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The AMQPLAIN login mechanism for the RabbitMQ Java client, which ships only PLAIN, EXTERNAL and ANONYMOUS.
 *
 * <p>The response is an AMQP field table without its 4-byte length prefix, holding {@code LOGIN} and
 * {@code PASSWORD} as long strings: per entry {@code shortstr name, 'S', u32 length, bytes}.
 */
public final class AmqPlainSaslConfig implements SaslConfig {

    /** The one instance; it has no state. */
    public static final AmqPlainSaslConfig AMQPLAIN = new AmqPlainSaslConfig();

    private AmqPlainSaslConfig() {
    }

    @Override
    public SaslMechanism getSaslMechanism(String[] serverMechanisms) {
        if (!Arrays.asList(serverMechanisms).contains("AMQPLAIN")) {
            return null;
        }
        return new SaslMechanism() {
            @Override
            public String getName() {
                return "AMQPLAIN";
            }

            @Override
            public LongString handleChallenge(LongString challenge, String username, String password) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                entry(out, "LOGIN", username);
                entry(out, "PASSWORD", password);
                return LongStringHelper.asLongString(out.toByteArray());
            }
        };
    }

    private static void entry(ByteArrayOutputStream out, String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        out.write(n.length);
        out.writeBytes(n);
        out.write('S');
        out.write(v.length >>> 24);
        out.write(v.length >>> 16);
        out.write(v.length >>> 8);
        out.write(v.length);
        out.writeBytes(v);
    }
}
