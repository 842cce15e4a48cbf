package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.ExchangeTypes;
import io.amqproxy.impl.policy.Refusal;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.util.function.Consumer;

/**
 * The questions one client's requests make the proxy put to the broker before they may touch a shared upstream
 * connection ({@link BrokerTrial}): an exchange.declare of a type that is not built in (its verdict is then
 * remembered in {@link ExchangeTypes} for every client), and a Connection.UpdateSecret ({@link SecretRefresh}).
 * Invariant: while a question is out, nothing more is read from the client, so its frames keep their order; the
 * method that asked is carried out (or refused) when the answer is in, before anything after it. Owned by the
 * client's event loop, not thread-safe.
 */
final class SessionChecks {

    private final ClientSession session;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    /** The client's output, held not owned. */
    private final OutputBuffer toClient;
    private boolean asking;

    SessionChecks(ClientSession session, LoopContext ctx, UpstreamPool pool, OutputBuffer toClient) {
        this.session = session;
        this.ctx = ctx;
        this.pool = pool;
        this.toClient = toClient;
    }

    /** Whether client input waits for an answer. */
    boolean isHolding() {
        return asking;
    }

    /**
     * Tries the exchange.declare {@code payload} (no-wait cleared) on a connection of its own; once the broker
     * answered, the verdict is remembered under {@code key} for later clients, and {@code then} gets it: the
     * connection error for this client, or {@code null} to let the client's method on.
     */
    void tryDeclare(Credentials credentials, String key, byte[] payload, Consumer<Refusal> then) {
        hold();
        BrokerTrial.declare(ctx, pool, credentials, payload, (answered, code, text) -> {
            if (!answered || code == ReplyCodes.CONNECTION_FORCED || code == BrokerTrial.DROPPED) {
                // no verdict (the trial could not run, or the node went): this client is refused, nothing remembered
                release();
                if (!session.isOpen()) {
                    return;
                }
                if (code == BrokerTrial.DROPPED) {
                    session.onSocketLost("the broker dropped the connection of a trial exchange.declare");
                } else {
                    session.connectionError(code, text, 0);
                }
                return;
            }
            Refusal verdict = code <= 0 ? null
                    : new Refusal(Refusal.Scope.CONNECTION, code, text, Methods.EXCHANGE_DECLARE);
            if (code != BrokerTrial.CHANNEL_CLOSED) {
                // a channel error (403 for the name, 406 for an existing exchange) may come before the checks of
                // the type's arguments: it proves the type known, not the arguments valid, so it is not remembered;
                // this client's own declare gets the same channel error, harming nobody
                ctx.facts.exchangeTypes.remember(key, verdict);
            }
            release();
            if (session.isOpen()) {
                then.accept(verdict);
            }
        });
    }

    /** Connection.UpdateSecret from the client: see {@link SecretRefresh}. */
    void updateSecret(Credentials current, byte[] secret, String reason) {
        hold();
        SecretRefresh.start(session, ctx, pool, toClient, current, secret, reason, this::release);
    }

    private void hold() {
        asking = true;
        session.pauseReading();
    }

    private void release() {
        asking = false;
        if (session.isOpen()) {
            session.resumeReading();
        }
    }
}
