package io.amqproxy.impl.codec;

import java.nio.ByteBuffer;

/**
 * Walks arguments laid out as a {@link MethodSpec} layout string describes them, without building anything:
 * where each argument stands, and whether they fit. Shared by {@link MethodView} (method arguments) and
 * {@link ContentHeader} (basic properties, which are laid out the same way). Stateless.
 */
final class Layouts {

    /** What {@link #walk} returns when the arguments run past the end or a table does not decode. */
    static final int DOES_NOT_FIT = -1;

    private Layouts() {
    }

    /**
     * Walks {@code layout} from {@code pos}.
     *
     * @param at     if not {@code null}, receives for each letter of the layout where its argument starts; for
     *               a bit, {@code octet position * 8 + bit number}
     * @param tables checks every field table decodes, as the broker would read it; {@code null} skips tables
     *               by their length
     * @return the position after the last argument, or {@link #DOES_NOT_FIT}
     */
    static int walk(String layout, ByteBuffer buf, int pos, int end, int[] at, MethodReader tables) {
        int bitOctet = -1;
        int bit = 0;
        for (int i = 0; i < layout.length(); i++) {
            char c = layout.charAt(i);
            if (c == 'b') {
                if (bitOctet < 0 || bit == 8) {
                    bitOctet = pos;
                    bit = 0;
                    pos += 1;
                }
                if (at != null) {
                    at[i] = bitOctet * 8 + bit;
                }
                bit++;
                continue;
            }
            bitOctet = -1;
            if (at != null) {
                at[i] = pos;
            }
            switch (c) {
                case 'o' -> pos += 1;
                case 's' -> pos += 2;
                case 'l' -> pos += 4;
                case 'L' -> pos += 8;
                case 'S' -> pos = pos < end ? pos + 1 + (buf.get(pos) & 0xFF) : end + 1;
                case 'X', 'T' -> {
                    int n = pos + 4 <= end ? buf.getInt(pos) : -1;
                    if (n < 0 || n > end - pos - 4) {
                        return DOES_NOT_FIT;
                    }
                    if (c == 'T' && tables != null) {
                        try {
                            tables.resetRaw(buf, pos + 4, n).checkTableBody(pos + 4 + n);
                        } catch (MalformedFrameException e) {
                            return DOES_NOT_FIT;
                        }
                    }
                    pos += 4 + n;
                }
                default -> throw new IllegalStateException("bad layout letter " + c);
            }
            if (pos > end) {
                return DOES_NOT_FIT;
            }
        }
        return pos > end ? DOES_NOT_FIT : pos;
    }
}
