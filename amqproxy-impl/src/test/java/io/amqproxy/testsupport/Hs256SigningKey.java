package io.amqproxy.testsupport;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A symmetric (HS256) signing key for RabbitMQ's OAuth 2 plugin, {@code rabbitmq_auth_backend_oauth2}: the
 * {@code advanced.config} that makes a node trust it, and JWTs signed with it, made here with {@link Mac} (no JWT
 * library). A client logs in with such a token as its password; the user name is ignored, the token's
 * {@code sub} names the user, its {@code scope} grants the permissions and its {@code exp} ends the login.
 *
 * <p>The key is random per instance and never printed ({@link #toString()} names only its id). Immutable.
 */
public final class Hs256SigningKey {

    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final String keyId;
    private final byte[] secret;

    private Hs256SigningKey(String keyId, byte[] secret) {
        this.keyId = requirePlain(keyId);
        this.secret = secret.clone();
    }

    /** A new random 256-bit key known under {@code keyId} (the JWT header's {@code kid}). */
    public static Hs256SigningKey random(String keyId) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new Hs256SigningKey(keyId, secret);
    }

    public String keyId() {
        return keyId;
    }

    /**
     * An advanced.config for a node that accepts tokens signed with this key (also when their header names no key,
     * through {@code default_key}) whose audience contains {@code resourceServerId}, with scopes prefixed by it
     * ({@code <resourceServerId>.read:*}{@code /*}). The plugin (3.10) wants a symmetric key as a JWK map: key type
     * {@code oct} with the base64url key in {@code k}.
     */
    public String advancedConfig(String resourceServerId) {
        requirePlain(resourceServerId);
        return "[{rabbitmq_auth_backend_oauth2, [\n"
                + "  {resource_server_id, <<\"" + resourceServerId + "\">>},\n"
                + "  {key_config, [\n"
                + "    {default_key, <<\"" + keyId + "\">>},\n"
                + "    {signing_keys, #{<<\"" + keyId + "\">> => {map, #{<<\"kty\">> => <<\"oct\">>,\n"
                + "        <<\"alg\">> => <<\"HS256\">>, <<\"k\">> => <<\"" + BASE64URL.encodeToString(secret)
                + "\">>}}}}\n"
                + "  ]}\n"
                + "]}].\n";
    }

    /**
     * A signed JWT for user {@code subject}, valid for {@code audience}, granting {@code scopes} (e.g.
     * {@code rabbitmq.configure:*}{@code /*}) until {@code expiresAt}.
     */
    public String token(String subject, String audience, List<String> scopes, Instant expiresAt) {
        String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":" + json(keyId) + "}";
        String payload = "{\"sub\":" + json(subject)
                + ",\"aud\":[" + json(audience) + "]"
                + ",\"scope\":[" + scopes.stream().map(Hs256SigningKey::json).collect(Collectors.joining(",")) + "]"
                + ",\"iat\":" + Instant.now().getEpochSecond()
                + ",\"exp\":" + expiresAt.getEpochSecond() + "}";
        String signingInput = base64url(header) + "." + base64url(payload);
        return signingInput + "." + BASE64URL.encodeToString(hmacSha256(signingInput));
    }

    private byte[] hmacSha256(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static String base64url(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON string literal. */
    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Ids go into Erlang binaries unescaped, so they are kept to characters that need no escaping. */
    private static String requirePlain(String id) {
        if (!PLAIN_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("use letters, digits, '.', '_' and '-' only: " + id);
        }
        return id;
    }

    @Override
    public String toString() {
        return "Hs256SigningKey[" + keyId + "]";
    }
}
