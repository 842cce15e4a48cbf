package io.amqproxy.examples.bench;

/**
 * The login every benchmark client uses, through the proxy and directly alike.
 * {@link #toString()} leaves the password out.
 */
record Credentials(String user, String password, String vhost) {

    @Override
    public String toString() {
        return user + "@" + vhost;
    }
}
