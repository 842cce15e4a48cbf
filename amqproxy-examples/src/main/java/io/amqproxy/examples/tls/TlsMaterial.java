package io.amqproxy.examples.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Loads certificates, private keys and keystores from files into {@link SSLContext}s for the proxy: trust for an
 * amqps:// upstream, and the certificate and key of the TLS listener. Every failure is a
 * {@link TlsMaterialException} whose one-line message names the file and says what is wrong; passwords are never
 * part of a message.
 *
 * <p>PEM private keys may be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or
 * SEC1 EC ({@code BEGIN EC PRIVATE KEY}), unencrypted; the two older forms are rewrapped as PKCS#8 here, without
 * any library beyond the JDK. Encrypted keys are refused with the openssl command that decrypts them.
 */
public final class TlsMaterial {

    /** The password of the in-memory keystores built here; they never leave this process. */
    private static final char[] IN_MEMORY = "amqproxy".toCharArray();

    private static final String TO_PKCS8 = "openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem";

    private TlsMaterial() {
    }

    /** A context that trusts exactly the certificates of a PEM file (one or more CA certificates). */
    public static SSLContext trustingPem(Path caFile) throws TlsMaterialException {
        List<X509Certificate> cas = certificates(caFile, "CA file");
        try {
            KeyStore store = emptyStore();
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            return trusting(store);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsMaterialException("CA file " + caFile + ": cannot be used as trust: " + e.getMessage(), e);
        }
    }

    /** A context that trusts the certificates of a PKCS#12 or JKS trust store. */
    public static SSLContext trustingKeyStore(Path file, char[] password) throws TlsMaterialException {
        KeyStore store = keyStore(file, password, "trust store");
        try {
            if (Collections.list(store.aliases()).stream().noneMatch(a -> hasCertificate(store, a))) {
                throw new TlsMaterialException("trust store " + file + ": holds no certificates");
            }
            return trusting(store);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("trust store " + file + ": cannot be used as trust: " + e.getMessage(), e);
        }
    }

    /**
     * A server context from a PEM certificate chain (the server's certificate first) and its PEM private key.
     *
     * @throws TlsMaterialException also when the key does not belong to the first certificate
     */
    public static SSLContext serverFromPem(Path certFile, Path keyFile) throws TlsMaterialException {
        List<X509Certificate> chain = certificates(certFile, "certificate file");
        PrivateKey key = privateKey(keyFile, chain.get(0).getPublicKey());
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsMaterialException("key file " + keyFile + ": the private key does not match the first "
                    + "certificate of " + certFile + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry("server", key, IN_MEMORY, chain.toArray(new Certificate[0]));
            return withKeys(store, IN_MEMORY);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsMaterialException("certificate file " + certFile + ": cannot be used with key file "
                    + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** A server context from a PKCS#12 (or JKS) keystore whose key has the keystore's password. */
    public static SSLContext serverFromKeyStore(Path file, char[] password) throws TlsMaterialException {
        KeyStore store = keyStore(file, password, "keystore");
        try {
            List<String> keys = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keys.add(alias);
                }
            }
            if (keys.isEmpty()) {
                throw new TlsMaterialException("keystore " + file + ": holds no private key (is it a trust store?)");
            }
            for (String alias : keys) {
                store.getKey(alias, password == null ? new char[0] : password);
            }
            return withKeys(store, password == null ? new char[0] : password);
        } catch (UnrecoverableKeyException e) {
            throw new TlsMaterialException("keystore " + file + ": the private key cannot be read with the keystore "
                    + "password (the key must have the same password as the keystore)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("keystore " + file + ": cannot be used: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM file, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file, String what) throws TlsMaterialException {
        PemFile pem = PemFile.read(file, what);
        List<PemFile.Block> blocks = pem.withLabel("CERTIFICATE");
        if (blocks.isEmpty()) {
            throw new TlsMaterialException(what + " " + file + ": no certificate (-----BEGIN CERTIFICATE-----) in "
                    + "it, only " + pem.labels());
        }
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (PemFile.Block b : blocks) {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            }
        } catch (CertificateException e) {
            throw new TlsMaterialException(what + " " + file + ": certificate " + (certificates.size() + 1)
                    + " is not a valid X.509 certificate", e);
        }
        return List.copyOf(certificates);
    }

    /**
     * The private key of a PEM file, of the algorithm of {@code certificateKey}.
     */
    static PrivateKey privateKey(Path file, PublicKey certificateKey) throws TlsMaterialException {
        PemFile pem = PemFile.read(file, "key file");
        String where = "key file " + file + ": ";
        for (PemFile.Block b : pem.blocks()) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(where, b.der(), certificateKey.getAlgorithm());
                case "RSA PRIVATE KEY":
                    refuseEncrypted(where, b);
                    return pkcs8(where, rsaPkcs8(b.der()), certificateKey.getAlgorithm());
                case "EC PRIVATE KEY":
                    refuseEncrypted(where, b);
                    if (!(certificateKey instanceof ECPublicKey ec)) {
                        throw new TlsMaterialException(where + "an EC key, but the certificate's key is "
                                + certificateKey.getAlgorithm());
                    }
                    return pkcs8(where, ecPkcs8(where, b.der(), ec), "EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw new TlsMaterialException(where + "the key is encrypted; amqproxy needs it unencrypted: "
                            + TO_PKCS8 + " (keep that file private)");
                default:
                    if (b.label().endsWith("PRIVATE KEY")) {
                        throw new TlsMaterialException(where + "unsupported key format " + b.label()
                                + "; convert it to PKCS#8 with " + TO_PKCS8);
                    }
            }
        }
        throw new TlsMaterialException(where + "no private key (-----BEGIN PRIVATE KEY-----) in it, only "
                + pem.labels());
    }

