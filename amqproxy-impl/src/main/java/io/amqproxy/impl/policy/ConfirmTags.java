package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Methods;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The publisher-confirm tags of one client channel, as the client counts them and as the broker does. Invariant:
 * the client gets exactly one confirm for each of its publishes, under the tag it counted. They count alike until
 * the proxy answers a publish itself (a fault's nack or return) or drops it: the client counted it, the broker never
 * saw it, so from then on the broker's tags are translated. Until then nothing is rewritten. Loop thread only.
 */
public final class ConfirmTags {

    /** A confirm to send the client: its tag, and whether it covers all tags up to it. */
    public record Confirm(long tag, boolean multiple) {
    }

    private boolean confirming;
    private long clientTags;
    private long brokerTags;
    /** Broker tags from {@code segmentStart[i]} on are client tags minus {@code segmentOffset[i]}. */
    private final List<long[]> segments = new ArrayList<>(0);
    /** Client tags the proxy answered itself; only kept while translating. */
    private final TreeSet<Long> answeredHere = new TreeSet<>();
    /** Every client tag up to this one has been confirmed by a multiple confirm. */
    private long confirmedThrough;

    /** Notes a client method; confirm.select starts the count. */
    public void onClientMethod(int method) {
        if (method == Methods.CONFIRM_SELECT) {
            confirming = true;
        }
    }

    public boolean confirming() {
        return confirming;
    }

    /** Whether the broker's tags differ from the client's, so its confirms must be rewritten. */
    public boolean translating() {
        return !segments.isEmpty();
    }

    /** A publish goes to the broker; returns the client's tag for it, 0 outside confirm mode. */
    public long forwarded() {
        if (!confirming) {
            return 0;
        }
        brokerTags++;
        return ++clientTags;
    }

    /** A publish the proxy answers or drops itself; returns the client's tag for it, 0 outside confirm mode. */
    public long answeredHere() {
        if (!confirming) {
            return 0;
        }
        long tag = ++clientTags;
        segments.add(new long[] {brokerTags + 1, clientTags - brokerTags});
        answeredHere.add(tag);
        return tag;
    }

    /** The client's tag for a broker's confirm tag. */
    long clientTag(long brokerTag) {
        long offset = 0;
        for (long[] s : segments) {
            if (brokerTag >= s[0]) {
                offset = s[1];
            } else {
                break;
            }
        }
        return brokerTag + offset;
    }

    /**
     * The confirms to send the client for the broker's confirm of {@code brokerTag}: one, translated, unless a
     * multiple confirm would also cover a publish the proxy answered itself; then one for each publish it covers.
     */
    public List<Confirm> rewrite(long brokerTag, boolean multiple) {
        long tag = clientTag(brokerTag);
        if (!multiple) {
            return List.of(new Confirm(tag, false));
        }
        long from = confirmedThrough;
        confirmedThrough = Math.max(confirmedThrough, tag);
        if (answeredHere.subSet(from + 1, true, tag, true).isEmpty()) {
            return List.of(new Confirm(tag, true));
        }
        List<Confirm> each = new ArrayList<>();
        for (long t = from + 1; t <= tag; t++) {
            if (!answeredHere.contains(t)) {
                each.add(new Confirm(t, false));
            }
        }
        return each;
    }
}
