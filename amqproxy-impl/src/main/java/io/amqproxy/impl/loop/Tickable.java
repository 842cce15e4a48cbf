package io.amqproxy.impl.loop;

/** Something an {@link EventLoop} checks about four times a second: heartbeats, timeouts, idle connections. */
public interface Tickable {

    void onTick(long nowNanos);

    int tickIndex();

    void setTickIndex(int index);
}
