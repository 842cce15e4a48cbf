package io.amqproxy.impl.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One thread, one {@link Selector}, and every connection registered on it. All connection state is owned
 * by this thread, so forwarding takes no lock; other threads hand work over with {@link #execute}. After
 * each select the loop runs deferred work, then flushes every connection that queued output in that round,
 * so a message made of several frames leaves in one write.
 */
public final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    private ArrayList<NioEndpoint> dirty = new ArrayList<>();
    private ArrayList<NioEndpoint> flushing = new ArrayList<>();
    private final ArrayList<Tickable> tickables = new ArrayList<>();
    private final Timers timers = new Timers();
    /** A simulated partition: no endpoint reads or writes (see {@link #freeze}). */
    private boolean frozen;
    private final ByteBuffer readBuffer;
    private final ByteBuffer[] gather = new ByteBuffer[64];
    private final BufferPool pool = new BufferPool(256);
    private volatile boolean running = true;
    private long now = System.nanoTime();
    private long nextTick = now + TICK_NANOS;

    /**
     * @param name          the thread's name
     * @param maxFrameSize  the largest frame any peer of this loop may send; the shared read buffer holds two
     */
    public EventLoop(String name, int maxFrameSize) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.readBuffer = ByteBuffer.allocateDirect(Math.max(256 * 1024, 2 * maxFrameSize + 64 * 1024));
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public Selector selector() {
        return selector;
    }

    /** Whether the loop thread still runs. */
    public boolean isAlive() {
        return thread.isAlive();
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread soon; safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop()) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop thread after the connection being served now; loop thread only. */
    public void defer(Runnable task) {
        deferred.add(task);
    }

    /**
     * Runs {@code action} on the loop thread once {@code delayNanos} have passed (at the end of the round in which
     * they have); loop thread only. For delays finer than the ticks.
     */
    public void schedule(long delayNanos, Runnable action) {
        timers.schedule(now + delayNanos, action);
    }

    /** Whether the loop's endpoints are frozen: nothing read, nothing written. */
    public boolean frozen() {
        return frozen;
    }

    /**
     * Freezes or thaws the I/O of every connection on this loop, for the test fixture's partition: sockets stay
     * open, nothing is read or written (heartbeats included); thawed, each writes what it queued meanwhile, in
     * order. Listening sockets go on accepting. Loop thread only.
     */
    public void freeze(boolean on) {
        if (frozen == on) {
            return;
        }
        frozen = on;
        for (int i = tickables.size() - 1; i >= 0; i--) {
            if (tickables.get(i) instanceof NioEndpoint endpoint) {
                endpoint.frozenChanged();
            }
        }
    }

    /** Cached {@link System#nanoTime()} of the current loop round. */
    public long now() {
        return now;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    ByteBuffer[] gather() {
        return gather;
    }

    public BufferPool pool() {
        return pool;
    }

    void markDirty(NioEndpoint endpoint) {
        dirty.add(endpoint);
    }

    /** Adds something that wants {@link Tickable#onTick} about four times a second. */
    public void addTickable(Tickable t) {
        t.setTickIndex(tickables.size());
        tickables.add(t);
    }

    public void removeTickable(Tickable t) {
        int i = t.tickIndex();
        if (i < 0 || i >= tickables.size() || tickables.get(i) != t) {
            return;
        }
        Tickable last = tickables.remove(tickables.size() - 1);
        if (last != t) {
            tickables.set(i, last);
            last.setTickIndex(i);
        }
        t.setTickIndex(-1);
    }

    /** Everything registered for ticks (every open connection), as a copy; loop thread only. */
    public List<Tickable> tickables() {
        return new ArrayList<>(tickables);
    }

    /** Asks the loop to stop after its current round; returns at once. */
    public void shutdown() {
        running = false;
        selector.wakeup();
    }

    public void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    @Override
    public void run() {
        while (running) {
            try {
                runOnce();
            } catch (Throwable t) {
                log.error("event loop {} caught an unexpected error; continuing", thread.getName(), t);
            }
        }
        try {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException e) {
            log.debug("closing selector", e);
        }
    }

    /** One round: select, serve ready keys, run tasks, flush, tick. Returns how many keys were served. */
    int runOnce() throws IOException {
        long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
        if (!timers.isEmpty()) {
            // a timer is not run before it is due: wait to the next whole millisecond after it
            waitMs = Math.max(1, Math.min(waitMs, TimeUnit.NANOSECONDS.toMillis(timers.nextDue() - System.nanoTime() + 999_999)));
        }
        int n = tasks.isEmpty() && dirty.isEmpty() ? selector.select(waitMs) : selector.selectNow();
        now = System.nanoTime();
        if (n > 0) {
            Set<SelectionKey> keys = selector.selectedKeys();
            Iterator<SelectionKey> it = keys.iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                IoHandler handler = (IoHandler) key.attachment();
                try {
                    if (key.isValid()) {
                        handler.onReady(key.readyOps());
                    }
                } catch (Throwable t) {
                    handler.onFailure(t);
                }
                runDeferred();
            }
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                log.error("task failed on event loop {}", thread.getName(), t);
            }
            runDeferred();
        }
        runTimers();
        flushDirty();
        if (now - nextTick >= 0) {
            nextTick = now + TICK_NANOS;
            for (int i = tickables.size() - 1; i >= 0; i--) {
                if (i < tickables.size()) {
                    Tickable t = tickables.get(i);
                    try {
                        t.onTick(now);
                    } catch (Throwable e) {
                        log.error("timer check failed on event loop {}", thread.getName(), e);
                    }
                }
            }
            runDeferred();
            flushDirty();
        }
        return n;
    }

    private void runTimers() {
        if (timers.isEmpty()) {
            return;
        }
        now = System.nanoTime();
        Runnable due;
        while ((due = timers.takeDue(now)) != null) {
            try {
                due.run();
            } catch (Throwable t) {
                log.error("timer failed on event loop {}", thread.getName(), t);
            }
            runDeferred();
        }
    }

    private void runDeferred() {
        Runnable r;
        while ((r = deferred.poll()) != null) {
            try {
                r.run();
            } catch (Throwable t) {
                log.error("deferred task failed on event loop {}", thread.getName(), t);
            }
        }
    }

    private void flushDirty() {
        // flushing may close a connection, which may queue output for others: loop until quiet
        for (int round = 0; !dirty.isEmpty() && round < 4; round++) {
            ArrayList<NioEndpoint> batch = dirty;
            dirty = flushing;
            flushing = batch;
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).flush();
            }
            batch.clear();
            runDeferred();
        }
    }
}
