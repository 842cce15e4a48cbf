package io.amqproxy.examples.settings;

import io.amqproxy.examples.tls.TlsMaterial;
import io.amqproxy.examples.tls.TlsMaterialException;

import javax.net.ssl.SSLContext;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The TLS part of {@link SettingsResolver}: checks that the TLS settings that won go together, then loads the
 * files they name, so that a missing file, a wrong password or a key that does not match its certificate stops
 * the proxy before it listens. Every error names the setting's origin and the file; none shows a password.
 */
final class TlsSettingsResolver {

    private TlsSettingsResolver() {
    }

    /** The trust for the upstream; TLS settings with a plain amqp:// upstream are an error, not ignored. */
    static UpstreamTrust upstreamTrust(Map<Setting, RawValue> v, boolean upstreamIsTls) throws UsageException {
        RawValue ca = v.get(Setting.UPSTREAM_CA);
        RawValue store = v.get(Setting.UPSTREAM_TRUSTSTORE);
        RawValue password = v.get(Setting.UPSTREAM_TRUSTSTORE_PASSWORD);
        RawValue verify = v.get(Setting.VERIFY_UPSTREAM_HOSTNAME);
        boolean verifyHostname = SettingsResolver.bool(verify, true);
        if (ca != null && store != null) {
            throw new UsageException(ca.origin() + " and " + store.origin() + ": give a CA file or a trust store, "
                    + "not both");
        }
        if (password != null && store == null) {
            throw new UsageException(password.origin() + ": a trust store password, but no trust store");
        }
        if (!upstreamIsTls) {
            RawValue tlsOnly = ca != null ? ca : store != null ? store : verifyHostname ? null : verify;
            if (tlsOnly != null) {
                throw new UsageException(tlsOnly.origin() + ": applies to an amqps:// upstream only, and the "
                        + "upstream is amqp://");
            }
        }
        try {
            if (ca != null) {
                Path file = path(ca);
                return new UpstreamTrust(TlsMaterial.trustingPem(file), file.toString(), verifyHostname);
            }
            if (store != null) {
                Path file = path(store);
                return new UpstreamTrust(TlsMaterial.trustingKeyStore(file, chars(password)), file.toString(),
                        verifyHostname);
            }
        } catch (TlsMaterialException e) {
            throw new UsageException((ca != null ? ca : store).origin() + ": " + e.getMessage());
        }
        return new UpstreamTrust(null, UpstreamTrust.DEFAULT.source(), verifyHostname);
    }

    /** The TLS listener, or {@code null} when none of its settings is given. */
    static TlsListenerSettings tlsListener(Map<Setting, RawValue> v, int listenPort, int httpPort)
            throws UsageException {
        RawValue port = v.get(Setting.TLS_PORT);
        RawValue cert = v.get(Setting.TLS_CERT);
        RawValue key = v.get(Setting.TLS_KEY);
        RawValue store = v.get(Setting.TLS_KEYSTORE);
        RawValue password = v.get(Setting.TLS_KEYSTORE_PASSWORD);
        if (port == null && cert == null && key == null && store == null && password == null) {
            return null;
        }
        if (cert != null && key == null) {
            throw new UsageException(cert.origin() + ": a certificate without its key: give --tls-key (TLS_KEY, "
                    + "tls_key in [listen]) too");
        }
        if (key != null && cert == null) {
            throw new UsageException(key.origin() + ": a key without its certificate: give --tls-cert (TLS_CERT, "
                    + "tls_cert in [listen]) too");
        }
        if (cert != null && store != null) {
            throw new UsageException(cert.origin() + " and " + store.origin() + ": give a PEM certificate and key "
                    + "or a keystore, not both");
        }
        if (password != null && store == null) {
            throw new UsageException(password.origin() + ": a keystore password, but no keystore");
        }
        if (port == null) {
            throw new UsageException((cert != null ? cert : store != null ? store : password).origin()
                    + ": no TLS port: give --tls-port (LISTEN_TLS_PORT, tls_port in [listen]) too");
        }
        if (cert == null && store == null) {
            throw new UsageException(port.origin() + ": the TLS listener needs a certificate and key: --tls-cert "
                    + "and --tls-key, or --tls-keystore (or their environment variables or [listen] keys)");
        }
        int tlsPort = SettingsResolver.port(port, 0);
        if (tlsPort != 0 && (tlsPort == listenPort || tlsPort == httpPort)) {
            throw new UsageException(port.origin() + ": the TLS port " + tlsPort + " is already the "
                    + (tlsPort == listenPort ? "AMQP" : "HTTP") + " port");
        }
        try {
            if (cert != null) {
                Path certFile = path(cert);
                Path keyFile = path(key);
                SSLContext context = TlsMaterial.serverFromPem(certFile, keyFile);
                return new TlsListenerSettings(tlsPort, context, certFile + " and " + keyFile);
            }
            Path file = path(store);
            return new TlsListenerSettings(tlsPort, TlsMaterial.serverFromKeyStore(file, chars(password)),
                    file.toString());
        } catch (TlsMaterialException e) {
            throw new UsageException((cert != null ? cert : store).origin() + ": " + e.getMessage());
        }
    }

    private static Path path(RawValue raw) throws UsageException {
        String text = raw.text().strip();
        if (text.isEmpty()) {
            throw new UsageException(raw.origin() + ": the file name must not be empty");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new UsageException(raw.origin() + ": not a valid file name: " + e.getReason());
        }
    }

    /** A password as written: it may begin or end with a space. */
    private static char[] chars(RawValue password) {
        return password == null ? null : password.text().toCharArray();
    }
}
