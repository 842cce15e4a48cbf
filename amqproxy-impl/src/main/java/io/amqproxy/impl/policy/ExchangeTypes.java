package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.Field;
import io.amqproxy.impl.codec.MethodView;
import io.amqproxy.impl.codec.Methods;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which exchange types the broker knows. RabbitMQ answers {@code exchange.declare} of a type it does not know with a
 * connection error ({@code 503 COMMAND_INVALID - unknown exchange type 'T'}, or {@code invalid exchange type 'T'}),
 * and an exchange type's own argument checks may do the same (the delayed-message plugin checks its
 * {@code x-delayed-type} that way). Invariant: a non-passive declare reaches a shared upstream only when its type is
 * built in ({@code direct}, {@code fanout}, {@code topic}, {@code headers}) or a trial declare of the same type and
 * arguments on a connection nobody shares came back without a connection error. A trial's DeclareOk and its
 * connection error are remembered, the error answered to every later client that asks for the same, with the
 * broker's code and text; a channel error (403, 406) may come before the type's argument checks, so it only lets
 * that one client on. Verdicts are kept per vhost, type and arguments, bounded. Shared by every event loop of the
 * proxy, thread-safe.
 */
public final class ExchangeTypes {

    /** The types every RabbitMQ has, whatever its plugins. */
    private static final Set<String> BUILT_IN = Set.of("direct", "fanout", "topic", "headers");
    private static final int MAX_VERDICTS = 10_000;
    private static final Refusal ACCEPTED = new Refusal(Refusal.Scope.CHANNEL, 0, "", 0);

    private final Map<String, Refusal> verdicts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Refusal> eldest) {
            return size() > MAX_VERDICTS;
        }
    };

    /** What {@link #judge} found. */
    public sealed interface Verdict permits Pass, Refuse, Unknown {
    }

    /** The declare may go to the shared upstream. */
    public record Pass() implements Verdict {
    }

    /** The declare closes the client, as a trial showed. */
    public record Refuse(Refusal refusal) implements Verdict {
    }

    /** Not known yet: a trial must decide; {@code key} names the verdict for {@link #remember}. */
    public record Unknown(String key) implements Verdict {
    }

    private static final Pass PASS = new Pass();

    /** Judges a client's method; anything but a non-passive exchange.declare of an unknown type passes. */
    public Verdict judge(MethodView m, String vhost) {
        if (m.id() != Methods.EXCHANGE_DECLARE || m.flag(Field.PASSIVE)) {
            return PASS;
        }
        String type = m.shortStr(Field.TYPE);
        if (BUILT_IN.contains(type)) {
            return PASS;
        }
        String key = vhost + '\0' + type + '\0' + Base64.getEncoder().encodeToString(m.tableBytes(Field.ARGUMENTS));
        Refusal known;
        synchronized (this) {
            known = verdicts.get(key);
        }
        if (known == null) {
            return new Unknown(key);
        }
        return known == ACCEPTED ? PASS : new Refuse(known);
    }

    /** A trial's outcome: {@code refusal} is the connection error it got, {@code null} when it got none. */
    public synchronized void remember(String key, Refusal refusal) {
        verdicts.put(key, refusal == null ? ACCEPTED : refusal);
    }
}
