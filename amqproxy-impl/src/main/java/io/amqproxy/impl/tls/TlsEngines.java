package io.amqproxy.impl.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.util.Arrays;
import java.util.List;

/** Builds configured {@link SSLEngine}s: the protocol versions, SNI and hostname rules the proxy uses. */
final class TlsEngines {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsEngines() {
    }

    /**
     * A client-mode engine for {@code host:port}: TLSv1.3 and TLSv1.2, SNI with {@code host} when it is a DNS
     * name, and the HTTPS (RFC 2818) check of the server's certificate against {@code host} when
     * {@code verifyHostname}.
     */
    static SSLEngine client(SSLContext ctx, String host, int port, boolean verifyHostname) {
        SSLEngine engine = ctx.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(supported(engine));
        SNIHostName sni = sniName(host);
        if (sni != null) {
            params.setServerNames(List.of(sni));
        }
        if (verifyHostname) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(params);
        return engine;
    }

    private static String[] supported(SSLEngine engine) {
        List<String> have = Arrays.asList(engine.getSupportedProtocols());
        String[] use = Arrays.stream(PROTOCOLS).filter(have::contains).toArray(String[]::new);
        if (use.length == 0) {
            throw new IllegalArgumentException("the SSLContext supports neither TLSv1.3 nor TLSv1.2: " + have);
        }
        return use;
    }

    /** The SNI name for {@code host}, or {@code null} for an IP literal or a name SNI cannot carry. */
    static SNIHostName sniName(String host) {
        if (host == null || host.isEmpty() || isIpLiteral(host)) {
            return null; // RFC 6066: literal addresses are not sent as server names
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        try {
            return new SNIHostName(name);
        } catch (IllegalArgumentException e) {
            return null; // e.g. an underscore in the name: connect without SNI rather than not at all
        }
    }

    /** An IPv6 literal (any colon, with or without brackets) or a dotted-quad IPv4 literal. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                digits++;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }
}
