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

    /**
     * @param vhost the virtual host, or {@code null} while only the login is known (between the client's
     *              StartOk and its Open)
     */
    public Credentials(String user, byte[] password, String vhost) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = password.clone();
        this.vhost = vhost;
        // the password stays out of the hash so bucket placement reveals nothing about it
        this.hash = user.hashCode() * 31 + Objects.hashCode(vhost);
    }

    /** Same user and password, whatever the vhost; the password compared in constant time. */
    public boolean sameLogin(Credentials other) {
        return MessageDigest.isEqual(password, other.password) & user.equals(other.user);
    }

    /**
     * Whether the login needs AMQPLAIN upstream: PLAIN separates fields with NUL, so a user or password
     * containing NUL cannot be sent with it.
     */
    public boolean needsAmqplain() {
        return user.indexOf('\0') >= 0 || indexOfNul(password) >= 0;
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The AMQPLAIN response: a field table body (no length prefix) with LOGIN and PASSWORD. */
    public byte[] amqplainResponse() {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * (1 + 8 + 1 + 4) + u.length + password.length);
        b.put((byte) 5).put("LOGIN".getBytes(StandardCharsets.US_ASCII)).put((byte) 'S').putInt(u.length).put(u);
        b.put((byte) 8).put("PASSWORD".getBytes(StandardCharsets.US_ASCII)).put((byte) 'S').putInt(password.length).put(password);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** The same user and vhost with a new password (a refreshed token, Connection.UpdateSecret). */
    public Credentials withPassword(byte[] newPassword) {
        return new Credentials(user, newPassword, vhost);
    }

    /** The password, for Connection.UpdateSecret only; a copy. */
    public byte[] secret() {
        return password.clone();
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
        return sameLogin(other) & Objects.equals(vhost, other.vhost);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return vhost == null ? user : user + "@" + vhost;
    }
}
