package io.amqproxy.impl.session;

import io.amqproxy.impl.upstream.UpstreamPool;

/**
 * Holds back one client's whole publish while the broker has a resource alarm on (see
 * {@link UpstreamPool#alarmOn()}), so that the client's not-yet-blocked upstream connection stays readable for its
 * neighbours' acks and declarations. Invariant: while a publish is held, nothing more is read from the client,
 * so its frames stay in order and at most one publish per client waits here. Owned by the client's event loop,
 * not thread-safe.
 */
final class AlarmHold {

    private final ClientSession session;
    private final UpstreamPool pool;
    private final Runnable release = this::release;
    /** The channel whose whole publish waits for the alarm to end, or {@code null}. */
    private ClientChannel holding;

    AlarmHold(ClientSession session, UpstreamPool pool) {
        this.session = session;
        this.pool = pool;
    }

    /**
     * Called with a whole publish staged on {@code ch}: whether it must wait because an alarm is on. If so, the
     * client is not read until the alarm is over, and then the held publish goes out before anything else.
     */
    boolean holdsNow(ClientChannel ch) {
        if (!pool.alarmOn()) {
            return false;
        }
        holding = ch;
        session.pauseReading();
        pool.afterAlarm(release);
        return true;
    }

    boolean isHolding() {
        return holding != null;
    }

    private void release() {
        ClientChannel ch = holding;
        holding = null;
        if (session.isOpen()) {
            ch.sendHeldPublish();
            session.resumeReading();
        }
    }

    /** The client is going: the held publish goes with it. */
    void cancel() {
        if (holding != null) {
            holding = null;
            pool.cancelAfterAlarm(release);
        }
    }
}
