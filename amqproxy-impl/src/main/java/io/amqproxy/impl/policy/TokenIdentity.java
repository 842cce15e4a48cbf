package io.amqproxy.impl.policy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who an OAuth 2 token (a JWT) names, read without checking its signature (the broker checks that): the first of
 * its {@code sub} and {@code client_id} claims, as RabbitMQ's OAuth 2 backend takes the user name by default.
 * Invariant kept with it: a Connection.UpdateSecret never changes who a shared upstream connection is logged in
 * as. RabbitMQ 3.13 and later refuse a refreshed token for another user ({@code 530 NOT_ALLOWED - New secret was
 * refused by one of the backends}); 3.10 takes it. Through the proxy it is refused on every version, since the
 * connection that would change identity carries other clients too. Stateless.
 */
public final class TokenIdentity {

    private static final Pattern CLAIM = Pattern.compile("\"(sub|client_id)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private TokenIdentity() {
    }

    /** The user a JWT names, or {@code null} when {@code secret} is not a JWT with such a claim (a password). */
    public static String userOf(byte[] secret) {
        String s = new String(secret, StandardCharsets.US_ASCII);
        int dot = s.indexOf('.');
        int second = dot < 0 ? -1 : s.indexOf('.', dot + 1);
        if (second < 0 || s.indexOf('.', second + 1) >= 0) {
            return null;
        }
        String payload;
        try {
            payload = new String(Base64.getUrlDecoder().decode(s.substring(dot + 1, second)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Matcher m = CLAIM.matcher(payload);
        String clientId = null;
        while (m.find()) {
            if (m.group(1).equals("sub")) {
                return m.group(2);
            }
            clientId = m.group(2);
        }
        return clientId;
    }

    /** Whether the new secret would change who the connection is: both are tokens and they name different users. */
    public static boolean changesUser(byte[] current, byte[] renewed) {
        String before = userOf(current);
        String after = userOf(renewed);
        return before != null && after != null && !before.equals(after);
    }
}