    private static void refuseEncrypted(String where, PemFile.Block b) throws TlsMaterialException {
        if (b.encrypted()) {
            throw new TlsMaterialException(where + "the key is encrypted; amqproxy needs it unencrypted: "
                    + TO_PKCS8 + " (keep that file private)");
        }
    }

    private static PrivateKey pkcs8(String where, byte[] der, String algorithm) throws TlsMaterialException {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new TlsMaterialException(where + "not a valid " + algorithm + " private key (the certificate's "
                    + "key is " + algorithm + "; does the key belong to it?)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(where + "this JVM cannot read " + algorithm + " keys", e);
        }
    }

    /** Whether a private key belongs to a public key: same RSA modulus, or a signature that verifies. */
    private static boolean matches(PrivateKey key, PublicKey certificateKey) {
        if (key instanceof RSAKey rsa && certificateKey instanceof RSAKey pub) {
            return rsa.getModulus().equals(pub.getModulus());
        }
        String algorithm = switch (certificateKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // nothing to check it with here; the TLS handshake will
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    // PKCS#8 PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, algorithm AlgorithmIdentifier, privateKey OCTET STRING }

    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};
    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters. */
    private static final byte[] RSA_ALGORITHM = der(0x30, new byte[]{0x06, 0x09, 0x2A, (byte) 0x86, 0x48,
            (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00});
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02,
            0x01};

    private static byte[] rsaPkcs8(byte[] pkcs1) {
        return der(0x30, VERSION_0, RSA_ALGORITHM, der(0x04, pkcs1));
    }

    /** SEC1 inside PKCS#8, naming the certificate's curve (a key on another curve then fails the match). */
    private static byte[] ecPkcs8(String where, byte[] sec1, ECPublicKey certificateKey) throws TlsMaterialException {
        byte[] curve;
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(certificateKey.getParams());
            curve = params.getEncoded();
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsMaterialException(where + "the certificate's EC curve is not a named curve this JVM knows; "
                    + "convert the key with " + TO_PKCS8, e);
        }
        return der(0x30, VERSION_0, der(0x30, EC_PUBLIC_KEY_OID, curve), der(0x04, sec1));
    }

    /** A DER element: tag, definite length, then the parts one after the other. */
    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int length = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static KeyStore keyStore(Path file, char[] password, String what) throws TlsMaterialException {
        if (!Files.isRegularFile(file)) {
            throw new TlsMaterialException(what + " " + file + ": " + (Files.exists(file) ? "not a regular file"
                    : "no such file"));
        }
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (KeyStoreException e) {
            throw new TlsMaterialException(what + " " + file + ": not a PKCS#12 or JKS keystore", e);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(what + " " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new TlsMaterialException(what + " " + file + ": permission denied");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new TlsMaterialException(what + " " + file + ": " + (password == null
                        ? "needs a password" : "wrong password") + " (or a damaged file)", e);
            }
            throw new TlsMaterialException(what + " " + file + ": cannot be read: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(what + " " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static boolean hasCertificate(KeyStore store, String alias) {
        try {
            return store.getCertificate(alias) != null;
        } catch (KeyStoreException e) {
            return false;
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static SSLContext trusting(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static SSLContext withKeys(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
