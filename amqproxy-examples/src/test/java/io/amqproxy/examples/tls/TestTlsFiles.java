package io.amqproxy.examples.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed identities made by the test itself with the JDK's {@code keytool}: a PKCS#12 keystore, its
 * certificate exported as PEM ({@code keytool -exportcert -rfc}), and its private key written as PEM from
 * Java ({@code getEncoded()} of a private key is PKCS#8).
 */
public final class TestTlsFiles {

    /** The password of every keystore made here. */
    public static final String PASSWORD = "changeit";

    /**
     * One identity's files.
     *
     * @param keystore PKCS#12 with the key and the self-signed certificate, password {@link #PASSWORD}
     * @param cert     the certificate, PEM
     * @param key      the private key, PEM PKCS#8 ({@code BEGIN PRIVATE KEY})
     */
    public record Identity(Path keystore, Path cert, Path key) {

        /** The certificate, parsed. */
        public X509Certificate certificate() throws Exception {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert)));
        }

        /** The private key, from the keystore. */
        public PrivateKey privateKey() throws Exception {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), PASSWORD.toCharArray());
            return (PrivateKey) ks.getKey("server", PASSWORD.toCharArray());
        }

        /** A client context that trusts this certificate only. */
        public SSLContext clientTrusting() throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("trusted", certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        }
    }

    private TestTlsFiles() {
    }

    /**
     * Makes an identity in {@code dir}, files named after {@code name}.
     *
     * @param keyAlgorithm {@code RSA} or {@code EC}
     * @param san          subject alternative names in keytool's syntax, e.g. {@code dns:localhost,ip:127.0.0.1}
     */
    public static Identity generate(Path dir, String name, String keyAlgorithm, String san) throws Exception {
        Path keystore = dir.resolve(name + ".p12");
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        List<String> gen = new ArrayList<>(List.of("-genkeypair", "-alias", "server", "-keyalg", keyAlgorithm,
                "-dname", "CN=" + name, "-ext", "SAN=" + san, "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-keypass", PASSWORD));
        gen.addAll(keyAlgorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
        keytool(gen);
        keytool(List.of("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-file", cert.toString()));
        Identity identity = new Identity(keystore, cert, key);
        Files.writeString(key, pem("PRIVATE KEY", identity.privateKey().getEncoded()));
        return identity;
    }

    /** A PEM block with 64-character lines. */
    public static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /**
     * The private key inside a PKCS#8 PrivateKeyInfo (its last element, an OCTET STRING): PKCS#1 for RSA, SEC1
     * for EC, the bodies of {@code BEGIN RSA PRIVATE KEY} and {@code BEGIN EC PRIVATE KEY}.
     */
    public static byte[] innerKey(byte[] pkcs8) {
        int[] pos = {0};
        header(pkcs8, pos); // the outer SEQUENCE
        int version = header(pkcs8, pos);
        pos[0] += version;
        int algorithm = header(pkcs8, pos);
        pos[0] += algorithm;
        int length = header(pkcs8, pos); // the OCTET STRING
        return Arrays.copyOfRange(pkcs8, pos[0], pos[0] + length);
    }

    /** Skips a tag and a length at pos, returns the length. */
    private static int header(byte[] der, int[] pos) {
        pos[0]++;
        int first = der[pos[0]++] & 0xFF;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7F); i++) {
            length = (length << 8) | (der[pos[0]++] & 0xFF);
        }
        return length;
    }

    private static void keytool(List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.add("-noprompt");
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool did not finish within 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed (" + p.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8));
        }
    }
}
