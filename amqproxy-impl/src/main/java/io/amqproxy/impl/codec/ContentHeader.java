package io.amqproxy.impl.codec;

import io.amqproxy.fixture.MessageProperties;

import java.nio.ByteBuffer;

/**
 * The content header frame of class basic: {@code class u16, weight u16, body size u64, property flags u16,
 * properties}. The proxy checks that a client's header holds what its flags announce before it reaches a shared
 * connection, and reads the body size; it never rebuilds a header. Stateless.
 */
public final class ContentHeader {

    /** 2 (class) + 2 (weight) + 8 (body size) + 2 (property flags). */
    private static final int FIXED_PART = 2 + 2 + 8 + 2;

    /** The layout of the properties present for each flag word, made once per flag word seen. */
    private static final String[] PROPERTY_LAYOUTS = new String[1 << 14];

    private ContentHeader() {
    }

    /**
     * Whether a content header for basic (class 60) is well formed: class, weight, body size and the properties
     * its flags announce, nothing more, field tables decodable.
     *
     * @param tables a reader to check field tables with (the headers property)
     */
    public static boolean fits(ByteBuffer buf, int off, int len, MethodReader tables) {
        if (len < FIXED_PART || (buf.getShort(off) & 0xFFFF) != Methods.BASIC) {
            return false;
        }
        int flags = buf.getShort(off + 12) & 0xFFFF;
        if ((flags & 1) != 0) {
            return false; // continuation flags: basic has only 14 properties, one flag word
        }
        int end = off + len;
        return Layouts.walk(propertyLayout(flags), buf, off + FIXED_PART, end, null, tables) == end;
    }

    /** The body size the header announces; negative when it does not fit a signed long. */
    public static long bodySize(ByteBuffer buf, int off) {
        return buf.getLong(off + 4);
    }

    /**
     * The basic properties of a well-formed content header (see {@link #fits}), decoded whole, for the traffic
     * recording. Allocates; not for the forwarding path.
     */
    public static MessageProperties properties(ByteBuffer buf, int off, int len, MethodReader reader) {
        int flags = buf.getShort(off + 12) & 0xFFFF;
        MethodReader r = reader.resetRaw(buf, off + FIXED_PART, len - FIXED_PART);
        return new MessageProperties(
                has(flags, 0) ? r.shortStr() : null,
                has(flags, 1) ? r.shortStr() : null,
                has(flags, 2) ? r.table() : null,
                has(flags, 3) ? r.u8() : null,
                has(flags, 4) ? r.u8() : null,
                has(flags, 5) ? r.shortStr() : null,
                has(flags, 6) ? r.shortStr() : null,
                has(flags, 7) ? r.shortStr() : null,
                has(flags, 8) ? r.shortStr() : null,
                has(flags, 9) ? r.u64() : null,
                has(flags, 10) ? r.shortStr() : null,
                has(flags, 11) ? r.shortStr() : null,
                has(flags, 12) ? r.shortStr() : null,
                has(flags, 13) ? r.shortStr() : null);
    }

    /** Whether the {@code index}th property (0 = content-type, in spec order) is present. */
    private static boolean has(int flags, int index) {
        return (flags & (1 << (15 - index))) != 0;
    }

    private static String propertyLayout(int flags) {
        int index = flags >>> 2; // the low two bits are the continuation flag (checked) and an unused one
        String layout = PROPERTY_LAYOUTS[index];
        if (layout == null) {
            // content-type, content-encoding, headers, delivery-mode, priority, correlation-id, reply-to,
            // expiration, message-id, timestamp, type, user-id, app-id, cluster-id
            String all = "SSToo" + "SSSSLSSSS";
            StringBuilder present = new StringBuilder(all.length());
            for (int i = 0; i < all.length(); i++) {
                if ((flags & (1 << (15 - i))) != 0) {
                    present.append(all.charAt(i));
                }
            }
            layout = present.toString();
            PROPERTY_LAYOUTS[index] = layout; // a benign race between loops: both compute the same string
        }
        return layout;
    }
}
