package io.amqproxy.examples.tls;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading PEM files and keystores into SSL contexts, checked by real TLS handshakes on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsMaterialTest {

    @TempDir
    static Path dir;

    static TestTlsFiles.Identity rsa;
    static TestTlsFiles.Identity ec;
    static TestTlsFiles.Identity otherRsa;
    static TestTlsFiles.Identity otherEc;

    @BeforeAll
    static void makeIdentities() throws Exception {
        rsa = TestTlsFiles.generate(dir, "localhost", "RSA", "dns:localhost,ip:127.0.0.1");
        ec = TestTlsFiles.generate(dir, "ec-localhost", "EC", "dns:localhost");
        otherRsa = TestTlsFiles.generate(dir, "other", "RSA", "dns:localhost");
        otherEc = TestTlsFiles.generate(dir, "other-ec", "EC", "dns:localhost");
    }

    /** Runs one handshake between the two contexts and returns the certificate the client saw. */
    private static X509Certificate handshake(SSLContext server, SSLContext client) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                } catch (Exception e) {
                    // the client reports the failure
                }
            });
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket()) {
                s.connect(listener.getLocalSocketAddress(), 10_000);
                s.setSoTimeout(10_000);
                s.startHandshake();
                assertThat(s.getInputStream().read()).isEqualTo(1);
                return (X509Certificate) s.getSession().getPeerCertificates()[0];
            } finally {
                served.get(20, TimeUnit.SECONDS);
            }
        }
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void pemCertificateAndPkcs8KeyServeTls() throws Exception {
        SSLContext server = TlsMaterial.serverFromPem(rsa.cert(), rsa.key());

        assertThat(handshake(server, rsa.clientTrusting())).isEqualTo(rsa.certificate());
    }

    @Test
    void ecPkcs8KeyServesTls() throws Exception {
        assertThat(handshake(TlsMaterial.serverFromPem(ec.cert(), ec.key()), ec.clientTrusting()))
                .isEqualTo(ec.certificate());
    }

    @Test
    void traditionalRsaKeyIsRewrappedAsPkcs8() throws Exception {
        Path pkcs1 = write("rsa-pkcs1.key",
                TestTlsFiles.pem("RSA PRIVATE KEY", TestTlsFiles.innerKey(rsa.privateKey().getEncoded())));

        assertThat(handshake(TlsMaterial.serverFromPem(rsa.cert(), pkcs1), rsa.clientTrusting()))
                .isEqualTo(rsa.certificate());
    }

    @Test
    void traditionalEcKeyIsRewrappedAsPkcs8() throws Exception {
        // openssl ecparam -genkey writes an EC PARAMETERS block first; it is skipped
        Path sec1 = write("ec-sec1.key", "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + TestTlsFiles.pem("EC PRIVATE KEY", TestTlsFiles.innerKey(ec.privateKey().getEncoded())));

        assertThat(handshake(TlsMaterial.serverFromPem(ec.cert(), sec1), ec.clientTrusting()))
                .isEqualTo(ec.certificate());
    }

    @Test
    void keyOfAnotherCertificateIsRefused() {
        assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.cert(), otherRsa.key()))
                .isInstanceOf(TlsMaterialException.class)
                .hasMessage("key file " + otherRsa.key() + ": the private key does not match the first certificate of "
                        + rsa.cert() + " (CN=localhost)");
        assertThatThrownBy(() -> TlsMaterial.serverFromPem(ec.cert(), otherEc.key()))
                .hasMessageContaining("does not match the first certificate");
        assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.cert(), ec.key()))
                .hasMessageStartingWith("key file " + ec.key() + ": not a valid RSA private key");
    }

    @Test
    void encryptedKeysAreRefusedWithTheOpensslCommand() throws Exception {
        Path pkcs8 = write("enc8.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path pkcs1 = write("enc1.key", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                + "DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        for (Path key : new Path[]{pkcs8, pkcs1}) {
            assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.cert(), key))
                    .hasMessageStartingWith("key file " + key + ": the key is encrypted")
                    .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
        }
    }

    @Test
    void unsupportedKeyFormatNamesTheConversion() throws Exception {
        Path dsa = write("dsa.key", "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n");

        assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.cert(), dsa))
                .hasMessage("key file " + dsa + ": unsupported key format DSA PRIVATE KEY; convert it to PKCS#8 with "
                        + "openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
    }

    @Test
    void filesThatAreMissingOrNotPemOrTheWrongKindAreNamed() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path text = write("text.pem", "hello\n");

        assertThatThrownBy(() -> TlsMaterial.trustingPem(missing)).hasMessage("CA file " + missing + ": no such file");
        assertThatThrownBy(() -> TlsMaterial.trustingPem(text))
                .hasMessage("CA file " + text + ": not a PEM file (no -----BEGIN ...----- block)");
        assertThatThrownBy(() -> TlsMaterial.trustingPem(rsa.keystore()))
                .hasMessageStartingWith("CA file " + rsa.keystore() + ": not a PEM file (binary");
        assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.key(), rsa.key()))
                .hasMessage("certificate file " + rsa.key() + ": no certificate (-----BEGIN CERTIFICATE-----) in it, "
                        + "only PRIVATE KEY");
        assertThatThrownBy(() -> TlsMaterial.serverFromPem(rsa.cert(), rsa.cert()))
                .hasMessage("key file " + rsa.cert() + ": no private key (-----BEGIN PRIVATE KEY-----) in it, only "
                        + "CERTIFICATE");
    }

    @Test
    void pkcs12KeystoreServesTls() throws Exception {
        SSLContext server = TlsMaterial.serverFromKeyStore(rsa.keystore(), TestTlsFiles.PASSWORD.toCharArray());

        assertThat(handshake(server, rsa.clientTrusting())).isEqualTo(rsa.certificate());
    }

    @Test
    void wrongKeystorePasswordIsSaidWithoutShowingIt() {
        assertThatThrownBy(() -> TlsMaterial.serverFromKeyStore(rsa.keystore(), "s3cret-guess".toCharArray()))
                .hasMessage("keystore " + rsa.keystore() + ": wrong password (or a damaged file)")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> TlsMaterial.serverFromKeyStore(rsa.cert(), TestTlsFiles.PASSWORD.toCharArray()))
                .hasMessage("keystore " + rsa.cert() + ": not a PKCS#12 or JKS keystore");
        assertThatThrownBy(() -> TlsMaterial.serverFromKeyStore(dir.resolve("none.p12"), null))
                .hasMessage("keystore " + dir.resolve("none.p12") + ": no such file");
    }

    @Test
    void pemCaFileTrustsEachOfItsCertificatesAndNothingElse() throws Exception {
        Path both = write("both.pem", Files.readString(otherRsa.cert()) + Files.readString(rsa.cert()));
        SSLContext trustBoth = TlsMaterial.trustingPem(both);
        SSLContext trustOther = TlsMaterial.trustingPem(otherRsa.cert());
        SSLContext server = TlsMaterial.serverFromPem(rsa.cert(), rsa.key());

        assertThat(handshake(server, trustBoth)).isEqualTo(rsa.certificate());
        assertThatThrownBy(() -> handshake(server, trustOther)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pkcs12TrustStoreTrustsItsCertificates() throws Exception {
        SSLContext trust = TlsMaterial.trustingKeyStore(rsa.keystore(), TestTlsFiles.PASSWORD.toCharArray());
        SSLContext server = TlsMaterial.serverFromKeyStore(rsa.keystore(), TestTlsFiles.PASSWORD.toCharArray());

        assertThat(handshake(server, trust)).isEqualTo(rsa.certificate());
    }
}
