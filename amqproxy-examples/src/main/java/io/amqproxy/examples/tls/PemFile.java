package io.amqproxy.examples.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks of a PEM file ({@code -----BEGIN LABEL----- base64 -----END LABEL-----}), decoded. Text outside
 * the blocks (as {@code openssl x509 -text} writes before a certificate) is ignored.
 *
 * @param path   the file, for error messages
 * @param blocks the blocks in file order
 */
record PemFile(Path path, List<Block> blocks) {

    /**
     * One PEM block.
     *
     * @param label     what the BEGIN line says: {@code CERTIFICATE}, {@code PRIVATE KEY}, ...
     * @param encrypted whether it has RFC 1421 headers such as {@code Proc-Type: 4,ENCRYPTED}
     * @param der       the decoded bytes
     */
    record Block(String label, boolean encrypted, byte[] der) {
    }

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END \\1-----", Pattern.DOTALL);

    /** Reads a file and decodes its blocks; a file with none is an error. */
    static PemFile read(Path path, String what) throws TlsMaterialException {
        String text;
        try {
            // Latin-1 maps every byte, so a comment in UTF-8 around the blocks does no harm
            text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(what + " " + path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new TlsMaterialException(what + " " + path + ": permission denied");
        } catch (IOException e) {
            throw new TlsMaterialException(what + " " + path + ": cannot be read: " + e.getMessage(), e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            boolean encrypted = body.contains("Proc-Type:") || body.contains("DEK-Info:");
            if (encrypted) {
                blocks.add(new Block(m.group(1), true, new byte[0]));
                continue;
            }
            try {
                blocks.add(new Block(m.group(1), false, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new TlsMaterialException(what + " " + path + ": the " + m.group(1) + " block is not valid "
                        + "base64");
            }
        }
        if (blocks.isEmpty() && text.indexOf('\0') >= 0) {
            throw new TlsMaterialException(what + " " + path + ": not a PEM file (binary: DER or PKCS#12? convert "
                    + "with openssl, or use the keystore option)");
        }
        if (blocks.isEmpty()) {
            throw new TlsMaterialException(what + " " + path + ": not a PEM file (no -----BEGIN ...----- block)");
        }
        return new PemFile(path, List.copyOf(blocks));
    }

    /** The blocks with this label. */
    List<Block> withLabel(String label) {
        return blocks.stream().filter(b -> b.label.equals(label)).toList();
    }

    /** The labels found, for error messages: {@code CERTIFICATE, PRIVATE KEY}. */
    String labels() {
        return String.join(", ", blocks.stream().map(Block::label).distinct().toList());
    }
}
