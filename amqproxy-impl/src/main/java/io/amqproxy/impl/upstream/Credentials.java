package io.amqproxy.impl.upstream;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * The key of the upstream pool: user, password and vhost. The password is compared in constant time and
 * never printed: {@link #toString()} shows {@code user@vhost} only.
 */
public final class Credentials {

    private final String user;
    private final byte[] password;
    private final String vhost;
    private final int hash;

    public Credentials(String user, byte[] password, String vhost) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = password.clone();
        this.vhost = Objects.requireNonNull(vhost, "vhost");
        // the password stays out of the hash so bucket placement reveals nothing about it
        this.hash = user.hashCode() * 31 + vhost.hashCode();
    }

    /** The same login for another vhost (StartOk gives user and password, Open the vhost). */
    public Credentials withVhost(String vhost) {
        return new Credentials(user, password, vhost);
    }

    public String user() {
        return user;
    }

    public String vhost() {
        return vhost;
    }

    /** The PLAIN SASL response for the broker: {@code \0user\0password}. */
    public byte[] plainResponse() {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] r = new byte[2 + u.length + password.length];
        System.arraycopy(u, 0, r, 1, u.length);
        System.arraycopy(password, 0, r, 2 + u.length, password.length);
        return r;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Credentials other)) {
            return false;
        }
        boolean samePassword = MessageDigest.isEqual(password, other.password);
        return samePassword & user.equals(other.user) & vhost.equals(other.vhost);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return user + "@" + vhost;
    }
}
