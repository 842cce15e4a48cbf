package io.amqproxy.impl.loop;

/** Something registered on an {@link EventLoop}'s selector: a listening socket or a connection. */
public interface IoHandler {

    /** Called on the loop thread with the key's ready operations. */
    void onReady(int readyOps);

    /** Called on the loop thread when {@link #onReady} threw: release everything, log once. */
    void onFailure(Throwable t);
}
