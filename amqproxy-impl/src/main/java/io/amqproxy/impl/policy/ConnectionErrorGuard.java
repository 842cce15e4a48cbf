package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.MethodView;

/**
 * The rule that keeps a client's connection errors off the shared upstream connection. RabbitMQ answers some
 * channel methods with a connection error (see the README's catalogue): on a shared upstream that would close
 * every client on it. Invariant: a method the broker would answer with a connection error never reaches a shared
 * upstream; the client that sent it is closed with the broker's code and text, and nobody else notices. The
 * judgement is the broker's own where the method alone decides ({@link NotImplementedArguments}), the channel's
 * state ({@link ConsumerTags}), a queue's type ({@link QueueTypeRules}), or what a trial on a connection nobody
 * shares found ({@link ExchangeTypes}); a declare of an exchange type nobody tried yet is answered {@link #ASK_BROKER}.
 * One per client channel, on its event loop, not thread-safe.
 */
public final class ConnectionErrorGuard {

    /** Returned for a method that must be tried on a connection nobody shares first; {@link #trialKey} names it. */
    public static final Refusal ASK_BROKER = new Refusal(Refusal.Scope.CONNECTION, 0, "", 0);

    private final ExchangeTypes exchangeTypes;
    private final String vhost;
    private final ConsumerTags tags = new ConsumerTags();
    private final QueueTypeRules queueTypes;
    private String trialKey;
    /** The next exchange.declare was tried and passed: it is not judged again. */
    private boolean passNextDeclare;

    public ConnectionErrorGuard(BrokerFacts facts, String vhost) {
        this.exchangeTypes = facts.exchangeTypes;
        this.vhost = vhost;
        this.queueTypes = new QueueTypeRules(facts.queueTypes, vhost);
    }

    /**
     * Judges a client's method, already admitted ({@link MethodAdmission}).
     *
     * @return {@code null} to let it on, a connection refusal, or {@link #ASK_BROKER}
     */
    public Refusal onClientMethod(MethodView m, MethodReader reader) {
        Refusal r = NotImplementedArguments.check(m);
        if (r != null) {
            return r;
        }
        ExchangeTypes.Verdict v = passNextDeclare ? null : exchangeTypes.judge(m, vhost);
        passNextDeclare = false;
        if (v instanceof ExchangeTypes.Unknown u) {
            trialKey = u.key();
            return ASK_BROKER;
        }
        if (v instanceof ExchangeTypes.Refuse refuse) {
            return refuse.refusal();
        }
        r = tags.onClientMethod(m);
        return r != null ? r : queueTypes.onClientMethod(m, reader);
    }

    /** The client's exchange.declare just passed its trial: it comes again now, and goes on unjudged. */
    public void passNextDeclare() {
        passNextDeclare = true;
    }

    /** The verdict an {@link #ASK_BROKER} answer is to be remembered under. */
    public String trialKey() {
        return trialKey;
    }

    /** A method from the broker on this channel. */
    public void onBrokerMethod(MethodView m) {
        tags.onBrokerMethod(m);
        queueTypes.onBrokerMethod(m);
    }
}
