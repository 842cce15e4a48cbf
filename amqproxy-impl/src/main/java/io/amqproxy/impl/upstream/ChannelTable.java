package io.amqproxy.impl.upstream;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The channel ids of one upstream connection: which {@link UpstreamChannel} holds each id, how many are in
 * use, and how many are held back in quarantine. Ids are handed out in turn, so a freed id is the last to be
 * used again, and an id is free only once the broker is done with it. Loop thread only.
 */
final class ChannelTable {

    /** Indexed by channel id; grows up to the connection's channel_max + 1 as ids are used. */
    private UpstreamChannel[] byId;
    private int used;
    private int quarantined;
    private int nextId = 1;

    ChannelTable(int channelMax) {
        this.byId = new UpstreamChannel[Math.min(channelMax, 63) + 1];
    }

    int used() {
        return used;
    }

    /**
     * Takes the next free id up to {@code limit} for a new channel.
     *
     * @return the channel, or {@code null} if every id is taken
     */
    UpstreamChannel allocate(UpstreamConnection connection, ChannelPeer peer, int limit) {
        for (int i = 0; i < limit; i++) {
            int candidate = nextId;
            nextId = nextId >= limit ? 1 : nextId + 1;
            if (candidate >= byId.length) {
                byId = Arrays.copyOf(byId, Math.min(limit + 1, Math.max(candidate + 1, byId.length * 2)));
            }
            if (byId[candidate] == null) {
                UpstreamChannel ch = new UpstreamChannel(connection, candidate, peer);
                byId[candidate] = ch;
                used++;
                return ch;
            }
        }
        return null;
    }

    /** The channel with this id, or {@code null}. */
    UpstreamChannel get(int id) {
        return id < byId.length ? byId[id] : null;
    }

    /** Whether {@code ch} still holds its id here (it was not freed and replaced). */
    boolean holds(UpstreamChannel ch) {
        return get(ch.id()) == ch;
    }

    /**
     * Frees {@code ch}'s id.
     *
     * @return {@code false} if it did not hold one
     */
    boolean remove(UpstreamChannel ch) {
        if (!holds(ch)) {
            return false;
        }
        byId[ch.id()] = null;
        used--;
        if (ch.state == UpstreamChannel.State.QUARANTINED) {
            quarantined--;
        }
        return true;
    }

    /** Holds {@code ch}'s id back until {@code until} (loop nanos), in case a late CloseOk still comes. */
    void quarantine(UpstreamChannel ch, long until) {
        ch.state = UpstreamChannel.State.QUARANTINED;
        ch.quarantineUntil = until;
        quarantined++;
    }

    /** Hands every channel whose quarantine ended before {@code now} to {@code action}, which frees it. */
    void endQuarantines(long now, Consumer<UpstreamChannel> action) {
        if (quarantined == 0) {
            return; // the usual case: no scan
        }
        for (int i = 1; i < byId.length; i++) {
            UpstreamChannel ch = byId[i];
            if (ch != null && ch.state == UpstreamChannel.State.QUARANTINED && now - ch.quarantineUntil > 0) {
                action.accept(ch);
            }
        }
    }

    /** Frees every id, handing each channel that held one to {@code action}. */
    void removeAll(Consumer<UpstreamChannel> action) {
        for (int i = 1; i < byId.length; i++) {
            UpstreamChannel ch = byId[i];
            if (ch != null) {
                byId[i] = null;
                action.accept(ch);
            }
        }
        used = 0;
        quarantined = 0;
    }
}
