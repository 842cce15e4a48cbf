package io.amqproxy.testsupport.relay;

import io.amqproxy.testsupport.relay.RelayEffect.Direction;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One accepted client and its connection to the relay's target, with a {@link Pump} per direction. The link is set
 * up on the thread that then reads from the client ({@link #run}); after that any thread may apply an instant
 * effect to it or end it. Its ends are written once during setup and published through volatile fields; ending
 * is idempotent.
 */
final class Link {

    private static final int TLS_HANDSHAKE_TIMEOUT_MILLIS = 30_000;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final FaultRelay relay;
    private final int id;
    private final Socket accepted;
    private final AtomicInteger openDirections = new AtomicInteger(2);
    private volatile LinkEnd client;
    /** Null until connected, and for good on a link silenced at accept. */
    private volatile LinkEnd target;
    private volatile Pump toTarget;
    private volatile Pump toClient;
    private volatile boolean over;
    private volatile boolean silencedAtAccept;

    Link(FaultRelay relay, int id, Socket accepted) {
        this.relay = relay;
        this.id = id;
        this.accepted = accepted;
        this.client = LinkEnd.plain(accepted);
    }

    boolean over() {
        return over;
    }

    /** Sets the link up, applies the effects at accept, then reads from the client until it ends. */
    void run(SSLContext tls, List<RelayEffect> atAccept) {
        try {
            accepted.setTcpNoDelay(true);
            if (tls != null) {
                client = handshake(tls);
            }
            for (RelayEffect e : atAccept) {
                if (e instanceof RelayEffect.Garbage g && g.toward().covers(Direction.TO_CLIENT)) {
                    write(client, g.bytes());
                }
            }
            RelayEffect.Cut cut = firstCut(atAccept);
            if (cut != null) {
                cut(cut);
                return;
            }
            if (atAccept.stream().anyMatch(e -> e instanceof RelayEffect.Silence)) {
                silencedAtAccept = true;
                drainClient(); // a black hole: no target, no answer, no end from this side
                return;
            }
            LinkEnd t = connectTarget();
            for (RelayEffect e : atAccept) {
                if (e instanceof RelayEffect.Garbage g && g.toward().covers(Direction.TO_TARGET)) {
                    write(t, g.bytes());
                }
            }
            String name = relay.name() + "-" + id;
            toTarget = new Pump(relay, this, Direction.TO_TARGET, t);
            toClient = new Pump(relay, this, Direction.TO_CLIENT, client);
            toTarget.startWriter(name + "-to-target-write");
            toClient.startWriter(name + "-to-client-write");
            FaultRelay.daemon(name + "-to-client-read", () -> toClient.read(t));
            Thread.currentThread().setName(name + "-to-target-read");
            if (over) {
                t.close(); // cut while connecting
                return;
            }
            toTarget.read(client);
        } catch (IOException e) {
            breakOff(); // a failed handshake or connect: the client sees its socket close
        }
    }

    private LinkEnd handshake(SSLContext tls) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(accepted, null, true); // server mode
        s.setSoTimeout(TLS_HANDSHAKE_TIMEOUT_MILLIS);
        s.startHandshake();
        s.setSoTimeout(0);
        relay.handshakeDone();
        return LinkEnd.tls(accepted, s);
    }

    private LinkEnd connectTarget() throws IOException {
        Socket s = new Socket();
        target = LinkEnd.plain(s); // before connecting, so that a cut meanwhile closes it
        s.setTcpNoDelay(true);
        s.connect(relay.target(), CONNECT_TIMEOUT_MILLIS);
        return target;
    }

    private void drainClient() {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = client.in();
            while (in.read(buffer) >= 0) {
                // dropped: nothing answers
            }
        } catch (IOException ignored) {
            // ended by a switch, a close or the client
        }
        breakOff();
    }

    private static RelayEffect.Cut firstCut(List<RelayEffect> effects) {
        for (RelayEffect e : effects) {
            if (e instanceof RelayEffect.Cut c) {
                return c;
            }
        }
        return null;
    }

    private static void write(LinkEnd end, byte[] bytes) throws IOException {
        OutputStream out = end.out();
        out.write(bytes);
        out.flush();
    }

    /** Applies an instant effect: a cut, or garbage behind what is queued. */
    void apply(RelayEffect effect) throws InterruptedException {
        if (effect instanceof RelayEffect.Cut c) {
            cut(c);
        } else if (effect instanceof RelayEffect.Garbage g) {
            inject(g);
        } else {
            throw new IllegalArgumentException(effect + " is not an instant effect");
        }
    }

    private void inject(RelayEffect.Garbage g) throws InterruptedException {
        Pump down = toClient;
        Pump up = toTarget;
        if (g.toward().covers(Direction.TO_CLIENT)) {
            if (down != null) {
                down.inject(g.bytes());
            } else {
                try {
                    write(client, g.bytes()); // a link without a target has no pump toward its client
                } catch (IOException e) {
                    breakOff();
                }
            }
        }
        if (g.toward().covers(Direction.TO_TARGET) && up != null) {
            up.inject(g.bytes());
        }
    }

    /** Ends the link: an RST or a FIN to both peers. */
    void cut(RelayEffect.Cut how) {
        over = true;
        LinkEnd t = target;
        if (how instanceof RelayEffect.Reset) {
            // both ends reset before either closes: closing one wakes the pump of the other, which closes that
            // end as well, and that close must be a reset too
            client.lingerZero();
            if (t != null) {
                t.lingerZero();
            }
            client.reset();
            if (t != null) {
                t.reset();
            }
        } else {
            if (t != null) {
                t.fin();
            }
            client.fin();
        }
        relay.forget(this);
    }

    /** One direction passed its end on; once both have, the link is done. */
    void directionEnded() {
        if (openDirections.decrementAndGet() == 0) {
            breakOff();
        }
    }

    /** Closes both ends as they are (a FIN, or an RST where unread bytes remain), after a failure or both ends. */
    void breakOff() {
        over = true;
        client.close();
        LinkEnd t = target;
        if (t != null) {
            t.close();
        }
        relay.forget(this);
    }

    /** Whether the link was silenced at accept, so it has no target and nothing to resume. */
    boolean silencedAtAccept() {
        return silencedAtAccept;
    }
}
