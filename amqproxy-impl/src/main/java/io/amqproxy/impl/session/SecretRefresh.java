package io.amqproxy.impl.session;

import io.amqproxy.impl.LoopContext;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.OutputBuffer;
import io.amqproxy.impl.policy.TokenIdentity;
import io.amqproxy.impl.upstream.Credentials;
import io.amqproxy.impl.upstream.UpstreamConnection;
import io.amqproxy.impl.upstream.UpstreamPool;

import java.util.List;

/**
 * A client's Connection.UpdateSecret (an OAuth 2 token refresh), honoured without risking the upstream connections
 * it shares. First, on connections of their own ({@link BrokerTrial}), at the same time: one logged in with the
 * client's current secret is sent the update, which shows whether the broker takes it and, if not, with what code
 * and text; another logs in with the new secret. Then:
 * <ul>
 * <li>the broker refuses the update: the client is closed with the broker's reply, as it would be directly (when
 * the current secret no longer logs in, an expired token, the new secret's login decides);</li>
 * <li>the update is taken and the new secret logs in: every open upstream connection that carries the client's
 * channels is sent the update too (so they outlive the old token), is found in the pool under the new secret from
 * then on, and the client is answered UpdateSecretOk; its next channels go where its new secret leads;</li>
 * <li>the update is taken but the new secret does not log in (RabbitMQ's internal user database takes any update
 * without checking it): the client is answered UpdateSecretOk as the broker would, and nothing else changes.</li>
 * </ul>
 * Invariants: a secret is trusted (a pool key, a credential that admits clients) only after a broker login checked
 * it; a shared connection never changes user ({@link TokenIdentity}). Client input is held meanwhile
 * ({@link SessionChecks}). Owned by the client's event loop, not thread-safe.
 */
final class SecretRefresh {

    private final ClientSession session;
    private final LoopContext ctx;
    private final UpstreamPool pool;
    /** The client's output, held not owned. */
    private final OutputBuffer toClient;
    private final Credentials current;
    private final Credentials renewed;
    private final String reason;
    private final Runnable done;
    private static final int NOT_IN = Integer.MIN_VALUE;
    private static final int NOT_CARRIED_OUT = -2;

    /**
     * NOT_IN until the update's trial is in; then 0 if taken, the broker's code if refused, DROPPED if the broker
     * dropped the connection, NOT_CARRIED_OUT if the current secret could not even log in.
     */
    private int updateCode = NOT_IN;
    private String updateText;
    /** NOT_IN until the login's trial is in; then 0 if the new secret logged in, else the refusal's code. */
    private int loginCode = NOT_IN;
    private String loginText;

    private SecretRefresh(ClientSession session, LoopContext ctx, UpstreamPool pool, OutputBuffer toClient,
                          Credentials current, byte[] secret, String reason, Runnable done) {
        this.session = session;
        this.ctx = ctx;
        this.pool = pool;
        this.toClient = toClient;
        this.current = current;
        this.renewed = current.withPassword(secret);
        this.reason = reason;
        this.done = done;
    }

    /** Starts the refresh; {@code done} runs once the client has its answer (or is closed). */
    static void start(ClientSession session, LoopContext ctx, UpstreamPool pool, OutputBuffer toClient,
                      Credentials current, byte[] secret, String reason, Runnable done) {
        SecretRefresh r = new SecretRefresh(session, ctx, pool, toClient, current, secret, reason, done);
        if (TokenIdentity.changesUser(current.secret(), secret)) {
            r.refuse(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED,
                    "New secret was refused by one of the backends"));
            return;
        }
        BrokerTrial.updateSecret(ctx, pool, current, r.renewed, reason, r::updateTried);
        BrokerTrial.login(ctx, pool, r.renewed, r::loginTried);
    }

    private void updateTried(boolean answered, int code, String text) {
        updateCode = answered ? code : NOT_CARRIED_OUT;
        updateText = text;
        decideWhenBothIn();
    }

    private void loginTried(boolean answered, int code, String text) {
        loginCode = code;
        loginText = text;
        decideWhenBothIn();
    }

    private void decideWhenBothIn() {
        if (updateCode == NOT_IN || loginCode == NOT_IN) {
            return;
        }
        if (updateCode == BrokerTrial.DROPPED) {
            // the broker dropped the connection instead of answering: so does the proxy
            if (session.isOpen()) {
                session.onSocketLost("the broker dropped the connection at its Connection.UpdateSecret");
            }
            done.run();
            return;
        }
        if (updateCode == NOT_CARRIED_OUT) {
            // the current secret no longer logs in (an expired token): the broker's check of an update is a check
            // of the new token, which the login just made
            if (loginCode == ReplyCodes.CONNECTION_FORCED) {
                refuse(loginCode, loginText); // no broker to ask: the client learns why
                return;
            }
            if (loginCode != 0) {
                refuse(ReplyCodes.NOT_ALLOWED, ReplyCodes.text(ReplyCodes.NOT_ALLOWED,
                        "New secret was refused by one of the backends"));
                return;
            }
        } else if (updateCode != 0) {
            refuse(updateCode, updateText);
            return;
        }
        if (loginCode == 0 && session.isOpen()) {
            List<UpstreamConnection> carrying = session.links().openConnections();
            for (UpstreamConnection up : carrying) {
                up.updateSecret(renewed, reason, () -> { });
            }
            session.renewCredentials(renewed);
        }
        if (session.isOpen()) {
            ctx.writer.begin(Methods.CONNECTION_UPDATE_SECRET_OK).writeTo(toClient, 0);
            session.markDirty();
        }
        done.run();
    }

    private void refuse(int code, String text) {
        session.connectionError(code, text, Methods.CONNECTION_UPDATE_SECRET);
        done.run();
    }
}
