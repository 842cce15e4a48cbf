package io.amqproxy.testsupport.relay;

/**
 * Counts the bytes read from clients, over all links of a relay, and cuts the link that reaches a limit set by
 * {@link FaultRelay#cutAfterClientBytes}. Called by every reader of the client-to-target direction, under this
 * object's lock, so that the limit is exact however the reads interleave.
 */
final class ClientByteLimit {

    /** How many of a read's bytes may go on, and the cut to make after them, if the limit was reached. */
    record Admitted(int bytes, RelayEffect.Cut cut) {
    }

    private long seen;
    /** Total client bytes at which to cut; -1 for none. */
    private long limit = -1;
    private RelayEffect.Cut cut;

    synchronized void cutAfter(long more, RelayEffect.Cut how) {
        limit = seen + more;
        cut = how;
    }

    synchronized void clear() {
        limit = -1;
        cut = null;
    }

    /** Admits {@code n} bytes just read, or as many as the limit leaves, with the cut to make once they are out. */
    synchronized Admitted admit(int n) {
        if (limit >= 0 && seen + n >= limit) {
            int allowed = (int) Math.max(0, limit - seen);
            seen += allowed;
            return new Admitted(allowed, cut);
        }
        seen += n;
        return new Admitted(n, null);
    }

    synchronized long seen() {
        return seen;
    }
}
